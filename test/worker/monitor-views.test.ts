// The read views behind the Hall Monitor (worker/routes/monitor-views.ts, rules-history.ts), inside
// workerd with the real KV and D1: each is scoped by the token like /decisions (another tenant's
// records are refused or invisible), bounded (limits, spans), and the feed's cursor never skips a
// decision.
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv } from './helpers.js';

const OTHER = 'monitor-other-tenant-token-0123456789';
const APPROVER = 'monitor-approver-token-0123456789abcd';
const route = (body: unknown, token = DEMO) => call('/route', { method: 'POST', token, json: body });

beforeAll(async () => {
  await seedKv();
  await addTenant('mon-other', OTHER, ['org.monother']);
  expect((await call('/admin/approvers/mon-approver', { method: 'PUT', token: ADMIN, json: { token: APPROVER, tenants: ['demo'] } })).status).toBe(200);
});

describe('GET /wcp/whoami', () => {
  it('names the principal and what it may do, never the token', async () => {
    const tenant = await json(await call('/wcp/whoami', { token: DEMO }));
    expect(tenant).toMatchObject({ kind: 'tenant', id: 'demo', tenants: ['demo'], may: { route: true, enroll: true, resolve_approvals: false, admin: false } });
    const approver = await json(await call('/wcp/whoami', { token: APPROVER }));
    expect(approver).toMatchObject({ kind: 'approver', id: 'mon-approver', tenants: ['demo'], supervisor_level: 'gatekeeper', may: { route: false, resolve_approvals: true, admin: false } });
    const admin = await json(await call('/wcp/whoami', { token: ADMIN }));
    expect(admin).toMatchObject({ kind: 'admin', tenants: ['*'], may: { admin: true } });
    expect(JSON.stringify([tenant, approver, admin])).not.toMatch(/token/i);
    expect((await call('/wcp/whoami')).status).toBe(401);
  });
});

describe('GET /wcp/feed', () => {
  it('returns the newest without a cursor, then exactly what was written since, oldest first', async () => {
    const first = await json(await call('/wcp/feed?limit=5', { token: DEMO }));
    expect(typeof first.cursor).toBe('string');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await json(await route(routeInput()))).decision.decision_id);
    const next = await json(await call(`/wcp/feed?after=${first.cursor}`, { token: DEMO }));
    expect(next.decisions.map((d: { decision_id: string }) => d.decision_id)).toEqual(ids);
    expect(next.more).toBe(false);
    // The feed row is the index columns, not the whole decision.
    expect(next.decisions[0]).toMatchObject({ tenant_id: 'demo', capability_id: 'cap.doc.summarize', denied: false, receipt_seq: expect.any(Number) });
    expect(next.decisions[0].decision).toBeUndefined();
    const idle = await json(await call(`/wcp/feed?after=${next.cursor}`, { token: DEMO }));
    expect(idle).toEqual({ decisions: [], cursor: next.cursor, more: false });
  });

  it('pages a burst with more: true and never skips one', async () => {
    const start = (await json(await call('/wcp/feed?limit=1', { token: DEMO }))).cursor as string;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await json(await route(routeInput()))).decision.decision_id);
    const got: string[] = [];
    let cursor = start;
    for (let i = 0; i < 5; i++) {
      const page = await json(await call(`/wcp/feed?after=${cursor}&limit=2`, { token: DEMO }));
      got.push(...page.decisions.map((d: { decision_id: string }) => d.decision_id));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(got).toEqual(ids);
  });

  it("advances past other tenants' decisions without showing them", async () => {
    const start = (await json(await call('/wcp/feed?limit=1', { token: DEMO }))).cursor as string;
    await route(routeInput({ tenant_id: 'mon-other' }), OTHER);
    const page = await json(await call(`/wcp/feed?after=${start}`, { token: DEMO }));
    expect(page.decisions).toEqual([]);
    expect(Number(page.cursor)).toBeGreaterThan(Number(start));
    expect((await call('/wcp/feed?tenant_id=mon-other', { token: DEMO })).status).toBe(403);
    const admin = await json(await call(`/wcp/feed?after=${start}`, { token: ADMIN }));
    expect(admin.decisions.map((d: { tenant_id: string }) => d.tenant_id)).toContain('mon-other');
  });

  it('filters like /decisions and refuses what it does not know', async () => {
    await route(routeInput({ capability_id: 'cap.payments.charge' }));
    const denied = await json(await call('/wcp/feed?denied=true&deny_code=DENY_NO_MATCHING_RULE&limit=20', { token: DEMO }));
    expect(denied.decisions.length).toBeGreaterThan(0);
    for (const d of denied.decisions) expect(d).toMatchObject({ denied: true, deny_code: 'DENY_NO_MATCHING_RULE' });
    for (const bad of ['after=abc', 'limit=201', 'nope=1', 'deny_code=lower', 'since=yesterday']) {
      const res = await call(`/wcp/feed?${bad}`, { token: DEMO });
      expect(res.status, bad).toBe(400);
      expect((await json(res)).code).toBe('INVALID_QUERY');
    }
  });
});

