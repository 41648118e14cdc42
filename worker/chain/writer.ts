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
// Faults stay with their own calls:
//   - a link whose receipt cannot be built (prepare/finish throws) fails only its own call
//     (500 RECEIPT_BUILD_FAILED) and is left out; the rest of the batch is placed without it;
//   - after a chain conflict the batch is split per tenant and each tenant retries on its own, so
//     one tenant's contention (503 RECEIPT_CHAIN_CONTENDED after maxAttempts) never fails another;
//   - a batch whose leader made no progress for stallMs — its request was cancelled, or D1 hangs —
//     is abandoned: its callers answer 503 RECEIPT_CHAIN_UNAVAILABLE (nothing allowed), the chain
//     heads of its tenants are forgotten, and the next call leads a new batch. The database still
//     decides what is in the chain: a late write of an abandoned batch either lands as a valid link
//     or conflicts, and heads are re-read either way.
// If a batch cannot be written, every call in it fails (503) — no decision leaves unrecorded.
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
  /** The batch writing this ticket (set when it leaves the queue). */
  batch?: Batch;
}

interface Batch {
  tickets: Ticket[];
  /** Date.now() of the leader's last step (heads read, links built, a write returned). */
  progressAt: number;
  /** Given up on (its leader stalled): its tickets have failed; whatever it still does is ignored. */
  abandoned: boolean;
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
  /** Write attempts per batch; after the first conflict, each tenant of the batch gets the rest on its own. */
  maxAttempts?: number;
  /** How often a queued call looks at its ticket (ms). */
  pollMs?: number;
  /**
   * A batch whose leader made no progress for this long is abandoned (ms): its callers fail with
   * 503 RECEIPT_CHAIN_UNAVAILABLE and a queued call leads the next batch. Default 10 s.
   */
  stallMs?: number;
}

export const RECEIPT_CHAIN_UNAVAILABLE = 'RECEIPT_CHAIN_UNAVAILABLE';
export const RECEIPT_CHAIN_CONTENDED = 'RECEIPT_CHAIN_CONTENDED';
export const RECEIPT_BUILD_FAILED = 'RECEIPT_BUILD_FAILED';

function stalledError(stallMs: number): HallHttpError {
  return new HallHttpError(
    503,
    RECEIPT_CHAIN_UNAVAILABLE,
    `The receipt-chain write carrying this decision stopped making progress (no step for ${Math.round(stallMs / 100) / 10} s), so the Hall cannot confirm it was recorded and nothing was allowed. Retry the request; a retry is a new decision.`,
  );
}

function contendedError(): HallHttpError {
  return new HallHttpError(503, RECEIPT_CHAIN_CONTENDED, 'The tenant\'s receipt chain is being extended by too many writers at once; nothing was recorded or allowed. Retry the request.');
}

