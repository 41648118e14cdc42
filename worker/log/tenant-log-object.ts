// The tenant log: one SQLite-backed Durable Object per tenant (per shard), the single writer of
// that tenant's evidence. It assigns seq, links prev_receipt_hash, signs, and stores the receipt,
// its decision row and the approval changes it carries — plus the receipt's leaf in the log's
// RFC 9162 Merkle tree — in one SQLite transaction. The RPC answer leaves the object only once
// that write is durable (the object's output gate holds every answer until storage confirms).
//
// Appends that arrive while one batch is being signed wait in `pending` and go in the next batch:
// one transaction for the lot, their signatures computed concurrently. There is nothing to poll,
// no head to race for and no retry loop — the platform guarantees one instance per log.
//
// Shortly after each batch (FEED_DELAY_MS, at once when a read asks) the object feeds the D1 query
// index (decisions, receipts, approvals; at least once, idempotent, see evidence-index.ts) and,
// within CHECKPOINT_MS while the tree grows, signs a checkpoint (alarm). On first use it reads the tenant's D1 chain head once and continues that
// chain at seq N + 1; the old receipts are copied in (in pages) so the tree covers the whole chain.
import { DurableObject } from 'cloudflare:workers';
import { hashReceipt, type Receipt } from '../../src/receipts/index.js';
import { toBase64Std } from '../../src/log/base64.js';
import { leafHash } from '../../src/log/merkle.js';
import { fromHex, toBase64Url, utf8 } from '../../src/util/index.js';
import type { HallEnv } from '../env.js';
import { HallHttpError } from '../http/problem.js';
import { SignerCache, type HallSigner } from '../signer.js';
import type { ApprovalRow, DecisionRow, ReceiptRow } from '../stores/evidence-store.js';
import { evidenceRecord, unsignedReceipt } from '../decision/evidence-record.js';
import { originOf, signTreeHead } from './checkpoint-note.js';
import { reportIndexState, writeIndexBatch, type IndexEntry } from './evidence-index.js';
import type { AppendOutcome, AppendRequest, IndexStatus, LogAddress, RpcResult, SignedCheckpoint, TenantLogRpc, TreeHead } from './tenant-log.js';
import { MerkleTreeStore, TreeRangeError } from './tree-store.js';

/** A checkpoint is signed at most this long after the tree grows (and on demand for proofs). */
export const CHECKPOINT_MS = 2000;
/** Signed checkpoints kept in the object (auditors keep their own; proofs need only the tree). */
const CHECKPOINTS_KEPT = 256;
/** Appends arriving within this long of the previous one (ms) wait one event-loop turn to share its transaction. */
const GATHER_MS = 2;
/** Appends written in one transaction at most. */
const MAX_BATCH = 256;
/**
 * How long after an append the index is fed (ms): appends meanwhile share the D1 batch, so D1 sees at
 * most one feed per log per 2 s (D1 runs one query at a time). Reads that need the index feed it at once.
 */
const FEED_DELAY_MS = 2000;
/** Receipts fed to D1 in one batch at most. */
const FEED_BATCH = 100;
/** Receipts copied from the D1 chain per page while migrating; pages before the first append. */
const LEGACY_PAGE = 500;
const LEGACY_PAGES_AT_START = 20;
/** Index feed retry after a failure: doubling from 1 s up to a minute. */
const FEED_RETRY_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];

const SCHEMA = [
  // One row: which log this object is, and where its chain, tree, index and migration stand.
  `CREATE TABLE IF NOT EXISTS log_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     tenant_id TEXT NOT NULL, shard INTEGER NOT NULL,
     head_seq INTEGER NOT NULL, head_hash TEXT,
     tree_size INTEGER NOT NULL, indexed_seq INTEGER NOT NULL,
     legacy_seq INTEGER NOT NULL, legacy_copied INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS receipts (
     seq INTEGER PRIMARY KEY, receipt_id TEXT NOT NULL UNIQUE, receipt_hash TEXT NOT NULL,
     created_at TEXT NOT NULL, receipt_json TEXT NOT NULL)`,
  // What the index feed writes to D1 for a receipt (receipts copied from a D1 chain have none).
  // (Deleted once fed: D1 then holds them.)
  `CREATE TABLE IF NOT EXISTS index_rows (seq INTEGER PRIMARY KEY, record_json TEXT NOT NULL, decision_json TEXT)`,
  `CREATE TABLE IF NOT EXISTS tree_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS checkpoints (tree_size INTEGER PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL)`,
];

