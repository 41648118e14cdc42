// Read-only D1 queries behind the Hall Monitor's views (worker/routes/monitor-views.ts): the live
// feed, today's counts, denials over time, each worker's last decision, resolved approvals.
// Every query is bounded: the feed walks the (tenant_id, id) index from a cursor, counts stop at
// COUNT_CAP rows, and lists take a LIMIT. A tenant list is ONE bound JSON array read through
// json_each (D1 allows 100 bound parameters per statement); null means every tenant (admin).
import type { ApprovalRow } from './evidence-store.js';
import { StoreUnavailableError } from './errors.js';
import { add, feedQuery, filterConditions, tenantCondition, where, whereSql, type FeedFilter } from './monitor-sql.js';

export { FEED_COLUMNS, feedQuery, type FeedFilter } from './monitor-sql.js';

/** The most rows a count or a chart reads; beyond it the answer says `capped: true`. */
export const COUNT_CAP = 100_000;

export interface FeedRow {
  id: number;
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
}

export interface FeedPage {
  /** Oldest first. */
  rows: FeedRow[];
  /** The highest decision id that existed when the page was read (0 for an empty log). */
  head: number;
  /** More matching rows exist after the last one returned. */
  more: boolean;
}

export interface DayCounts {
  allowed: number;
  denied: number;
  /** A count stopped at COUNT_CAP. */
  capped: boolean;
}

export interface DenialCount {
  deny_code: string;
  /** UTC bucket start as written in created_at: `YYYY-MM-DDTHH` (hour) or `YYYY-MM-DD` (day). */
  bucket: string;
  count: number;
}

export interface LastDecision {
  worker_species_id: string;
  decision_id: string;
  tenant_id: string;
  denied: boolean;
  deny_code: string | null;
  created_at: string;
}

/** How far back (in decision ids) a worker's last decision is looked for: keeps the lookup bounded. */
export const LAST_DECISION_WINDOW = 200_000;

function asFeedRow(r: Record<string, unknown>): FeedRow {
  return { ...(r as unknown as FeedRow), denied: r['denied'] === 1 || r['denied'] === true };
}