/** What a caller sees when its own receipt could not be built: only this call fails. */
function buildError(err: unknown): HallHttpError {
  if (err instanceof HallHttpError) return err;
  const issues = (err as { issues?: { path?: unknown[]; message?: unknown }[] } | null)?.issues;
  const list = Array.isArray(issues) ? issues.slice(0, 20).map((i) => ({ path: Array.isArray(i.path) ? i.path.map(String) : [], message: String(i.message ?? '') })) : [];
  const first = list[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : String((err as Error)?.message ?? err).slice(0, 300);
  return new HallHttpError(
    500,
    RECEIPT_BUILD_FAILED,
    `The Hall could not build a valid receipt for this decision (${where}); nothing was recorded or allowed. Other requests are not affected; report this to the Hall operator (the rules or worker record behind the decision exceed the receipt limits).`,
    list.length ? { issues: list } : {},
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChainWriter {
  private readonly queue: Ticket[] = [];
  /** The batch being written, if any (at most one leader at a time unless it stalls). */
  private active: Batch | null = null;
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
        if (this.active && this.stalled(this.active)) this.abandon(this.active);
        if (!this.active) {
          // Become the leader: write everything queued so far (this ticket included) in one batch,
          // but never wait on it past the stall bound.
          const batch = this.startBatch();
          await this.watch(batch, this.lead(store, batch));
          continue;
        }
      } else if (ticket.state === 'writing' && ticket.batch && this.stalled(ticket.batch)) {
        // The leader of this ticket's batch stopped (its request was cancelled, or D1 hangs).
        this.abandon(ticket.batch);
        continue;
      }
      await sleep(this.pollMs);
    }
  }

  private stalled(batch: Batch): boolean {
    return Date.now() - batch.progressAt >= this.stallMs;
  }

  private touch(batch: Batch): void {
    batch.progressAt = Date.now();
  }

  private startBatch(): Batch {
    const startedAt = performance.now();
    const batch: Batch = { tickets: this.queue.splice(0, this.maxBatch), progressAt: Date.now(), abandoned: false };
    for (const t of batch.tickets) {
      t.state = 'writing';
      t.batch = batch;
      if (t.timing) t.timing.waitMs = startedAt - t.queuedAt;
    }
    this.active = batch;
    return batch;
  }

  /** Gives up on a stalled batch: its remaining callers fail, the next call may lead. */
  private abandon(batch: Batch): void {
    if (batch.abandoned) return;
    batch.abandoned = true;
    const error = stalledError(this.stallMs);
    for (const t of batch.tickets) this.fail(t, error);
    // Whether its write landed is unknown: re-read these chains' heads before extending them.
    for (const t of batch.tickets) this.heads.delete(t.tenantId);
    if (this.active === batch) this.active = null;
  }

  /** Waits for the leader's run, but abandons the batch once it has made no progress for stallMs. */
  private async watch(batch: Batch, run: Promise<void>): Promise<void> {
    let finished = false;
    const done = run.then(() => {
      finished = true;
    });
    while (!finished && !batch.abandoned) {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const wait = Math.max(1, this.stallMs - (Date.now() - batch.progressAt));
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)))]);
      if (timer !== null) clearTimeout(timer);
      if (!finished && this.stalled(batch)) this.abandon(batch);
    }
  }

  private fail(t: Ticket, error: unknown): void {
    if (t.state !== 'writing') return;
    t.error = error;
    t.state = 'failed';
  }

  /** Never rejects: every ticket of the batch ends done or failed (unless the batch is abandoned first). */
  private async lead(store: EvidenceStore, batch: Batch): Promise<void> {
    try {
      await this.writeGroup(store, batch, batch.tickets, this.maxAttempts, true);
    } catch (err) {
      for (const t of batch.tickets) this.fail(t, err);
    } finally {
      if (this.active === batch) this.active = null;
    }
  }

  /**
   * Writes `group` (tickets of one batch) with up to `attempts` tries. After the first chain
   * conflict of a multi-tenant group (when `split`), each tenant continues as its own group.
   */
  private async writeGroup(store: EvidenceStore, batch: Batch, group: Ticket[], attempts: number, split: boolean): Promise<void> {
    let live = group.filter((t) => t.state === 'writing');
    const tenants = [...new Set(live.map((t) => t.tenantId))];
    let buildMs = 0;
    let writeMs = 0;
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (batch.abandoned) return;
        let t0 = performance.now();
        const unknown = tenants.filter((id) => !this.heads.has(id));
        const read = await Promise.all(unknown.map((id) => store.chainHead(id)));
        if (batch.abandoned) return;
        unknown.forEach((id, i) => this.heads.set(id, read[i] ?? null));
        this.touch(batch);
        writeMs += performance.now() - t0;
        t0 = performance.now();
        const built = await this.build(live);
        this.touch(batch);
        buildMs += performance.now() - t0;
        live = built.tickets;
        if (live.length === 0 || batch.abandoned) return;
        t0 = performance.now();
        try {
          await store.writeEvidence(built.records);
        } catch (err) {
          writeMs += performance.now() - t0;
          this.touch(batch);
          // Which chain lost the race is not reported: re-read every head of this group.
          for (const id of tenants) this.heads.delete(id);
          if (!(err instanceof ChainConflictError)) throw err;
          const byTenant = new Map<string, Ticket[]>();
          for (const t of live) byTenant.set(t.tenantId, [...(byTenant.get(t.tenantId) ?? []), t]);
          if (split && byTenant.size > 1) {
            // Isolate the tenants: from here on, only a tenant's own contention can fail it.
            await Promise.all([...byTenant.values()].map((g) => this.writeGroup(store, batch, g, attempts - attempt, false)));
            return;
          }
          continue;
        }
        writeMs += performance.now() - t0;
        this.touch(batch);
        if (batch.abandoned) {
          // Written after all, but its callers have already been answered: just re-read the heads.
          for (const id of tenants) this.heads.delete(id);
          return;
        }
        for (const [id, tip] of built.tips) this.heads.set(id, { seq: tip.seq, receipt_hash: tip.prev! });
        live.forEach((t, i) => {
          if (t.timing) Object.assign(t.timing, { buildMs, writeMs, batch: batch.tickets.length, attempts: attempt });
          if (t.state !== 'writing') return;
          t.result = built.results[i];
          t.state = 'done';
        });
        return;
      }
      const error = contendedError();
      for (const t of live) this.fail(t, error);
    } catch (err) {
      for (const t of live) this.fail(t, err);
    }
  }

  /**
   * Places each tenant's links consecutively on its cached head, in arrival order, and signs them.
   * A link whose prepare or finish throws fails alone; when a finish failed, the links after it
   * were chained on a receipt that will not exist, so the survivors are placed again.
   */
  private async build(tickets: Ticket[]): Promise<{ tickets: Ticket[]; records: EvidenceRecord[]; results: unknown[]; tips: Map<string, { seq: number; prev: string | null }> }> {
    let live = tickets.filter((t) => t.state === 'writing');
    for (;;) {
      const tips = new Map<string, { seq: number; prev: string | null }>();
      for (const t of live) {
        if (tips.has(t.tenantId)) continue;
        const head = this.heads.get(t.tenantId) ?? null;
        tips.set(t.tenantId, { seq: head?.seq ?? 0, prev: head?.receipt_hash ?? null });
      }
      const placed: { ticket: Ticket; built: Promise<BuiltLink<unknown>> }[] = [];
      for (const t of live) {
        const tip = tips.get(t.tenantId)!;
        let link: ReturnType<ChainLink<unknown>['prepare']>;
        try {
          link = t.link.prepare(tip.seq + 1, tip.prev);
        } catch (err) {
          this.fail(t, buildError(err));
          continue;
        }
        tip.seq += 1;
        tip.prev = link.receiptHash;
        placed.push({ ticket: t, built: Promise.resolve().then(() => link.finish()) });
      }
      const settled = await Promise.allSettled(placed.map((p) => p.built));
      let broken = false;
      settled.forEach((r, i) => {
        if (r.status === 'rejected') {
          broken = true;
          this.fail(placed[i]!.ticket, buildError(r.reason));
        }
      });
      if (!broken) {
        const built = settled.map((r) => (r as PromiseFulfilledResult<BuiltLink<unknown>>).value);
        // Tenants whose every link failed keep their head: drop their tips.
        for (const id of [...tips.keys()]) if (!placed.some((p) => p.ticket.tenantId === id)) tips.delete(id);
        return { tickets: placed.map((p) => p.ticket), records: built.map((b) => b.record), results: built.map((b) => b.result), tips };
      }
      live = placed.filter((_, i) => settled[i]!.status === 'fulfilled').map((p) => p.ticket);
    }
  }
}
