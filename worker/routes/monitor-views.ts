// Small read-only views the Hall Monitor (/monitor) and other dashboards need, each scoped by the
// token exactly like /decisions: a tenant reads itself, an approver its tenants, the admin all.
//   GET /wcp/whoami                 the principal behind the token (never the token or its hash)
//   GET /wcp/feed                   decisions after a cursor, for a live feed that polls
//   GET /wcp/stats/summary          today's allowed/denied counts and pending approvals
//   GET /wcp/stats/denials          denied decisions by deny code per hour or day
//   GET /wcp/crew                   enrolled workers with compliance level, ban status, last decision
//   GET /wcp/approvals/resolved     approvals already decided, with who and when
//   GET /decisions/:id/rule         the rule (of the rules version the decision used) that matched
import { z } from 'zod';
import { checkWorkerCompliance } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import { approverCovers, requirePrincipal, type Principal } from '../http/auth.js';
import { awaitIndex, awaitIndexOf } from '../log/log-directory.js';
import { parseWith, pathParam, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { KV } from '../stores/config-store.js';
import { D1MonitorQueries, type FeedRow } from '../stores/monitor-queries.js';
import { currentSnapshot } from '../state.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import { approvalView } from './approvals.js';
import { DecisionsQuerySchema } from './evidence.js';

const queries = (ctx: RequestContext) => new D1MonitorQueries(ctx.env.HALL_DB);
const tenantId = z.string().min(1).max(MAX_ID_LENGTH);
const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

/** The tenants a principal may read (null = every tenant), as /decisions reads them. */
function readableTenants(p: Principal): string[] | null {
  if (p.kind === 'admin') return null;
  if (p.kind === 'tenant') return [p.id];
  return p.tenants.includes('*') ? null : p.tenants;
}

function canRead(p: Principal, tenantId: string): boolean {
  return p.kind === 'admin' || (p.kind === 'tenant' && p.id === tenantId) || approverCovers(p, tenantId);
}

/** The tenants a view covers: the one asked for (if this token may read it), else all it may read (null = every tenant). */
function scope(p: Principal, asked: string | undefined): string[] | null {
  if (asked === undefined) return readableTenants(p);
  if (!canRead(p, asked)) {
    throw new HallHttpError(403, 'TENANT_FORBIDDEN', "This token may not read that tenant's records. Use the tenant's own token, an approver token for it, or the admin token.");
  }
  return [asked];
}

// ---- whoami -----------------------------------------------------------------------------------

export async function whoami(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const tenants = p.kind === 'admin' ? ['*'] : p.kind === 'tenant' ? [p.id] : p.tenants;
  return jsonResponse({
    kind: p.kind,
    id: p.id,
    tenants,
    namespaces: p.kind === 'tenant' ? p.namespaces : [],
    supervisor_level: p.kind === 'approver' ? p.level : null,
    may: {
      route: p.kind !== 'approver',
      enroll: p.kind !== 'approver',
      resolve_approvals: p.kind !== 'tenant',
      admin: p.kind === 'admin',
    },
  });
}

// ---- live feed --------------------------------------------------------------------------------

export const FeedQuerySchema = DecisionsQuerySchema.omit({ cursor: true })
  .extend({ after: z.string().regex(/^\d{1,15}$/, 'must be the cursor of a previous /wcp/feed answer').optional() })
  .strict();

function feedView(r: FeedRow): Record<string, unknown> {
  const { id: _id, ...rest } = r;
  return rest;
}

/**
 * Without `after`: the newest `limit` matching decisions. With `after`: the matching decisions
 * written since, oldest first, at most `limit` (`more: true` when the next poll should come at
 * once). Either way `cursor` is what to send as `after` next. An idle poll reads one index entry.
 */
export async function feed(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(FeedQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const tenants = scope(p, q.tenant_id);
  // The D1 index trails the tenant logs by up to two seconds: let the logs this view covers catch up.
  await awaitIndexOf(ctx, tenants);
  const after = q.after !== undefined ? Number(q.after) : null;
  const page = await queries(ctx).feed(
    { tenants, capability_id: q.capability_id, worker_species_id: q.worker_species_id, denied: q.denied, deny_code: q.deny_code, since: q.since, until: q.until },
    after,
    q.limit,
  );
  const last = page.rows[page.rows.length - 1];
  // Everything up to the head has been looked at unless the page was cut short.
  const cursor = page.more && last ? last.id : Math.max(page.head, after ?? 0);
  return jsonResponse({ decisions: page.rows.map(feedView), cursor: String(cursor), more: page.more });
}

// ---- stats ------------------------------------------------------------------------------------

export const SummaryQuerySchema = z.object({ tenant_id: tenantId.optional() }).strict();

const utcDayStart = (now: Date): string => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();

export async function statsSummary(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(SummaryQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const tenants = scope(p, q.tenant_id);
  await awaitIndexOf(ctx, tenants);
  const now = new Date();
  const since = utcDayStart(now);
  const db = queries(ctx);
  const [today, pending] = await Promise.all([db.countSince(tenants, since), db.countPendingApprovals(tenants, now.getTime())]);
  return jsonResponse({
    tenants: tenants ?? ['*'],
    since,
    decisions_today: { allowed: today.allowed, denied: today.denied, total: today.allowed + today.denied, capped: today.capped },
    pending_approvals: pending,
  });
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Widest window per bucket size: 7 days of hours, 92 days of days. */
const MAX_SPAN = { hour: 7 * DAY, day: 92 * DAY } as const;

export const DenialsQuerySchema = z
  .object({
    tenant_id: tenantId.optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    bucket: z.enum(['hour', 'day']).default('hour'),
  })
  .strict();

/** Bucket starts from `since` (floored) to before `until`, as created_at prefixes. */
function bucketKeys(since: number, until: number, bucket: 'hour' | 'day'): string[] {
  const step = bucket === 'hour' ? HOUR : DAY;
  const keys: string[] = [];
  for (let t = Math.floor(since / step) * step; t < until; t += step) keys.push(new Date(t).toISOString().slice(0, bucket === 'hour' ? 13 : 10));
  return keys;
}

export async function statsDenials(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(DenialsQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const tenants = scope(p, q.tenant_id);
  const until = q.until ? Date.parse(q.until) : Date.now();
  const since = q.since ? Date.parse(q.since) : until - (q.bucket === 'hour' ? DAY : 30 * DAY);
  if (since >= until) throw new HallHttpError(400, 'INVALID_QUERY', 'since must be before until. Swap them, or leave one out.');
  if (until - since > MAX_SPAN[q.bucket]) {
    throw new HallHttpError(400, 'INVALID_QUERY', `A ${q.bucket} chart covers at most ${MAX_SPAN[q.bucket] / DAY} days. Narrow since/until${q.bucket === 'hour' ? ', or use bucket=day' : ''}.`);
  }
  const sinceIso = new Date(since).toISOString();
  const untilIso = new Date(until).toISOString();
  await awaitIndexOf(ctx, tenants);
  const { counts, capped } = await queries(ctx).denialsByCode(tenants, sinceIso, untilIso, q.bucket === 'hour' ? 13 : 10);
  const buckets = bucketKeys(since, until, q.bucket);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series = new Map<string, number[]>();
  for (const c of counts) {
    const i = index.get(c.bucket);
    if (i === undefined) continue;
    let row = series.get(c.deny_code);
    if (!row) series.set(c.deny_code, (row = buckets.map(() => 0)));
    row[i]! += c.count;
  }
  const codes = [...series.entries()]
    .map(([deny_code, perBucket]) => ({ deny_code, total: perBucket.reduce((a, b) => a + b, 0), counts: perBucket }))
    .sort((a, b) => b.total - a.total || (a.deny_code < b.deny_code ? -1 : 1));
  return jsonResponse({
    tenants: tenants ?? ['*'],
    since: sinceIso,
    until: untilIso,
    bucket: q.bucket,
    // Bucket starts in UTC, full ISO form.
    buckets: buckets.map((b) => (q.bucket === 'hour' ? `${b}:00:00.000Z` : `${b}T00:00:00.000Z`)),
    codes,
    capped,
  });
}

// ---- crew -------------------------------------------------------------------------------------

export const CrewQuerySchema = z
  .object({
    tenant_id: tenantId.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
    cursor: z.string().regex(/^\d{1,9}$/, 'must be the next_cursor of a previous page').optional(),
  })
  .strict();

/**
 * The enrolled workers as the Hall holds them: compliance level (WCP-Basic/Standard/Full) with the
 * reasons a level is not met, the attested package hash, ban status, and the newest decision that
 * selected the worker for a tenant this token may read.
 */
export async function crew(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(CrewQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const tenants = scope(p, q.tenant_id);
  const snap = await currentSnapshot(ctx);
  const all = [...snap.workers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const start = q.cursor ? Number(q.cursor) : 0;
  const page = all.slice(start, start + q.limit);
  const speciesOf = (r: Record<string, unknown>) => (typeof r['worker_species_id'] === 'string' ? r['worker_species_id'] : null);
  const species = page.map(([, r]) => speciesOf(r)).filter((s): s is string => s !== null);
  await awaitIndexOf(ctx, tenants);
  const last = new Map((await queries(ctx).lastDecisions(tenants, species)).map((d) => [d.worker_species_id, d]));
  const workers = page.map(([worker_id, record]) => {
    const sp = speciesOf(record);
    const registered = sp ? (snap.registeredHashes.get(sp) ?? null) : null;
    const reported = sp ? (snap.currentHashes.get(sp) ?? null) : null;
    const l = sp ? last.get(sp) : undefined;
    return {
      worker_id,
      namespace: snap.namespaceOfWorker.get(worker_id) ?? null,
      worker_species_id: sp,
      available: sp ? snap.registry.workerAvailable(sp) : false,
      compliance: checkWorkerCompliance(record),
      attested_package_hash: registered,
      reported_code_hash: reported,
      banned: (registered !== null && snap.banned.has(registered)) || (reported !== null && snap.banned.has(reported)),
      last_decision: l ? { decision_id: l.decision_id, tenant_id: l.tenant_id, denied: l.denied, deny_code: l.deny_code, created_at: l.created_at } : null,
      record,
    };
  });
  return jsonResponse({ workers, next_cursor: start + q.limit < all.length ? String(start + q.limit) : null, total: all.length, registry_problems: snap.registryProblems.slice(0, 100) });
}

// ---- resolved approvals -----------------------------------------------------------------------

export const ResolvedQuerySchema = z
  .object({ tenant_id: tenantId.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();

export async function resolvedApprovals(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(ResolvedQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const tenants = scope(p, q.tenant_id);
  const now = Date.now();
  const rows = await queries(ctx).resolvedApprovals(tenants, q.limit);
  return jsonResponse({ approvals: rows.map((r) => approvalView(r, now)) });
}

// ---- the rule a decision matched --------------------------------------------------------------

const decisionNotFound = () => new HallHttpError(404, 'DECISION_NOT_FOUND', 'No decision with this id is visible to this token. Check the id and the tenant.');

/**
 * The rule, from the immutable rules version the decision recorded, whose rule_id it matched. A
 * rule's `match.tenant_id` may list other tenants: only the admin sees it; others get the rule
 * without it and `tenant_scope_hidden: true`.
 */
export async function decisionRule(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const id = pathParam(ctx.params, 'decision_id');
  if (id.length > MAX_ID_LENGTH) throw decisionNotFound();
  await awaitIndex(ctx, p.kind === 'tenant' ? p.id : null);
  const row = await ctx.stores.evidence.getDecision(id);
  if (!row || !canRead(p, row.tenant_id)) throw decisionNotFound();
  const base = { decision_id: row.decision_id, rules_version: row.rules_version, matched_rule_id: row.matched_rule_id };
  if (!row.rules_version || !row.matched_rule_id) return jsonResponse({ ...base, rule: null, why: 'the decision recorded no rules version or matched rule' });
  const text = await ctx.stores.config.get(KV.rules(row.rules_version));
  let doc: unknown = null;
  try {
    doc = text === null ? null : JSON.parse(text);
  } catch {
    doc = null;
  }
  if (!doc || typeof doc !== 'object') return jsonResponse({ ...base, rule: null, why: `rules version ${row.rules_version} is not stored in this Hall` });
  const rules = (doc as { rules?: unknown }).rules;
  const found = Array.isArray(rules) ? rules.find((r) => r && typeof r === 'object' && (r as { rule_id?: unknown }).rule_id === row.matched_rule_id) : undefined;
  if (!found) return jsonResponse({ ...base, rule: null, why: `no rule ${row.matched_rule_id} in rules version ${row.rules_version} (a decision made before any rule matched)` });
  const rule = structuredClone(found) as Record<string, unknown>;
  const match = rule['match'];
  let hidden = false;
  if (p.kind !== 'admin' && match && typeof match === 'object' && 'tenant_id' in match) {
    delete (match as Record<string, unknown>)['tenant_id'];
    hidden = true;
  }
  return jsonResponse({ ...base, rule, tenant_scope_hidden: hidden });
}