interface LogState {
  tenant_id: string;
  shard: number;
  head_seq: number;
  head_hash: string | null;
  tree_size: number;
  indexed_seq: number;
  /** Head of the D1 chain this log continues (0: none). */
  legacy_seq: number;
  /** Receipts 1 … legacy_copied of that chain are in this object. */
  legacy_copied: number;
}

interface Pending {
  request: AppendRequest;
  shards: number;
  queuedAt: number;
  resolve(outcome: AppendOutcome): void;
}

/** What the index needs of a receipt besides the receipt row. */
interface StoredIndexRecord {
  /** decision_json is in its own column (inside only on rows written before that column existed). */
  decision: Omit<DecisionRow, 'decision_json'> & { decision_json?: string };
  openApproval?: ApprovalRow;
  usedApprovalId?: string;
}

function refusal(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof HallHttpError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof TreeRangeError) return { status: 400, code: 'LOG_RANGE_INVALID', message: `${err.message}: ask only for leaves and sizes the log holds (see its checkpoint).` };
  return {
    status: 503,
    code: 'RECEIPT_CHAIN_UNAVAILABLE',
    message: `The tenant's evidence log failed (${String((err as Error)?.message ?? err).slice(0, 200)}); nothing was recorded or allowed. Retry the request.`,
  };
}

