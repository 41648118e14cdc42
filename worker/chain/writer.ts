// Per-tenant receipt chains with group commit across tenants.
//
// Every /route call of a tenant appends one receipt: seq = head.seq + 1, prev_receipt_hash =
// head.receipt_hash. Calls that arrive while a write is in flight queue up — whatever their
// tenant — and the next leader writes the whole queue as ONE D1 batch (one transaction:
// decisions + receipts + approvals), each tenant's links consecutive on its own chain. A burst of
// concurrent calls costs one round trip instead of one each; with many tenants this matters most
// (per-tenant batches were nearly all of size 1, and D1 runs transactions one at a time). The
// chain never forks or skips:
//   - within an isolate, one leader at a time assigns consecutive seqs from the cached heads;
//   - across isolates, UNIQUE (tenant_id, seq) and the link trigger (migrations/0002) reject the
//     loser's batch, which re-reads the heads of its tenants, re-signs and retries.
// If a batch cannot be written every call in it fails (503) — no decision leaves unrecorded.
//
// Coordination uses shared plain state plus short polling, never a promise settled by another
// request: a leader's request may end first, and workerd then cancels the waiter as hung (the bench
// saw exactly that when queued calls were woken through promises the leader settled).
import { HallHttpError } from '../http/problem.js';
import { ChainConflictError } from '../stores/errors.js';
import type { ChainHead, EvidenceRecord, EvidenceStore } from '../stores/evidence-store.js';

export interface BuiltLink<R> {
  record: EvidenceRecord;
  result: R;
}

export interface ChainLink<R> {
  /**
   * Places the link at `seq` after `prevHash` (may be called again on retry). The receipt hash is
   * computed synchronously — the next link needs it — while signing happens in `finish`, so a
   * batch's signatures run concurrently.
   */
  prepare(seq: number, prevHash: string | null): { receiptHash: string; finish(): Promise<BuiltLink<R>> };
}

interface Ticket {
  tenantId: string;
  link: ChainLink<unknown>;
  state: 'queued' | 'writing' | 'done' | 'failed';
  result?: unknown;
  error?: unknown;
  queuedAt: number;
  timing?: AppendTiming;
}

/** Where one append spent its time (filled in when the caller passes an object). */
export interface AppendTiming {
  /** Queued behind another batch (ms). */
  waitMs: number;
  /** Placing and signing the batch this call was written in (ms). */
  buildMs: number;
  /** The D1 batch write, chain-head read included (ms). */
  writeMs: number;
  /** Records in that batch. */
  batch: number;
  /** Write attempts (> 1 after a chain conflict). */
  attempts: number;
}

export interface ChainWriterOptions {
  maxBatch?: number;
  maxAttempts?: number;
  /** How often a queued call looks at its ticket (ms). */
  pollMs?: number;
  /** A leader that made no progress for this long is replaced (its request vanished). */
  stallMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChainWriter {
  private readonly queue: Ticket[] = [];
  private busy = false;
  private lastProgress = Date.now();
  /** Chain heads known to this isolate; absent = unknown (read from D1 first), null = empty chain. */
  private readonly heads = new Map<string, ChainHead | null>();
  private readonly maxBatch: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly stallMs: number;

  constructor(options: ChainWriterOptions = {}) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.pollMs = options.pollMs ?? 2;
    this.stallMs = options.stallMs ?? 10_000;
  }

  /** Forget cached chain heads (after an out-of-band write). */
  reset(): void {
    this.heads.clear();
  }

  /** Appends one link to the tenant's chain; resolves once its batch is durably written. */
  async append<R>(store: EvidenceStore, tenantId: string, link: ChainLink<R>, timing?: AppendTiming): Promise<R> {
    const ticket: Ticket = { tenantId, link: link as ChainLink<unknown>, state: 'queued', queuedAt: performance.now(), ...(timing ? { timing } : {}) };
    this.queue.push(ticket);
    for (;;) {
      if (ticket.state === 'done') return ticket.result as R;
      if (ticket.state === 'failed') throw ticket.error;
      if (ticket.state === 'queued') {
        const stalled = this.busy && Date.now() - this.lastProgress >= this.stallMs;
        if (!this.busy || stalled) {
          // Become the leader: write everything queued so far (this ticket included) in one batch.
          await this.lead(store);
          continue;
        }
      }
      await sleep(this.pollMs);
    }
  }

  private async lead(store: EvidenceStore): Promise<void> {
    this.busy = true;
    this.lastProgress = Date.now();
    const startedAt = performance.now();
    const batch = this.queue.splice(0, this.maxBatch);
    for (const t of batch) {
      t.state = 'writing';
      if (t.timing) t.timing.waitMs = startedAt - t.queuedAt;
    }
    try {
      const results = await this.writeBatch(store, batch);
      batch.forEach((t, i) => {
        t.result = results[i];
        t.state = 'done';
      });
    } catch (err) {
      for (const t of batch) {
        t.error = err;
        t.state = 'failed';
      }
    } finally {
      this.lastProgress = Date.now();
      this.busy = false;
    }
  }

  private async writeBatch(store: EvidenceStore, batch: Ticket[]): Promise<unknown[]> {
    const tenants = [...new Set(batch.map((t) => t.tenantId))];
    let buildMs = 0;
    let writeMs = 0;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      let t0 = performance.now();
      const unknown = tenants.filter((id) => !this.heads.has(id));
      const read = await Promise.all(unknown.map((id) => store.chainHead(id)));
      unknown.forEach((id, i) => this.heads.set(id, read[i] ?? null));
      writeMs += performance.now() - t0;
      t0 = performance.now();
      // Each tenant's links go on consecutively from its head, in arrival order.
      const tips = new Map<string, { seq: number; prev: string | null }>();
      for (const id of tenants) {
        const head = this.heads.get(id) ?? null;
        tips.set(id, { seq: head?.seq ?? 0, prev: head?.receipt_hash ?? null });
      }
      const pending: Promise<BuiltLink<unknown>>[] = [];
      for (const t of batch) {
        const tip = tips.get(t.tenantId)!;
        const placed = t.link.prepare(tip.seq + 1, tip.prev);
        tip.seq += 1;
        tip.prev = placed.receiptHash;
        pending.push(placed.finish());
      }
      const built = await Promise.all(pending);
      const records = built.map((b) => b.record);
      const results = built.map((b) => b.result);
      buildMs += performance.now() - t0;
      t0 = performance.now();
      try {
        await store.writeEvidence(records);
        writeMs += performance.now() - t0;
        for (const [id, tip] of tips) this.heads.set(id, { seq: tip.seq, receipt_hash: tip.prev! });
        for (const t of batch) {
          if (!t.timing) continue;
          t.timing.buildMs = buildMs;
          t.timing.writeMs = writeMs;
          t.timing.batch = batch.length;
          t.timing.attempts = attempt + 1;
        }
        return results;
      } catch (err) {
        writeMs += performance.now() - t0;
        // Which chain lost the race is not reported: re-read every head of this batch.
        for (const id of tenants) this.heads.delete(id);
        if (err instanceof ChainConflictError) continue;
        throw err;
      }
    }
    throw new HallHttpError(503, 'RECEIPT_CHAIN_CONTENDED', 'The tenant\'s receipt chain is being extended by too many writers at once; nothing was recorded or allowed. Retry the request.');
  }
}
