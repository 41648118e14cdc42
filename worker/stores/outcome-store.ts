// Dispatch outcomes in D1 (migrations/0006_dispatch_outcomes.sql): append-only, one per decision.
// A small interface so tests can inject a failing store and check the fail-closed answer.
import type { OutcomeRecord } from '../../src/receipts/outcome.js';
import { StoreUnavailableError } from './errors.js';

export interface OutcomeStore {
  /** Appends one signed outcome; throws StoreUnavailableError when it is not durable. */
  append(outcome: OutcomeRecord): Promise<void>;
  /** The outcome of a decision, with the tenant it belongs to, or null. */
  byDecision(decisionId: string): Promise<{ tenant_id: string; outcome: OutcomeRecord } | null>;
}

export class D1OutcomeStore implements OutcomeStore {
  constructor(private readonly db: D1Database) {}

  async append(o: OutcomeRecord): Promise<void> {
    try {
      await this.db
        .prepare(
          `INSERT INTO dispatch_outcomes (outcome_id, decision_id, receipt_id, receipt_hash, tenant_id, worker_id, capability_id, target_kind,
             status, error_code, http_status, duration_ms, result_sha256, recorded_at, signing_key_id, outcome_hash, outcome_json)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)`,
        )
        .bind(o.outcome_id, o.decision_id, o.receipt_id, o.receipt_hash, o.tenant_id, o.worker_id, o.capability_id, o.target_kind,
          o.status, o.error_code, o.http_status, o.duration_ms, o.result_sha256, o.recorded_at, o.signing_key_id, o.outcome_hash, JSON.stringify(o))
        .run();
    } catch (err) {
      throw new StoreUnavailableError('d1', 'appendOutcome', err);
    }
  }

  async byDecision(decisionId: string): Promise<{ tenant_id: string; outcome: OutcomeRecord } | null> {
    let row: { tenant_id: string; outcome_json: string } | null;
    try {
      row = await this.db.prepare('SELECT tenant_id, outcome_json FROM dispatch_outcomes WHERE decision_id = ?1').bind(decisionId).first<{ tenant_id: string; outcome_json: string }>();
    } catch (err) {
      throw new StoreUnavailableError('d1', 'getOutcome', err);
    }
    return row ? { tenant_id: row.tenant_id, outcome: JSON.parse(row.outcome_json) as OutcomeRecord } : null;
  }
}