export class D1MonitorQueries {
  constructor(private readonly db: D1Database) {}

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError('d1', operation, err);
    }
  }

  /**
   * Decisions after `afterId` (oldest first, at most `limit`), or — without a cursor — the newest
   * `limit`. The head and the page come from one batch (one transaction), so a decision written in
   * between is never skipped: the next poll starts from the head this page saw.
   */
  feed(f: FeedFilter, afterId: number | null, limit: number): Promise<FeedPage> {
    const { sql, args } = feedQuery(f, afterId, limit);
    const list = this.db.prepare(sql).bind(...args);
    const head = this.db.prepare('SELECT COALESCE(MAX(id), 0) AS head FROM decisions');
    return this.run('feed', async () => {
      const [h, l] = await this.db.batch([head, list]);
      const rows = ((l?.results ?? []) as Record<string, unknown>[]).map(asFeedRow);
      const more = afterId !== null && rows.length > limit;
      const page = rows.slice(0, limit);
      if (afterId === null) page.reverse();
      return { rows: page, head: Number((h?.results?.[0] as { head?: number } | undefined)?.head ?? 0), more };
    });
  }

  /** Allowed and denied decisions since `since` (ISO), each count stopping at COUNT_CAP. */
  countSince(tenants: readonly string[] | null, since: string): Promise<DayCounts> {
    const stmt = (denied: 0 | 1) => {
      const w = where();
      add(w, 'created_at >= ?', since);
      add(w, 'denied = ?', denied);
      tenantCondition(w, tenants);
      w.args.push(COUNT_CAP + 1);
      return this.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM decisions ${whereSql(w)} LIMIT ?${w.args.length})`).bind(...w.args);
    };
    return this.run('countSince', async () => {
      const [a, d] = await this.db.batch([stmt(0), stmt(1)]);
      const n = (r: D1Result | undefined) => Number((r?.results?.[0] as { n?: number } | undefined)?.n ?? 0);
      const allowed = n(a);
      const denied = n(d);
      return { allowed: Math.min(allowed, COUNT_CAP), denied: Math.min(denied, COUNT_CAP), capped: allowed > COUNT_CAP || denied > COUNT_CAP };
    });
  }

  /** Pending, unexpired approvals (at most COUNT_CAP counted). */
  countPendingApprovals(tenants: readonly string[] | null, nowMs: number): Promise<number> {
    const w = where();
    add(w, "status = 'pending'");
    add(w, 'expires_ms > ?', nowMs);
    tenantCondition(w, tenants);
    w.args.push(COUNT_CAP);
    return this.run('countPendingApprovals', async () => {
      const r = await this.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM approvals ${whereSql(w)} LIMIT ?${w.args.length})`).bind(...w.args).first<{ n: number }>();
      return r?.n ?? 0;
    });
  }

  /**
   * Denied decisions in [since, until) counted by deny code and UTC bucket (`prefix` characters of
   * created_at: 13 = hour, 10 = day). Reads at most COUNT_CAP decisions, newest first.
   */
  denialsByCode(tenants: readonly string[] | null, since: string, until: string, prefix: 10 | 13): Promise<{ counts: DenialCount[]; capped: boolean }> {
    const w = where();
    add(w, 'created_at >= ?', since);
    add(w, 'created_at < ?', until);
    add(w, 'denied = 1');
    tenantCondition(w, tenants);
    w.args.push(COUNT_CAP + 1);
    const inner = `SELECT deny_code, created_at FROM decisions ${whereSql(w)} ORDER BY created_at DESC LIMIT ?${w.args.length}`;
    const sql = `SELECT COALESCE(deny_code, 'UNKNOWN') AS deny_code, substr(created_at, 1, ${prefix}) AS bucket, COUNT(*) AS count FROM (${inner}) GROUP BY 1, 2 ORDER BY 2, 1`;
    return this.run('denialsByCode', async () => {
      const { results } = await this.db.prepare(sql).bind(...w.args).all<DenialCount>();
      const total = results.reduce((s, r) => s + r.count, 0);
      return { counts: results, capped: total > COUNT_CAP };
    });
  }

  /** The newest decision that selected each species, for the given tenants, within LAST_DECISION_WINDOW ids. */
  lastDecisions(tenants: readonly string[] | null, species: readonly string[]): Promise<LastDecision[]> {
    if (species.length === 0 || (tenants !== null && tenants.length === 0)) return Promise.resolve([]);
    const w = where();
    add(w, 'i.selected_worker_species_id = s.value');
    add(w, 'i.id > (SELECT COALESCE(MAX(id), 0) FROM decisions) - ?', LAST_DECISION_WINDOW);
    tenantCondition(w, tenants, 'i.tenant_id');
    w.args.push(JSON.stringify(species));
    // Per species: walk its (selected_worker_species_id, id) index backwards to the first row of a
    // readable tenant, never past the window.
    const sql = `SELECT d.selected_worker_species_id AS worker_species_id, d.decision_id, d.tenant_id, d.denied, d.deny_code, d.created_at
      FROM (SELECT (SELECT i.id FROM decisions i ${whereSql(w)} ORDER BY i.id DESC LIMIT 1) AS last_id FROM json_each(?${w.args.length}) s) x
      JOIN decisions d ON d.id = x.last_id`;
    return this.run('lastDecisions', async () => {
      const { results } = await this.db.prepare(sql).bind(...w.args).all<Record<string, unknown>>();
      return results.map((r) => ({ ...(r as unknown as LastDecision), denied: r['denied'] === 1 || r['denied'] === true }));
    });
  }

  /** Approved, denied or used approvals, most recently resolved first. */
  resolvedApprovals(tenants: readonly string[] | null, limit: number): Promise<ApprovalRow[]> {
    if (tenants !== null && tenants.length === 0) return Promise.resolve([]);
    const w = where();
    add(w, "status IN ('approved', 'denied', 'used')");
    add(w, 'resolved_at IS NOT NULL');
    tenantCondition(w, tenants);
    w.args.push(limit);
    return this.run('resolvedApprovals', async () => {
      const { results } = await this.db.prepare(`SELECT * FROM approvals ${whereSql(w)} ORDER BY resolved_at DESC LIMIT ?${w.args.length}`).bind(...w.args).all<ApprovalRow>();
      return results;
    });
  }

  /** The rules versions the admin log recorded (`rules.put`), newest first. */
  rulesHistory(limit: number): Promise<{ seq: number; at: string; actor: string; version: string }[]> {
    return this.run('rulesHistory', async () => {
      const { results } = await this.db
        .prepare("SELECT seq, at, actor, target AS version FROM admin_log WHERE action = 'rules.put' ORDER BY seq DESC LIMIT ?1")
        .bind(limit)
        .all<{ seq: number; at: string; actor: string; version: string }>();
      return results;
    });
  }
}