/** What a caller sees when its own receipt cannot be built: only this append fails. */
function buildFailure(err: unknown): AppendOutcome {
  const issues = (err as { issues?: { path?: unknown[]; message?: unknown }[] } | null)?.issues;
  const list = Array.isArray(issues) ? issues.slice(0, 20).map((i) => ({ path: Array.isArray(i.path) ? i.path.map(String) : [], message: String(i.message ?? '') })) : [];
  const first = list[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : String((err as Error)?.message ?? err).slice(0, 300);
  return {
    ok: false,
    status: 500,
    code: 'RECEIPT_BUILD_FAILED',
    message: `The Hall could not build a valid receipt for this decision (${where}); nothing was recorded or allowed. Other requests are not affected; report this to the Hall operator (the rules or worker record behind the decision exceed the receipt limits).`,
    ...(list.length ? { issues: list } : {}),
  };
}

export class TenantLogObject extends DurableObject<HallEnv> implements TenantLogRpc {
  private readonly sql: SqlStorage;
  private readonly tree: MerkleTreeStore;
  private state: LogState | null = null;
  private initializing: Promise<void> | null = null;
  private readonly pending: Pending[] = [];
  private draining = false;
  /** When the previous append arrived (ms): appends arriving closer together than GATHER_MS are gathered. */
  private lastArrival = 0;
  private feeding: Promise<void> | null = null;
  private feedFailures = 0;
  private feedTimer: ReturnType<typeof setTimeout> | null = null;
  /** index_rows up to this seq are deleted (they are in D1). */
  private prunedThrough = 0;
  private checkpointsSincePrune = 0;
  private alarmAt: number | null = null;
  private readonly signers = new SignerCache();
  /** The newest tree node of each level (what the next append needs); cleared when a transaction rolls back. */
  private readonly treeNewest: ({ index: number; hash: Uint8Array } | undefined)[] = [];

  constructor(ctx: DurableObjectState, env: HallEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const stmt of SCHEMA) this.sql.exec(stmt);
    this.state = this.sql.exec<LogState & Record<string, SqlStorageValue>>('SELECT * FROM log_state WHERE id = 1').toArray()[0] ?? null;
    // Nodes are kept from level 1 up (one row a leaf on average); a leaf hash is recomputed from its
    // receipt's receipt_hash. The newest node of each level is also kept in memory: it is the left
    // sibling the next append needs, so appending reads nothing.
    const newest = this.treeNewest;
    this.tree = new MerkleTreeStore({
      get: (level, index) => {
        const cached = newest[level];
        if (cached && cached.index === index) return cached.hash;
        if (level === 0) {
          const row = this.sql.exec<{ receipt_hash: string }>('SELECT receipt_hash FROM receipts WHERE seq = ?', index + 1).toArray()[0];
          return row ? leafHash(fromHex(row.receipt_hash)) : null;
        }
        const row = this.sql.exec<{ hash: ArrayBuffer }>('SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?', level, index).toArray()[0];
        return row ? new Uint8Array(row.hash) : null;
      },
      put: (level, index, hash) => {
        newest[level] = { index, hash };
        if (level > 0) this.sql.exec('INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)', level, index, hash);
      },
    });
    // Objects created before decision_json had its own column keep it inside record_json.
    if (!this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('index_rows')").toArray().some((c) => c.name === 'decision_json')) {
      this.sql.exec('ALTER TABLE index_rows ADD COLUMN decision_json TEXT');
    }
  }

  // ---- RPC: the decision path ----

  async append(log: LogAddress, request: AppendRequest): Promise<AppendOutcome> {
    try {
      await this.ready(log);
    } catch (err) {
      return { ok: false, ...refusal(err) };
    }
    const now = Date.now();
    const contended = now - this.lastArrival < GATHER_MS;
    this.lastArrival = now;
    return new Promise<AppendOutcome>((resolve) => {
      this.pending.push({ request, shards: log.shards, queuedAt: now, resolve });
      if (!this.draining) void this.drain(contended);
    });
  }

  // ---- RPC: reads (tree, receipts, checkpoints, index) ----

  async treeHead(log: LogAddress, size?: number): Promise<RpcResult<TreeHead>> {
    return this.answer(log, () => {
      const st = this.state!;
      const n = size ?? st.tree_size;
      if (!Number.isSafeInteger(n) || n < 0 || n > st.tree_size) throw new TreeRangeError(`the tree has ${st.tree_size} leaves, so there is no tree head of size ${n}`);
      return { size: n, root: toBase64Std(this.tree.root(n)) };
    });
  }

  async inclusionProof(log: LogAddress, leafIndex: number, treeSize: number): Promise<RpcResult<string[]>> {
    return this.answer(log, () => {
      this.checkSize(treeSize);
      return this.tree.inclusionProof(leafIndex, treeSize).map(toBase64Std);
    });
  }

  async consistencyProof(log: LogAddress, m: number, n: number): Promise<RpcResult<string[]>> {
    return this.answer(log, () => {
      this.checkSize(n);
      return this.tree.consistencyProof(m, n).map(toBase64Std);
    });
  }

  async receiptBySeq(log: LogAddress, seq: number): Promise<RpcResult<Receipt | null>> {
    return this.answer(log, async () => {
      if (!Number.isSafeInteger(seq) || seq < 1) return null;
      await this.copyLegacy(seq);
      const row = this.sql.exec<{ receipt_json: string }>('SELECT receipt_json FROM receipts WHERE seq = ?', seq).toArray()[0];
      return row ? (JSON.parse(row.receipt_json) as Receipt) : null;
    });
  }

  async receiptById(log: LogAddress, receiptId: string): Promise<RpcResult<Receipt | null>> {
    return this.answer(log, async () => {
      const row = this.sql.exec<{ receipt_json: string }>('SELECT receipt_json FROM receipts WHERE receipt_id = ?', receiptId).toArray()[0];
      if (row) return JSON.parse(row.receipt_json) as Receipt;
      const st = this.state!;
      if (st.legacy_copied >= st.legacy_seq) return null;
      // Not copied from the D1 chain yet: the D1 row is the receipt (that chain no longer grows).
      const legacy = await this.env.HALL_DB.prepare('SELECT receipt_json FROM receipts WHERE tenant_id = ?1 AND receipt_id = ?2').bind(st.tenant_id, receiptId).first<{ receipt_json: string }>();
      return legacy ? (JSON.parse(legacy.receipt_json) as Receipt) : null;
    });
  }

  async listReceipts(log: LogAddress, afterSeq: number, limit: number): Promise<RpcResult<Receipt[]>> {
    return this.answer(log, async () => {
      await this.copyLegacy(afterSeq + limit);
      return this.sql
        .exec<{ receipt_json: string }>('SELECT receipt_json FROM receipts WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit)
        .toArray()
        .map((r) => JSON.parse(r.receipt_json) as Receipt);
    });
  }

  async latestCheckpoint(log: LogAddress, covering?: number): Promise<RpcResult<SignedCheckpoint | null>> {
    return this.answer(log, async () => {
      const latest = this.newestCheckpoint();
      if (latest && (covering === undefined || latest.tree_size >= covering)) return latest;
      if (covering !== undefined && covering > this.state!.tree_size) {
        throw new TreeRangeError(`the tree has ${this.state!.tree_size} leaves, so no checkpoint covers ${covering}`);
      }
      return this.signCheckpoint();
    });
  }

  async syncIndex(log: LogAddress, waitMs = 2000): Promise<RpcResult<IndexStatus>> {
    return this.answer(log, async () => {
      if (this.state!.indexed_seq < this.state!.head_seq) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([this.feedIndex(), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, Math.min(waitMs, 10_000)))))]);
        if (timer !== undefined) clearTimeout(timer);
      }
      return this.indexStatus();
    });
  }

  // ---- alarm: checkpoints, index feed retries, migration pages ----

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const st = this.state;
    if (!st) return;
    if (st.indexed_seq < st.head_seq) await this.feedIndex();
    if (st.legacy_copied < st.legacy_seq) await this.copyLegacy(st.legacy_copied + LEGACY_PAGE);
    if (st.tree_size > (this.newestCheckpoint()?.tree_size ?? 0)) {
      await this.signCheckpoint();
      // Every storage write is a commit: prune now and then, not on every checkpoint.
      if (++this.checkpointsSincePrune >= 64) {
        this.checkpointsSincePrune = 0;
        this.sql.exec('DELETE FROM checkpoints WHERE tree_size NOT IN (SELECT tree_size FROM checkpoints ORDER BY tree_size DESC LIMIT ?)', CHECKPOINTS_KEPT);
      }
    }
    if (st.legacy_copied < st.legacy_seq) this.scheduleAlarm(0);
    else if (st.indexed_seq < st.head_seq) this.scheduleAlarm(this.retryDelay());
  }

  // ---- internals ----

  /** Runs a read once the log is initialised, as a coded result (errors do not cross RPC intact). */
  private async answer<T>(log: LogAddress, read: () => T | Promise<T>): Promise<RpcResult<T>> {
    try {
      await this.ready(log);
      return { ok: true, value: await read() };
    } catch (err) {
      return { ok: false, ...refusal(err) };
    }
  }

  private checkSize(treeSize: number): void {
    const size = this.state!.tree_size;
    if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > size) throw new TreeRangeError(`the tree has ${size} leaves, so there is no tree of size ${treeSize}`);
  }

  /** The log's state, created on first use: it continues the tenant's D1 chain, if there is one. */
  private async ready(log: LogAddress): Promise<void> {
    if (!this.state) {
      // Concurrent first calls share one initialisation; a failed one (D1 unreadable) is retried by the next call.
      this.initializing ??= this.initialize(log).finally(() => {
        this.initializing = null;
      });
      await this.initializing;
    }
    const st = this.state!;
    if (st.tenant_id !== log.tenantId || st.shard !== log.shard) {
      throw new HallHttpError(500, 'LOG_ADDRESS_MISMATCH', 'This evidence log belongs to another tenant or shard; nothing was recorded. Report this to the Hall operator.');
    }
  }

  private async initialize(log: LogAddress): Promise<void> {
    if (this.state) return;
    if (!Number.isSafeInteger(log.shard) || log.shard < 0) throw new HallHttpError(500, 'LOG_ADDRESS_MISMATCH', 'The log address names no valid shard.');
    // Read once: the D1 chain this log continues (only a tenant's original log, shard 0, has one).
    // If D1 cannot be read the log does not start — it never begins a second chain at seq 1.
    const head =
      log.shard === 0
        ? await this.env.HALL_DB.prepare('SELECT seq, receipt_hash FROM receipts WHERE tenant_id = ?1 ORDER BY seq DESC LIMIT 1').bind(log.tenantId).first<{ seq: number; receipt_hash: string }>()
        : null;
    const st: LogState = {
      tenant_id: log.tenantId,
      shard: log.shard,
      head_seq: head?.seq ?? 0,
      head_hash: head?.receipt_hash ?? null,
      tree_size: 0,
      indexed_seq: head?.seq ?? 0,
      legacy_seq: head?.seq ?? 0,
      legacy_copied: 0,
    };
    this.sql.exec(
      'INSERT INTO log_state (id, tenant_id, shard, head_seq, head_hash, tree_size, indexed_seq, legacy_seq, legacy_copied) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)',
      st.tenant_id, st.shard, st.head_seq, st.head_hash, st.tree_size, st.indexed_seq, st.legacy_seq, st.legacy_copied,
    );
    this.state = st;
    if (st.legacy_seq > 0) {
      await this.copyLegacy(LEGACY_PAGE * LEGACY_PAGES_AT_START);
      if (st.legacy_copied < st.legacy_seq) this.scheduleAlarm(0);
    }
  }

  /** Copies receipts of the D1 chain this log continues, up to seq `upTo`, then extends the tree. */
  private async copyLegacy(upTo: number): Promise<void> {
    const st = this.state!;
    const target = Math.min(upTo, st.legacy_seq);
    while (st.legacy_copied < target) {
      const { results } = await this.env.HALL_DB
        .prepare('SELECT seq, receipt_id, receipt_hash, created_at, receipt_json FROM receipts WHERE tenant_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4')
        .bind(st.tenant_id, st.legacy_copied, st.legacy_seq, LEGACY_PAGE)
        .all<{ seq: number; receipt_id: string; receipt_hash: string; created_at: string; receipt_json: string }>();
      // Another call may have copied this page while we waited for D1.
      const fresh = results.filter((r) => r.seq > st.legacy_copied);
      if (results.length === 0) throw new Error(`the D1 chain of ${st.tenant_id} has no receipt after seq ${st.legacy_copied}`);
      if (fresh.length === 0) continue;
      this.ctx.storage.transactionSync(() => {
        for (const r of fresh) this.sql.exec('INSERT OR IGNORE INTO receipts (seq, receipt_id, receipt_hash, created_at, receipt_json) VALUES (?, ?, ?, ?, ?)', r.seq, r.receipt_id, r.receipt_hash, r.created_at, r.receipt_json);
        const copied = fresh[fresh.length - 1]!.seq;
        this.sql.exec('UPDATE log_state SET legacy_copied = ? WHERE id = 1', copied);
        st.legacy_copied = copied;
        this.extendTree();
      });
    }
  }

  /** Adds the stored receipts after the tree's last leaf, in seq order, while they are contiguous. */
  private extendTree(known?: Map<number, string>): void {
    const st = this.state!;
    const start = st.tree_size;
    while (st.tree_size < st.head_seq) {
      const seq = st.tree_size + 1;
      const hash = known?.get(seq) ?? this.sql.exec<{ receipt_hash: string }>('SELECT receipt_hash FROM receipts WHERE seq = ?', seq).toArray()[0]?.receipt_hash;
      if (!hash) break;
      this.tree.append(st.tree_size, fromHex(hash));
      st.tree_size = seq;
    }
    if (st.tree_size !== start) this.sql.exec('UPDATE log_state SET tree_size = ? WHERE id = 1', st.tree_size);
  }

  private async signer(kid: string): Promise<HallSigner> {
    const signer = await this.signers.get(this.env.HALL_SIGNING_KEY);
    // The Worker checked that this kid is recorded (JWKS) before deciding; a log holding another
    // key (a secret rotating mid-deploy) must not sign with one the key set may not list.
    if (signer.kid !== kid) {
      throw new HallHttpError(503, 'HALL_SIGNING_KEY_UNAVAILABLE', 'The Hall\'s signing key is being rotated; nothing was recorded or allowed. Retry the request in a few seconds.');
    }
    return signer;
  }

  /** Writes everything pending, batch after batch; every append is answered exactly once. */
  private async drain(contended: boolean): Promise<void> {
    this.draining = true;
    try {
      // Under load, give the appends already on their way one turn of the event loop to arrive, so
      // they share this transaction: a commit costs the same for one receipt as for a hundred
      // (signing and hashing never yield, so without this every append would commit alone).
      if (contended) await new Promise((resolve) => setTimeout(resolve, 0));
      while (this.pending.length > 0) await this.commit(this.pending.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
    this.scheduleFeed();
    if (this.state!.tree_size > (this.newestCheckpoint()?.tree_size ?? 0)) this.scheduleAlarm(CHECKPOINT_MS);
  }

  private async commit(batch: Pending[]): Promise<void> {
    const st = this.state!;
    const startedAt = Date.now();
    const failAll = (items: Pending[], err: unknown) => {
      const r = refusal(err);
      for (const p of items) p.resolve({ ok: false, ...r });
    };
    let signer: HallSigner;
    try {
      signer = await this.signer(batch[0]!.request.signingKeyId);
    } catch (err) {
      failAll(batch, err);
      return;
    }
    // Place each append after the previous one (synchronously: nothing else runs meanwhile).
    let seq = st.head_seq;
    let prev = st.head_hash;
    const placed: { p: Pending; unsigned: ReturnType<typeof unsignedReceipt>; hash: string }[] = [];
    for (const p of batch) {
      if (p.request.signingKeyId !== signer.kid) {
        failAll([p], new HallHttpError(503, 'HALL_SIGNING_KEY_UNAVAILABLE', 'The Hall\'s signing key is being rotated; nothing was recorded or allowed. Retry the request in a few seconds.'));
        continue;
      }
      try {
        const unsigned = unsignedReceipt(p.request, seq + 1, prev, p.shards > 1 ? st.shard : undefined);
        const hash = hashReceipt(unsigned);
        seq += 1;
        prev = hash;
        placed.push({ p, unsigned, hash });
      } catch (err) {
        p.resolve(buildFailure(err));
      }
    }
    if (placed.length === 0) return;
    const signedAt = Date.now();
    let signatures: Uint8Array[];
    try {
      signatures = await Promise.all(placed.map((x) => signer.ed.sign(utf8(x.hash))));
    } catch (err) {
      failAll(placed.map((x) => x.p), err);
      return;
    }
    const signMs = Date.now() - signedAt;
    const receipts = placed.map((x, i) => ({ ...x.unsigned, receipt_hash: x.hash, signature: toBase64Url(signatures[i]!) }) as Receipt);
    const writeAt = Date.now();
    const prune = st.indexed_seq > this.prunedThrough ? st.indexed_seq : 0;
    try {
      this.ctx.storage.transactionSync(() => {
        receipts.forEach((r, i) => {
          const req = placed[i]!.p.request;
          const record = evidenceRecord(req, r, req.decisionJson);
          const { decision_json: decisionJson, ...decision } = record.decision;
          const stored: StoredIndexRecord = {
            decision,
            ...(record.openApproval ? { openApproval: record.openApproval } : {}),
            ...(record.usedApprovalId ? { usedApprovalId: record.usedApprovalId } : {}),
          };
          this.sql.exec('INSERT INTO receipts (seq, receipt_id, receipt_hash, created_at, receipt_json) VALUES (?, ?, ?, ?, ?)', r.seq, r.receipt_id, r.receipt_hash, r.dispatched_at, record.receipt.receipt_json);
          this.sql.exec('INSERT INTO index_rows (seq, record_json, decision_json) VALUES (?, ?, ?)', r.seq, JSON.stringify(stored), decisionJson);
        });
        const last = receipts[receipts.length - 1]!;
        // indexed_seq rides along: the feed advances it in memory only (a lower value after a
        // restart just re-feeds rows the index ignores), so feeding costs no commit of its own.
        this.sql.exec('UPDATE log_state SET head_seq = ?, head_hash = ?, indexed_seq = ? WHERE id = 1', last.seq, last.receipt_hash, st.indexed_seq);
        // Rows the index already holds are not needed here any more.
        if (prune > 0) this.sql.exec('DELETE FROM index_rows WHERE seq <= ?', prune);
        st.head_seq = last.seq;
        st.head_hash = last.receipt_hash;
        this.extendTree(new Map(receipts.map((r) => [r.seq, r.receipt_hash])));
      });
    } catch (err) {
      // The transaction rolled back: restore the head and tree we may have moved in memory (what
      // the index holds stays known: D1 has it whatever this transaction did).
      const indexed = st.indexed_seq;
      const row = this.sql.exec<LogState & Record<string, SqlStorageValue>>('SELECT * FROM log_state WHERE id = 1').toArray()[0];
      if (row) Object.assign(st, row, { indexed_seq: Math.max(indexed, row.indexed_seq) });
      this.treeNewest.length = 0;
      failAll(placed.map((x) => x.p), err);
      return;
    }
    const writeMs = Date.now() - writeAt;
    if (prune > 0) this.prunedThrough = prune;
    receipts.forEach((receipt, i) => {
      const p = placed[i]!.p;
      p.resolve({ ok: true, receipt, timing: { waitMs: startedAt - p.queuedAt, signMs, writeMs, batch: receipts.length } });
    });
  }

  /** Feeds D1 up to the head; one feed at a time, and a call during a feed shares it. */
  private feedIndex(): Promise<void> {
    if (!this.feeding) {
      this.feeding = this.feedLoop()
        .catch((err) => {
          // Reading the rows failed (the object's own storage): retry later, never break the object.
          this.feedFailures += 1;
          console.error('edgehall: index feed could not read the log; retrying', (err as Error)?.message);
          this.scheduleAlarm(this.retryDelay());
        })
        .finally(() => {
          this.feeding = null;
        });
    }
    return this.feeding;
  }

  private async feedLoop(): Promise<void> {
    const st = this.state!;
    while (st.indexed_seq < st.head_seq) {
      const rows = this.sql
        .exec<{ seq: number; receipt_id: string; receipt_hash: string; created_at: string; receipt_json: string; record_json: string; decision_json: string | null }>(
          'SELECT r.seq, r.receipt_id, r.receipt_hash, r.created_at, r.receipt_json, i.record_json, i.decision_json FROM receipts r JOIN index_rows i ON i.seq = r.seq WHERE r.seq > ? ORDER BY r.seq LIMIT ?',
          st.indexed_seq,
          FEED_BATCH + 1,
        )
        .toArray();
      if (rows.length === 0) return;
      const page = rows.slice(0, FEED_BATCH);
      const entries: IndexEntry[] = page.map((r) => {
        const stored = JSON.parse(r.record_json) as StoredIndexRecord;
        const receipt = JSON.parse(r.receipt_json) as Receipt;
        const receiptRow: ReceiptRow = {
          receipt_id: r.receipt_id,
          tenant_id: st.tenant_id,
          seq: r.seq,
          prev_receipt_hash: receipt.prev_receipt_hash,
          receipt_hash: r.receipt_hash,
          decision_id: receipt.decision_id,
          signing_key_id: receipt.signing_key_id,
          created_at: r.created_at,
          receipt_json: r.receipt_json,
        };
        const decision: DecisionRow = { ...stored.decision, decision_json: r.decision_json ?? stored.decision.decision_json ?? '{}' };
        return { seq: r.seq, decision, receipt: receiptRow, ...(stored.openApproval ? { openApproval: stored.openApproval } : {}), ...(stored.usedApprovalId ? { usedApprovalId: stored.usedApprovalId } : {}) };
      });
      const next = rows[FEED_BATCH];
      const logSize = st.head_seq;
      try {
        await writeIndexBatch(this.env.HALL_DB, { tenantId: st.tenant_id, shard: st.shard, entries, logSize, oldestUnindexedAt: next?.created_at ?? null });
      } catch (err) {
        this.feedFailures += 1;
        const code = /receipt chain link missing/.test(String((err as Error)?.message ?? err)) ? 'INDEX_CHAIN_CONFLICT' : 'INDEX_WRITE_FAILED';
        console.error(`edgehall: index feed of log ${st.shard} failed (${code}); retrying`);
        // Make the lag visible even though the rows could not be written (best effort: D1 may be down).
        await reportIndexState(this.env.HALL_DB, { tenantId: st.tenant_id, shard: st.shard, logSize, indexedSize: st.indexed_seq, oldestUnindexedAt: page[0]!.created_at, error: code }).catch(() => undefined);
        this.scheduleAlarm(this.retryDelay());
        return;
      }
      this.feedFailures = 0;
      const last = page[page.length - 1]!.seq;
      st.indexed_seq = last;
    }
  }

  /** Feeds the index shortly after appends (one D1 batch for everything appended meanwhile). */
  private scheduleFeed(): void {
    if (this.feedTimer !== null) return;
    this.feedTimer = setTimeout(() => {
      this.feedTimer = null;
      void this.feedIndex();
    }, FEED_DELAY_MS);
  }

  private retryDelay(): number {
    return FEED_RETRY_MS[Math.min(Math.max(this.feedFailures - 1, 0), FEED_RETRY_MS.length - 1)]!;
  }

  private indexStatus(): IndexStatus {
    const st = this.state!;
    const oldest =
      st.indexed_seq < st.head_seq ? (this.sql.exec<{ created_at: string }>('SELECT created_at FROM receipts WHERE seq = ?', st.indexed_seq + 1).toArray()[0]?.created_at ?? null) : null;
    return { log_size: st.head_seq, indexed_size: st.indexed_seq, oldest_unindexed_at: oldest };
  }

  private newestCheckpoint(): SignedCheckpoint | null {
    return this.sql.exec<SignedCheckpoint & Record<string, SqlStorageValue>>('SELECT tree_size, root, note, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1').toArray()[0] ?? null;
  }

  /** Signs the current tree head (null while the tree is empty). */
  private async signCheckpoint(): Promise<SignedCheckpoint | null> {
    const st = this.state!;
    const size = st.tree_size;
    if (size === 0) return null;
    const root = this.tree.root(size);
    const signer = await this.signers.get(this.env.HALL_SIGNING_KEY);
    const note = await signTreeHead(signer.ed, originOf(this.env, st.tenant_id, st.shard), size, root);
    const cp: SignedCheckpoint = { tree_size: size, root: toBase64Std(root), note, signed_at: new Date().toISOString() };
    this.sql.exec('INSERT OR IGNORE INTO checkpoints (tree_size, root, note, signed_at) VALUES (?, ?, ?, ?)', cp.tree_size, cp.root, cp.note, cp.signed_at);
    return this.sql.exec<SignedCheckpoint & Record<string, SqlStorageValue>>('SELECT tree_size, root, note, signed_at FROM checkpoints WHERE tree_size = ?', size).toArray()[0] ?? cp;
  }

  private scheduleAlarm(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => {
      this.alarmAt = null;
    });
  }
}
