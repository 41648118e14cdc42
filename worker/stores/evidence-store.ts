// The evidence side of the Hall in D1: the query index the tenant logs feed (decisions, receipts —
// worker/log/evidence-index.ts writes them), approvals, histories, signing keys. A small interface
// so tests can inject a failing database.
import { StoreUnavailableError } from './errors.js';

export interface DecisionRow {
  decision_id: string;
  tenant_id: string;
  correlation_id: string;
  capability_id: string;
  env: string;
  data_label: string;
  selected_worker_species_id: string | null;
  denied: boolean;
  deny_code: string | null;
  matched_rule_id: string | null;
  rules_version: string | null;
  approval_id: string | null;
  receipt_id: string;
  receipt_seq: number;
  created_at: string;
  decision_json: string;
}

export interface ReceiptRow {
  receipt_id: string;
  tenant_id: string;
  seq: number;
  prev_receipt_hash: string | null;
  receipt_hash: string;
  decision_id: string;
  signing_key_id: string;
  created_at: string;
  receipt_json: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface ApprovalRow {
  approval_id: string;
  tenant_id: string;
  decision_id: string;
  correlation_id: string;
  capability_id: string;
  env: string;
  data_label: string;
  request_fingerprint: string;
  supervisor_level: string;
  status: ApprovalStatus;
  reason: string | null;
  escalation_context: string;
  created_at: string;
  expires_at: string;
  expires_ms: number;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution_note: string | null;
  used_by_decision_id: string | null;
  used_at: string | null;
}

/** What happened to an approval (migrations/0004_approval_events.sql); append-only. */
export type ApprovalAction = 'open' | 'escalate' | 'approve' | 'deny' | 'use' | 'release';

export interface ApprovalEventRow {
  approval_id: string;
  /** 1, 2, … per approval, in the order the events happened. */
  seq: number;
  action: ApprovalAction;
  /** The approval's supervisor level before the event (null for open). */
  from_level: string | null;
  /** … and after it (differs from from_level only for escalate). */
  to_level: string | null;
  /** 'hall' (opened by a decision, used/released by /route), 'admin' or 'approver:<id>'. */
  actor: string;
  at: string;
  note: string | null;
}

/** At most this many history events are returned for one approval. */
export const MAX_APPROVAL_HISTORY = 200;

export interface ResolveApprovalUpdate {
  status: 'approved' | 'denied';
  /** The level the approver's right was checked against: the update lands only if it is still the approval's level. */
  expected_level: string;
  resolved_at: string;
  resolved_by: string;
  note: string | null;
}

export interface EscalateApprovalUpdate {
  from_level: string;
  to_level: string;
  actor: string;
  at: string;
  note: string | null;
}

/** Everything one decision leaves behind: what its tenant log stores and feeds to the index. */
export interface EvidenceRecord {
  decision: DecisionRow;
  receipt: ReceiptRow;
  /** A REQUIRE_HUMAN decision opens an approval. */
  openApproval?: ApprovalRow;
  /** An allowed-by-approval decision records which decision used the approval. */
  usedApprovalId?: string;
}

export interface DecisionFilter {
  tenant_id?: string;
  capability_id?: string;
  worker_species_id?: string;
  denied?: boolean;
  deny_code?: string;
  since?: string;
  until?: string;
  /** Only rows with an id below this (cursor pagination, newest first). */
  before_id?: number;
  limit: number;
}

export interface DecisionListRow extends DecisionRow {
  id: number;
}

export interface EnrollmentRow {
  enrollment_id: string;
  worker_id: string;
  worker_species_id: string | null;
  artifact_hash: string;
  signed_by: string | null;
  enrolled_by: string;
  enrolled_at: string;
}

export interface AttestationRow {
  attestation_id: string;
  worker_id: string;
  worker_species_id: string;
  package_hash: string;
  signing_key_id: string | null;
  registered_by: string;
  registered_at: string;
}

export interface EvidenceStore {
  getDecision(decisionId: string): Promise<DecisionRow | null>;
  listDecisions(filter: DecisionFilter): Promise<DecisionListRow[]>;
  countDecisions(): Promise<number>;
  getReceipt(receiptId: string): Promise<ReceiptRow | null>;
  listReceipts(tenantId: string, afterSeq: number, limit: number): Promise<ReceiptRow[]>;
  listTenantsWithReceipts(): Promise<string[]>;
  getApproval(approvalId: string): Promise<ApprovalRow | null>;
  /** Pending, unexpired approvals of the given tenants (null = every tenant), oldest first. */
  listPendingApprovals(nowMs: number, tenantIds: readonly string[] | null, limit: number): Promise<ApprovalRow[]>;
  /** The approval's history, oldest first (at most MAX_APPROVAL_HISTORY events). */
  getApprovalHistory(approvalId: string): Promise<ApprovalEventRow[]>;
  /**
   * pending → approved/denied, with its approve/deny event in the same batch. The only writer of
   * resolved_by / resolved_at. False when the row is no longer pending, open and at `expected_level`.
   */
  resolveApproval(approvalId: string, nowMs: number, update: ResolveApprovalUpdate): Promise<boolean>;
  /**
   * A pending approval moves from `from_level` to `to_level` (stays pending), with its escalate
   * event in the same batch; resolved_* untouched. False when it is no longer pending, open and at from_level.
   */
  escalateApproval(approvalId: string, nowMs: number, update: EscalateApprovalUpdate): Promise<boolean>;
  /**
   * Opens the approval a REQUIRE_HUMAN decision named (row + its `open` event). Idempotent: the
   * tenant log's index feed writes the same rows, so whichever lands first wins and the other is a no-op.
   */
  openApproval(row: ApprovalRow): Promise<void>;
  /** Records which decision used a claimed approval (idempotent; the index feed writes it too). */
  markApprovalUsed(approvalId: string, decisionId: string): Promise<void>;
  /** approved → used, atomically, with a use event; false when someone else used it first or it expired. */
  claimApproval(approvalId: string, nowMs: number, usedAt: string): Promise<boolean>;
  /** Undo a claim whose decision could not be recorded (the approval was never really used); writes a release event. */
  releaseApproval(approvalId: string): Promise<void>;
  recordSigningKey(kid: string, publicJwk: string, at: string): Promise<void>;
  listSigningKeys(): Promise<{ kid: string; public_jwk: string; first_used_at: string }[]>;
  recordEnrollment(row: EnrollmentRow): Promise<void>;
  recordAttestation(row: AttestationRow): Promise<void>;
}

/** Actor of the events the decision path writes (open, use, release). */
export const HALL_ACTOR = 'hall';

/**
 * An event for approval ?1 with the next seq, written only while the approval row (alias `a`)
 * matches `where`. Put it in the same batch just BEFORE the UPDATE with the same condition: the
 * batch is one transaction, so the event exists exactly when the state change happened.
 * Parameters: ?1 approval_id, ?2 action, ?3 to_level (NULL = unchanged), ?4 actor, ?5 at, ?6 note;
 * `where` uses ?7 and up.
 */
function eventStatement(db: D1Database, where: string, args: unknown[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO approval_events (approval_id, seq, action, from_level, to_level, actor, at, note)
       SELECT a.approval_id, COALESCE((SELECT MAX(e.seq) FROM approval_events e WHERE e.approval_id = a.approval_id), 0) + 1,
              ?2, a.supervisor_level, COALESCE(?3, a.supervisor_level), ?4, ?5, ?6
       FROM approvals a WHERE a.approval_id = ?1 AND ${where}`,
    )
    .bind(...args);
}

/**
 * `<verb> <table> (columns) VALUES (…), (…)` statements for `rows`, chunked under D1's 100 bound
 * parameters per statement: N rows cost a handful of statements instead of N.
 */
export function multiRowInsert(db: D1Database, verb: string, columns: readonly string[], rows: readonly unknown[][]): D1PreparedStatement[] {
  const stmts: D1PreparedStatement[] = [];
  const perStmt = Math.floor(100 / columns.length);
  for (let i = 0; i < rows.length; i += perStmt) {
    const chunk = rows.slice(i, i + perStmt);
    const values = chunk.map((_, r) => '(' + columns.map((_, c) => `?${r * columns.length + c + 1}`).join(', ') + ')').join(', ');
    stmts.push(db.prepare(`${verb} (${columns.join(', ')}) VALUES ${values}`).bind(...chunk.flat()));
  }
  return stmts;
}

/** An opened approval and the `open` event that starts its history; both ignored when already there. */
export function approvalOpenStatements(db: D1Database, a: ApprovalRow): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO approvals (approval_id, tenant_id, decision_id, correlation_id, capability_id, env, data_label,
           request_fingerprint, supervisor_level, status, reason, escalation_context, created_at, expires_at, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)`,
      )
      .bind(a.approval_id, a.tenant_id, a.decision_id, a.correlation_id, a.capability_id, a.env, a.data_label,
        a.request_fingerprint, a.supervisor_level, a.status, a.reason, a.escalation_context, a.created_at, a.expires_at, a.expires_ms),
    db
      .prepare(`INSERT OR IGNORE INTO approval_events (approval_id, seq, action, from_level, to_level, actor, at, note) VALUES (?1, 1, 'open', NULL, ?2, ?3, ?4, ?5)`)
      .bind(a.approval_id, a.supervisor_level, HALL_ACTOR, a.created_at, `REQUIRE_HUMAN decision ${a.decision_id}`),
  ];
}