describe('GET /wcp/stats/*', () => {
  it("counts today's decisions and pending approvals for the token's tenants", async () => {
    const before = await json(await call('/wcp/stats/summary', { token: DEMO }));
    await route(routeInput());
    await route(routeInput({ env: 'prod', data_label: 'RESTRICTED' }));
    const after = await json(await call('/wcp/stats/summary', { token: DEMO }));
    expect(after.tenants).toEqual(['demo']);
    expect(after.decisions_today.allowed).toBe(before.decisions_today.allowed + 1);
    expect(after.decisions_today.denied).toBe(before.decisions_today.denied + 1);
    expect(after.pending_approvals).toBe(before.pending_approvals + 1);
    expect(after.since).toMatch(/T00:00:00\.000Z$/);
    expect((await call('/wcp/stats/summary?tenant_id=mon-other', { token: APPROVER })).status).toBe(403);
  });

  it('counts denials by code per hour bucket, and bounds the window', async () => {
    await route(routeInput({ capability_id: 'cap.payments.charge' }));
    const chart = await json(await call('/wcp/stats/denials', { token: DEMO }));
    expect(chart.bucket).toBe('hour');
    expect(chart.buckets.length).toBeGreaterThanOrEqual(24);
    const code = chart.codes.find((c: { deny_code: string }) => c.deny_code === 'DENY_NO_MATCHING_RULE');
    expect(code.total).toBeGreaterThan(0);
    expect(code.counts).toHaveLength(chart.buckets.length);
    expect(code.counts[code.counts.length - 1]).toBeGreaterThan(0);
    const days = await json(await call('/wcp/stats/denials?bucket=day&since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z', { token: DEMO }));
    expect(days.buckets).toHaveLength(59);
    expect((await call('/wcp/stats/denials?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z', { token: DEMO })).status).toBe(400);
    expect((await call('/wcp/stats/denials?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', { token: DEMO })).status).toBe(400);
  });
});

describe('GET /wcp/crew', () => {
  it('lists workers with compliance, ban status and the last decision of a readable tenant only', async () => {
    const { decision } = await json(await route(routeInput()));
    const crew = await json(await call('/wcp/crew', { token: DEMO }));
    const summarizer = crew.workers.find((w: { worker_species_id: string }) => w.worker_species_id === 'wrk.doc.summarizer');
    expect(summarizer.compliance.level).toMatch(/^WCP-/);
    expect(summarizer.compliance.levels['WCP-Full']).toMatchObject({ ok: expect.any(Boolean), reasons: expect.any(Array) });
    expect(summarizer.banned).toBe(false);
    expect(summarizer.last_decision).toMatchObject({ decision_id: decision.decision_id, tenant_id: 'demo', denied: false });
    // The other tenant routes the same worker afterwards: demo still sees its own last decision.
    await route(routeInput({ tenant_id: 'mon-other' }), OTHER);
    const again = await json(await call('/wcp/crew', { token: DEMO }));
    expect(again.workers.find((w: { worker_species_id: string }) => w.worker_species_id === 'wrk.doc.summarizer').last_decision.tenant_id).toBe('demo');
  });
});

describe('GET /wcp/approvals/resolved', () => {
  it('lists approvals already decided, with who and when, to those who may see them', async () => {
    const { decision } = await json(await route(routeInput({ env: 'prod', data_label: 'RESTRICTED' })));
    const id = decision.pending_approval_id as string;
    const res = await call(`/wcp/approvals/${id}/resolve`, { method: 'POST', token: APPROVER, json: { decision: 'deny', reason: 'not today' } });
    expect(res.status).toBe(200);
    const list = await json(await call('/wcp/approvals/resolved', { token: DEMO }));
    expect(list.approvals[0]).toMatchObject({ approval_id: id, status: 'denied', resolved_by: 'approver:mon-approver', resolution_note: 'not today' });
    const other = await json(await call('/wcp/approvals/resolved', { token: OTHER }));
    expect(other.approvals.map((a: { approval_id: string }) => a.approval_id)).not.toContain(id);
    expect((await call('/wcp/approvals/resolved?limit=0', { token: DEMO })).status).toBe(400);
  });
});

describe('GET /decisions/:id/rule', () => {
  it('returns the matched rule from the rules version the decision used', async () => {
    const { decision } = await json(await route(routeInput()));
    const r = await json(await call(`/decisions/${decision.decision_id}/rule`, { token: DEMO }));
    expect(r).toMatchObject({ decision_id: decision.decision_id, matched_rule_id: decision.matched_rule_id, rule: { rule_id: decision.matched_rule_id } });
    expect(r.rules_version).toMatch(/^rv-/);
    expect((await call(`/decisions/${decision.decision_id}/rule`, { token: OTHER })).status).toBe(404);
    const none = await json(await call(`/decisions/${(await json(await route(routeInput({ capability_id: 'cap.payments.charge' })))).decision.decision_id}/rule`, { token: DEMO }));
    expect(none.rule).toBeNull();
    expect(typeof none.why).toBe('string');
  });
});

describe('GET /admin/rules/versions', () => {
  it('shows the version in force with its lint report, the history, and any version', async () => {
    const list = await json(await call('/admin/rules/versions', { token: ADMIN }));
    expect(list.current.version).toMatch(/^rv-[0-9a-f]{16}$/);
    expect(list.current.lint).toMatchObject({ ok: true, issues: expect.any(Array) });
    expect([...list.history.map((h: { version: string }) => h.version), ...list.unlogged]).toContain(list.current.version);
    const one = await json(await call(`/admin/rules/versions/${list.current.version}`, { token: ADMIN }));
    expect(one).toMatchObject({ version: list.current.version, current: true, lint: { ok: true } });
    expect(Array.isArray(one.document.rules)).toBe(true);
    expect((await call('/admin/rules/versions/rv-0000000000000000', { token: ADMIN })).status).toBe(404);
    expect((await call('/admin/rules/versions/../config', { token: ADMIN })).status).toBe(404);
    expect((await call('/admin/rules/versions', { token: DEMO })).status).toBe(403);
  });
});
