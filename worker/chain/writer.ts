// Per-tenant receipt chains with group commit.
//
// Every /route call of a tenant appends one receipt: seq = head.seq + 1, prev_receipt_hash =
// head.receipt_hash. Calls that arrive while a write is in flight queue up; the next leader writes
// the whole queue as ONE D1 batch (one transaction: decisions + receipts + approvals), so a burst of
// concurrent calls costs one round trip instead of one each, and the chain never forks or skips:
//   - within an isolate, one leader per tenant at a time assigns consecutive seqs;
//   - across isolates, UNIQUE (tenant_id, seq) rejects the loser's batch, which re-reads the head,
//     re-signs and retries.
// If a batch cannot be written every call in it fails (503) — no decision leaves unrecorded.
//
// Coordination uses shared plain state plus short polling, never a promise settled by another
// request: Workers refuse cross-request promise settlement, and a leader's request may end first.
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
  link: ChainLink<unknown>;
  state: 'queued' | 'writing' | 'done' | 'failed';
  result?: unknown;
  error?: unknown;
}

interface Lane {
  queue: Ticket[];
  busy: boolean;
  /** undefined = unknown (read from D1 before the next batch); null = empty chain. */
  head: ChainHead | null | undefined;
  lastProgress: number;
}

export interface ChainWriterOptions {
  maxBatch?: number;
  maxAttempts?: number;
  /** How often a queued call looks at its ticket (ms). */
  pollMs?: number;
  /** A lane whose leader made no progress for this long is taken over (its request vanished). */
  stallMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChainWriter {
  private readonly lanes = new Map<string, Lane>();
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
    this.lanes.clear();
  }

  private lane(tenantId: string): Lane {
    let lane = this.lanes.get(tenantId);
    if (!lane) {
      lane = { queue: [], busy: false, head: undefined, lastProgress: Date.now() };
      this.lanes.set(tenantId, lane);
    }
    return lane;
  }

  /** Appends one link to the tenant's chain; resolves once its batch is durably written. */
  async append<R>(store: EvidenceStore, tenantId: string, link: ChainLink<R>): Promise<R> {
    const lane = this.lane(tenantId);
    const ticket: Ticket = { link: link as ChainLink<unknown>, state: 'queued' };
    lane.queue.push(ticket);
    for (;;) {
      if (ticket.state === 'done') return ticket.result as R;
      if (ticket.state === 'failed') throw ticket.error;
      if (ticket.state === 'queued') {
        const stalled = lane.busy && Date.now() - lane.lastProgress >= this.stallMs;
        if (!lane.busy || stalled) {
          // Become the leader: write everything queued so far (this ticket included) in one batch.
          await this.lead(lane, store, tenantId);
          continue;
        }
      }
      await sleep(this.pollMs);
    }
  }

  private async lead(lane: Lane, store: EvidenceStore, tenantId: string): Promise<void> {
    lane.busy = true;
    lane.lastProgress = Date.now();
    const batch = lane.queue.splice(0, this.maxBatch);
    for (const t of batch) t.state = 'writing';
    try {
      const results = await this.writeBatch(lane, store, tenantId, batch);
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
      lane.lastProgress = Date.now();
      lane.busy = false;
    }
  }

  private async writeBatch(lane: Lane, store: EvidenceStore, tenantId: string, batch: Ticket[]): Promise<unknown[]> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (lane.head === undefined) lane.head = await store.chainHead(tenantId);
      let seq = lane.head?.seq ?? 0;
      let prev = lane.head?.receipt_hash ?? null;
      const pending: Promise<BuiltLink<unknown>>[] = [];
      for (const t of batch) {
        const placed = t.link.prepare(seq + 1, prev);
        seq += 1;
        prev = placed.receiptHash;
        pending.push(placed.finish());
      }
      const built = await Promise.all(pending);
      const records = built.map((b) => b.record);
      const results = built.map((b) => b.result);
      try {
        await store.writeEvidence(records);
        lane.head = { seq, receipt_hash: prev! };
        return results;
      } catch (err) {
        lane.head = undefined;
        if (err instanceof ChainConflictError) continue;
        throw err;
      }
    }
    throw new HallHttpError(503, 'RECEIPT_CHAIN_CONTENDED', 'The tenant\'s receipt chain is being extended by too many writers at once; nothing was recorded or allowed. Retry the request.');
  }
}