/** The decision that used an approval; set once (a repeat with the same decision changes nothing). */
export function approvalUsedStatement(db: D1Database, approvalId: string, decisionId: string): D1PreparedStatement {
  return db.prepare('UPDATE approvals SET used_by_decision_id = ?1 WHERE approval_id = ?2 AND used_by_decision_id IS NULL').bind(decisionId, approvalId);
}

function asDecision(r: Record<string, unknown>): DecisionListRow {
  return { ...(r as unknown as DecisionListRow), denied: r['denied'] === 1 || r['denied'] === true };
}

export class D1EvidenceStore implements EvidenceStore {
  constructor(private readonly db: D1Database) {}

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError('d1', operation, err);
    }
  }

  getDecision(decisionId: string): Promise<DecisionRow | null> {
    return this.run('getDecision', async () => {
      const r = await this.db.prepare('SELECT * FROM decisions WHERE decision_id = ?1').bind(decisionId).first<Record<string, unknown>>();
      return r ? asDecision(r) : null;
    });
  }

  listDecisions(f: DecisionFilter): Promise<DecisionListRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `?${args.length}`));
    };
    if (f.tenant_id !== undefined) add('tenant_id = ?', f.tenant_id);
    if (f.capability_id !== undefined) add('capability_id = ?', f.capability_id);
    if (f.worker_species_id !== undefined) add('selected_worker_species_id = ?', f.worker_species_id);
    if (f.denied !== undefined) add('denied = ?', f.denied ? 1 : 0);
    if (f.deny_code !== undefined) add('deny_code = ?', f.deny_code);
    if (f.since !== undefined) add('created_at >= ?', f.since);
    if (f.until !== undefined) add('created_at < ?', f.until);
    if (f.before_id !== undefined) add('id < ?', f.before_id);
    args.push(f.limit);
    const sql = `SELECT * FROM decisions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?${args.length}`;
    return this.run('listDecisions', async () => {
      const { results } = await this.db.prepare(sql).bind(...args).all<Record<string, unknown>>();
      return results.map(asDecision);
    });
  }

  countDecisions(): Promise<number> {
    return this.run('countDecisions', async () => (await this.db.prepare('SELECT COUNT(*) AS n FROM decisions').first<{ n: number }>())?.n ?? 0);
  }

  getReceipt(receiptId: string): Promise<ReceiptRow | null> {
    // A sharded tenant's receipts of shards ≥ 1 are indexed in shard_receipts (migrations/0012).
    const cols = 'receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json';
    return this.run('getReceipt', () =>
      this.db.prepare(`SELECT ${cols} FROM receipts WHERE receipt_id = ?1 UNION ALL SELECT ${cols} FROM shard_receipts WHERE receipt_id = ?1 LIMIT 1`).bind(receiptId).first<ReceiptRow>(),
    );
  }

  listReceipts(tenantId: string, afterSeq: number, limit: number): Promise<ReceiptRow[]> {
    return this.run('listReceipts', async () => {
      const { results } = await this.db
        .prepare('SELECT * FROM receipts WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3')
        .bind(tenantId, afterSeq, limit)
        .all<ReceiptRow>();
      return results;
    });
  }

  listTenantsWithReceipts(): Promise<string[]> {
    return this.run('listTenantsWithReceipts', async () => {
      const { results } = await this.db.prepare('SELECT DISTINCT tenant_id FROM receipts ORDER BY tenant_id').all<{ tenant_id: string }>();
      return results.map((r) => r.tenant_id);
    });
  }

  getApproval(approvalId: string): Promise<ApprovalRow | null> {
    return this.run('getApproval', () => this.db.prepare('SELECT * FROM approvals WHERE approval_id = ?1').bind(approvalId).first<ApprovalRow>());
  }

  listPendingApprovals(nowMs: number, tenantIds: readonly string[] | null, limit: number): Promise<ApprovalRow[]> {
    return this.run('listPendingApprovals', async () => {
      if (tenantIds && tenantIds.length === 0) return [];
      // The tenant list is ONE bound JSON array read through json_each: D1 allows 100 bound
      // parameters per statement, and an approver may cover thousands of tenants.
      const stmt = tenantIds
        ? this.db
            .prepare(`SELECT * FROM approvals WHERE status = 'pending' AND expires_ms > ?1
                        AND tenant_id IN (SELECT value FROM json_each(?2)) ORDER BY created_at ASC LIMIT ?3`)
            .bind(nowMs, JSON.stringify(tenantIds), limit)
        : this.db.prepare(`SELECT * FROM approvals WHERE status = 'pending' AND expires_ms > ?1 ORDER BY created_at ASC LIMIT ?2`).bind(nowMs, limit);
      const { results } = await stmt.all<ApprovalRow>();
      return results;
    });
  }

  getApprovalHistory(approvalId: string): Promise<ApprovalEventRow[]> {
    return this.run('getApprovalHistory', async () => {
      const { results } = await this.db
        .prepare('SELECT approval_id, seq, action, from_level, to_level, actor, at, note FROM approval_events WHERE approval_id = ?1 ORDER BY seq ASC LIMIT ?2')
        .bind(approvalId, MAX_APPROVAL_HISTORY)
        .all<ApprovalEventRow>();
      return results;
    });
  }

  /** Runs [event, update] as one batch; true when the update changed the row. */
  private async changeWithEvent(operation: string, event: D1PreparedStatement, update: D1PreparedStatement): Promise<boolean> {
    return this.run(operation, async () => {
      const [, res] = await this.db.batch([event, update]);
      return (res?.meta.changes ?? 0) === 1;
    });
  }

  resolveApproval(approvalId: string, nowMs: number, u: ResolveApprovalUpdate): Promise<boolean> {
    const open = `a.status = 'pending' AND a.expires_ms > ?7 AND a.supervisor_level = ?8`;
    return this.changeWithEvent(
      'resolveApproval',
      eventStatement(this.db, open, [approvalId, u.status === 'approved' ? 'approve' : 'deny', null, u.resolved_by, u.resolved_at, u.note, nowMs, u.expected_level]),
      this.db
        .prepare(`UPDATE approvals SET status = ?1, resolved_at = ?2, resolved_by = ?3, resolution_note = ?4
                  WHERE approval_id = ?5 AND status = 'pending' AND expires_ms > ?6 AND supervisor_level = ?7`)
        .bind(u.status, u.resolved_at, u.resolved_by, u.note, approvalId, nowMs, u.expected_level),
    );
  }

  escalateApproval(approvalId: string, nowMs: number, u: EscalateApprovalUpdate): Promise<boolean> {
    const open = `a.status = 'pending' AND a.expires_ms > ?7 AND a.supervisor_level = ?8`;
    return this.changeWithEvent(
      'escalateApproval',
      eventStatement(this.db, open, [approvalId, 'escalate', u.to_level, u.actor, u.at, u.note, nowMs, u.from_level]),
      // Only the level changes: resolved_by / resolved_at / resolution_note belong to approve and deny.
      this.db
        .prepare(`UPDATE approvals SET supervisor_level = ?1 WHERE approval_id = ?2 AND status = 'pending' AND expires_ms > ?3 AND supervisor_level = ?4`)
        .bind(u.to_level, approvalId, nowMs, u.from_level),
    );
  }

  openApproval(row: ApprovalRow): Promise<void> {
    return this.run('openApproval', async () => {
      await this.db.batch(approvalOpenStatements(this.db, row));
    });
  }

  markApprovalUsed(approvalId: string, decisionId: string): Promise<void> {
    return this.run('markApprovalUsed', async () => {
      await approvalUsedStatement(this.db, approvalId, decisionId).run();
    });
  }

  claimApproval(approvalId: string, nowMs: number, usedAt: string): Promise<boolean> {
    return this.changeWithEvent(
      'claimApproval',
      eventStatement(this.db, `a.status = 'approved' AND a.expires_ms > ?7`, [approvalId, 'use', null, HALL_ACTOR, usedAt, 'cited by an allowed /route call', nowMs]),
      this.db
        .prepare(`UPDATE approvals SET status = 'used', used_at = ?1 WHERE approval_id = ?2 AND status = 'approved' AND expires_ms > ?3`)
        .bind(usedAt, approvalId, nowMs),
    );
  }

  async releaseApproval(approvalId: string): Promise<void> {
    const at = new Date().toISOString();
    await this.changeWithEvent(
      'releaseApproval',
      eventStatement(this.db, `a.status = 'used' AND a.used_by_decision_id IS NULL`, [approvalId, 'release', null, HALL_ACTOR, at, 'the decision citing it could not be recorded; the approval is usable again']),
      this.db.prepare(`UPDATE approvals SET status = 'approved', used_at = NULL WHERE approval_id = ?1 AND status = 'used' AND used_by_decision_id IS NULL`).bind(approvalId),
    );
  }

  recordSigningKey(kid: string, publicJwk: string, at: string): Promise<void> {
    return this.run('recordSigningKey', async () => {
      await this.db.prepare('INSERT OR IGNORE INTO signing_keys (kid, public_jwk, first_used_at) VALUES (?1, ?2, ?3)').bind(kid, publicJwk, at).run();
    });
  }

  listSigningKeys(): Promise<{ kid: string; public_jwk: string; first_used_at: string }[]> {
    return this.run('listSigningKeys', async () => {
      const { results } = await this.db.prepare('SELECT kid, public_jwk, first_used_at FROM signing_keys ORDER BY first_used_at, kid').all<{ kid: string; public_jwk: string; first_used_at: string }>();
      return results;
    });
  }

  recordEnrollment(r: EnrollmentRow): Promise<void> {
    return this.run('recordEnrollment', async () => {
      await this.db
        .prepare('INSERT INTO enrollments (enrollment_id, worker_id, worker_species_id, artifact_hash, signed_by, enrolled_by, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
        .bind(r.enrollment_id, r.worker_id, r.worker_species_id, r.artifact_hash, r.signed_by, r.enrolled_by, r.enrolled_at)
        .run();
    });
  }

  recordAttestation(r: AttestationRow): Promise<void> {
    return this.run('recordAttestation', async () => {
      await this.db
        .prepare('INSERT INTO attestations (attestation_id, worker_id, worker_species_id, package_hash, signing_key_id, registered_by, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
        .bind(r.attestation_id, r.worker_id, r.worker_species_id, r.package_hash, r.signing_key_id, r.registered_by, r.registered_at)
        .run();
    });
  }
}
