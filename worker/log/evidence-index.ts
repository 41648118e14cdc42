// The D1 query index of the tenant logs: decision rows (GET /decisions, the monitor's feed),
// receipt rows, the approval changes a decision carries, and where each log's index stands.
// Fed by each log's object, in seq order, at least once: every write is idempotent (INSERT OR
// IGNORE on the unique keys, updates guarded by their own result), so feeding a batch twice —
// after a lost answer, an object restart or an alarm retry — changes nothing.
import type { ApprovalRow, DecisionRow, ReceiptRow } from '../stores/evidence-store.js';
import { approvalOpenStatements, approvalUsedStatement, multiRowInsert } from '../stores/evidence-store.js';

/** What one receipt leaves in the index. */
export interface IndexEntry {
  seq: number;
  decision: DecisionRow;
  receipt: ReceiptRow;
  /** A REQUIRE_HUMAN decision opened this approval. */
  openApproval?: ApprovalRow;
  /** An allowed decision used this approval. */
  usedApprovalId?: string;
}

/** One feed: consecutive entries of one log, and where the log stands once they are in. */
export interface IndexBatch {
  tenantId: string;
  shard: number;
  entries: readonly IndexEntry[];
  /** The log's size when the batch was taken. */
  logSize: number;
  /** created_at of the first receipt after this batch (null when the batch reaches the head). */
  oldestUnindexedAt: string | null;
}

const DECISION_COLUMNS = ['decision_id', 'tenant_id', 'correlation_id', 'capability_id', 'env', 'data_label', 'selected_worker_species_id', 'denied', 'deny_code', 'matched_rule_id', 'rules_version', 'approval_id', 'receipt_id', 'receipt_seq', 'created_at', 'decision_json'];
const RECEIPT_COLUMNS = ['receipt_id', 'tenant_id', 'seq', 'prev_receipt_hash', 'receipt_hash', 'decision_id', 'signing_key_id', 'created_at', 'receipt_json'];

function stateStatement(db: D1Database, tenantId: string, shard: number, logSize: number, indexedSize: number, oldest: string | null, error: string | null): D1PreparedStatement {
  // indexed_size never moves back: a late retry of an older batch cannot hide newer progress.
  return db
    .prepare(
      `INSERT INTO evidence_index (tenant_id, shard, log_size, indexed_size, oldest_unindexed_at, last_error, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (tenant_id, shard) DO UPDATE SET
         log_size = MAX(log_size, excluded.log_size),
         indexed_size = MAX(indexed_size, excluded.indexed_size),
         oldest_unindexed_at = CASE WHEN excluded.indexed_size >= indexed_size THEN excluded.oldest_unindexed_at ELSE oldest_unindexed_at END,
         last_error = excluded.last_error,
         updated_at = excluded.updated_at`,
    )
    .bind(tenantId, shard, logSize, indexedSize, oldest, error, new Date().toISOString());
}

/** Writes one batch and the log's index state as ONE D1 batch (one transaction). */
export async function writeIndexBatch(db: D1Database, batch: IndexBatch): Promise<void> {
  const { entries } = batch;
  const last = entries[entries.length - 1];
  if (!last) return;
  const stmts: D1PreparedStatement[] = [];
  stmts.push(
    ...multiRowInsert(db, 'INSERT OR IGNORE INTO decisions', DECISION_COLUMNS, entries.map(({ decision: d }) => [
      d.decision_id, d.tenant_id, d.correlation_id, d.capability_id, d.env, d.data_label, d.selected_worker_species_id,
      d.denied ? 1 : 0, d.deny_code, d.matched_rule_id, d.rules_version, d.approval_id, d.receipt_id, d.receipt_seq, d.created_at, d.decision_json,
    ])),
  );
  const receiptRows = entries.map(({ receipt: r }) => [r.receipt_id, r.tenant_id, r.seq, r.prev_receipt_hash, r.receipt_hash, r.decision_id, r.signing_key_id, r.created_at, r.receipt_json]);
  if (batch.shard === 0) {
    // The receipts table's link trigger (migrations/0002) still guards the index: a row that does
    // not extend what D1 holds (a fork written by an old Hall version) fails the feed, visibly.
    stmts.push(...multiRowInsert(db, 'INSERT OR IGNORE INTO receipts', RECEIPT_COLUMNS, receiptRows));
  } else {
    stmts.push(...multiRowInsert(db, 'INSERT OR IGNORE INTO shard_receipts', ['shard', ...RECEIPT_COLUMNS], receiptRows.map((r) => [batch.shard, ...r])));
  }
  for (const e of entries) {
    if (e.openApproval) stmts.push(...approvalOpenStatements(db, e.openApproval));
    if (e.usedApprovalId) stmts.push(approvalUsedStatement(db, e.usedApprovalId, e.decision.decision_id));
  }
  stmts.push(stateStatement(db, batch.tenantId, batch.shard, batch.logSize, last.seq, batch.oldestUnindexedAt, null));
  await db.batch(stmts);
}

/** Records where a log stands without feeding it (a failed feed, or a log that is fully indexed). */
export async function reportIndexState(db: D1Database, s: { tenantId: string; shard: number; logSize: number; indexedSize: number; oldestUnindexedAt: string | null; error: string | null }): Promise<void> {
  await stateStatement(db, s.tenantId, s.shard, s.logSize, s.indexedSize, s.oldestUnindexedAt, s.error).run();
}

/** The index lag over every log, as of each log's last report (GET /wcp/health). */
export interface IndexLag {
  lag_receipts: number;
  oldest_unindexed_at: string | null;
  /** Logs whose last feed failed (their last_error is set). */
  logs_failing: number;
}

export async function readIndexLag(db: D1Database): Promise<IndexLag> {
  const row = await db
    .prepare(
      `SELECT COALESCE(SUM(log_size - indexed_size), 0) AS lag, MIN(oldest_unindexed_at) AS oldest,
              COALESCE(SUM(CASE WHEN last_error IS NULL THEN 0 ELSE 1 END), 0) AS failing
       FROM evidence_index WHERE indexed_size < log_size OR last_error IS NOT NULL`,
    )
    .first<{ lag: number; oldest: string | null; failing: number }>();
  return { lag_receipts: row?.lag ?? 0, oldest_unindexed_at: row?.oldest ?? null, logs_failing: row?.failing ?? 0 };
}
