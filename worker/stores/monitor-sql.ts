// The SQL of the monitor's views, built as text and parameters only (no Workers types), so the
// queries (worker/stores/monitor-queries.ts) and the bench that prints their plan share one source.
// Conditions are numbered parameters; a tenant list is ONE bound JSON array read through json_each.

/** The decision-log columns a feed row carries (the full decision is one GET /decisions/:id away). */
export const FEED_COLUMNS = [
  'id',
  'decision_id',
  'tenant_id',
  'correlation_id',
  'capability_id',
  'env',
  'data_label',
  'selected_worker_species_id',
  'denied',
  'deny_code',
  'matched_rule_id',
  'rules_version',
  'approval_id',
  'receipt_id',
  'receipt_seq',
  'created_at',
] as const;


export interface FeedFilter {
  /** null = every tenant. */
  tenants: readonly string[] | null;
  capability_id?: string | undefined;
  worker_species_id?: string | undefined;
  denied?: boolean | undefined;
  deny_code?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export type Where = { sql: string[]; args: unknown[] };

export function where(): Where {
  return { sql: [], args: [] };
}

/** Appends a condition; every `?` in `sql` is the next parameter. */
export function add(w: Where, sql: string, ...values: unknown[]): void {
  let s = sql;
  for (const v of values) {
    w.args.push(v);
    s = s.replace('?', `?${w.args.length}`);
  }
  w.sql.push(s);
}

export function tenantCondition(w: Where, tenants: readonly string[] | null, column = 'tenant_id'): void {
  if (tenants === null) return;
  if (tenants.length === 1) add(w, `${column} = ?`, tenants[0]);
  else add(w, `${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(tenants));
}

export function filterConditions(w: Where, f: FeedFilter): void {
  tenantCondition(w, f.tenants);
  if (f.capability_id !== undefined) add(w, 'capability_id = ?', f.capability_id);
  if (f.worker_species_id !== undefined) add(w, 'selected_worker_species_id = ?', f.worker_species_id);
  if (f.denied !== undefined) add(w, 'denied = ?', f.denied ? 1 : 0);
  if (f.deny_code !== undefined) add(w, 'deny_code = ?', f.deny_code);
  if (f.since !== undefined) add(w, 'created_at >= ?', f.since);
  if (f.until !== undefined) add(w, 'created_at < ?', f.until);
}

export const whereSql = (w: Where): string => (w.sql.length ? 'WHERE ' + w.sql.join(' AND ') : '');

/**
 * The feed's page query: with a cursor it walks the (tenant_id, id) index forward from `afterId`,
 * so an idle poll reads one index entry whatever the size of the log (bench/monitor.ts shows the plan).
 */
export function feedQuery(f: FeedFilter, afterId: number | null, limit: number): { sql: string; args: unknown[] } {
  const w = where();
  filterConditions(w, f);
  if (afterId !== null) add(w, 'id > ?', afterId);
  w.args.push(limit + 1);
  const order = afterId !== null ? 'ASC' : 'DESC';
  return { sql: `SELECT ${FEED_COLUMNS.join(', ')} FROM decisions ${whereSql(w)} ORDER BY id ${order} LIMIT ?${w.args.length}`, args: w.args };
}
