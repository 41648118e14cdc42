// Human approvals (spec 5.8): REQUIRE_HUMAN opens one; approvers resolve; an approved request is
// allowed exactly once and its receipt cites the approval; expired or mismatched ones are refused.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { D1EvidenceStore } from '../../worker/stores/evidence-store.js';
import { ADMIN, DEMO, call, json, routeInput, seedKv } from './helpers.js';

const APPROVER = 'demo-approver-token-0123456789abcdef';
const OUTSIDER = 'acme-approver-token-0123456789abcdef';
const COMMANDER = 'demo-commander-token-0123456789abcdef';
const ADVISOR = 'demo-advisor-token-0123456789abcdef';
const EXECUTOR = 'demo-executor-token-0123456789abcdef';

beforeAll(async () => {
  await seedKv();
  expect((await call('/admin/approvers/alice', { method: 'PUT', token: ADMIN, json: { token: APPROVER, tenants: ['demo'] } })).status).toBe(200);
  expect((await call('/admin/approvers/bob', { method: 'PUT', token: ADMIN, json: { token: OUTSIDER, tenants: ['acme'] } })).status).toBe(200);
});

const restricted = (over: Record<string, unknown> = {}) => routeInput({ env: 'prod', data_label: 'RESTRICTED', request: { document_id: 'board-minutes' }, ...over });
const route = (body: unknown) => call('/route', { method: 'POST', token: DEMO, json: body });
const resolve = (id: string, decision: string, token = APPROVER, reason?: string) =>
  call(`/wcp/approvals/${id}/resolve`, { method: 'POST', token, json: { decision, ...(reason ? { reason } : {}) } });

async function openApproval(over: Record<string, unknown> = {}): Promise<{ id: string; input: Record<string, unknown>; decision: Record<string, any> }> {
  const input = restricted(over);
  const { decision } = await json(await route(input));
  expect(decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
  return { id: decision.pending_approval_id as string, input, decision };
}

describe('approvals', () => {
  it('a REQUIRE_HUMAN decision stays denied and carries the approval hooks', async () => {
    const { decision } = await openApproval();
    expect(decision.denied).toBe(true);
    expect(decision).toMatchObject({ supervisor_required: true, supervisor_level: 'gatekeeper' });
    expect(Date.parse(decision.approval_expires_at)).toBeGreaterThan(Date.now());
    expect(decision.escalation_context).toMatchObject({ capability_id: 'cap.doc.summarize', data_label: 'RESTRICTED', policy_version: 'policy.demo.v1' });
  });

  it('lists pending approvals for approvers and the tenant, not for other approvers', async () => {
    const { id } = await openApproval();
    const forApprover = await json(await call('/wcp/approvals/pending', { token: APPROVER }));
    expect(forApprover.approvals.map((a: { approval_id: string }) => a.approval_id)).toContain(id);
    const forTenant = await json(await call('/wcp/approvals/pending', { token: DEMO }));
    expect(forTenant.approvals.map((a: { approval_id: string }) => a.approval_id)).toContain(id);
    const forOutsider = await json(await call('/wcp/approvals/pending', { token: OUTSIDER }));
    expect(forOutsider.approvals.map((a: { approval_id: string }) => a.approval_id)).not.toContain(id);
    expect((await call(`/wcp/approvals/${id}`, { token: OUTSIDER })).status).toBe(404);
    expect((await call(`/wcp/approvals/${id}`, { token: APPROVER })).status).toBe(200);
    expect((await call('/wcp/approvals/pending')).status).toBe(401);
  });

  it('approve → the same request is allowed once, its receipt cites the approval', async () => {
    const { id, input } = await openApproval();
    expect((await call(`/wcp/approvals/${id}/resolve`, { method: 'POST', token: DEMO, json: { decision: 'approve' } })).status).toBe(403);
    expect((await resolve(id, 'approve', OUTSIDER)).status).toBe(404);
    const resolved = await resolve(id, 'approve', APPROVER, 'reviewed the minutes');
    expect(resolved.status).toBe(200);
    expect(await json(resolved)).toMatchObject({ status: 'approved', resolved_by: 'approver:alice', resolution_note: 'reviewed the minutes' });
    expect((await resolve(id, 'deny')).status).toBe(409);

    // A retry may carry a new correlation id.
    const res = await route({ ...input, correlation_id: crypto.randomUUID(), approval_id: id });
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(false);
    expect(receipt.approval_id).toBe(id);
    expect(receipt.policy_decision).toBe('ALLOW');
    const row = await env.HALL_DB.prepare('SELECT status, used_by_decision_id FROM approvals WHERE approval_id = ?').bind(id).first();
    expect(row).toMatchObject({ status: 'used', used_by_decision_id: decision.decision_id });

    const again = await route({ ...input, approval_id: id });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe('APPROVAL_ALREADY_USED');
  });

  it('concurrent re-submissions: exactly one is allowed', async () => {
    const { id, input } = await openApproval();
    await resolve(id, 'approve');
    const results = await Promise.all(Array.from({ length: 5 }, () => route({ ...input, approval_id: id })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409]);
  });

  it('refuses mismatched, pending, denied, unknown and other-tenant approvals', async () => {
    const { id, input } = await openApproval();
    const pending = await route({ ...input, approval_id: id });
    expect((await json(pending)).code).toBe('APPROVAL_PENDING');
    await resolve(id, 'approve');
    const mismatch = await route({ ...input, request: { document_id: 'something-else' }, approval_id: id });
    expect(mismatch.status).toBe(409);
    expect((await json(mismatch)).code).toBe('APPROVAL_MISMATCH');
    const unknown = await route({ ...input, approval_id: crypto.randomUUID() });
    expect(unknown.status).toBe(404);
    const other = await call('/route', { method: 'POST', token: ADMIN, json: { ...input, tenant_id: 'acme', approval_id: id } });
    expect(other.status).toBe(404);

    const second = await openApproval();
    await resolve(second.id, 'deny', APPROVER, 'not today');
    const denied = await route({ ...second.input, approval_id: second.id });
    expect((await json(denied)).code).toBe('APPROVAL_DENIED');
  });

  it('expired approvals can neither be resolved nor used', async () => {
    const a = await openApproval();
    const b = await openApproval();
    await resolve(b.id, 'approve');
    await env.HALL_DB.prepare('UPDATE approvals SET expires_ms = ?1 WHERE approval_id IN (?2, ?3)').bind(Date.now() - 1000, a.id, b.id).run();
    const late = await resolve(a.id, 'approve');
    expect(late.status).toBe(410);
    expect((await json(late)).code).toBe('APPROVAL_EXPIRED');
    const use = await route({ ...b.input, approval_id: b.id });
    expect(use.status).toBe(410);
    const listed = await json(await call('/wcp/approvals/pending', { token: APPROVER }));
    expect(listed.approvals.map((x: { approval_id: string }) => x.approval_id)).not.toContain(a.id);
    expect((await json(await call(`/wcp/approvals/${a.id}`, { token: ADMIN }))).status).toBe('expired');
  });

  it('escalate hands the approval to incident_commander and keeps it pending', async () => {
    const { id } = await openApproval();
    const res = await resolve(id, 'escalate', ADMIN);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: 'pending', supervisor_level: 'incident_commander' });
    expect((await resolve(id, 'escalate', ADMIN)).status).toBe(409);
    expect((await resolve(id, 'maybe')).status).toBe(400);
  });
});

type HistoryEvent = { seq: number; action: string; from_level: string | null; to_level: string | null; actor: string; at: string; note: string | null };
const history = async (id: string): Promise<HistoryEvent[]> => (await json(await call(`/wcp/approvals/${id}`, { token: ADMIN }))).history;

describe('approver levels and escalation (the "escalation does nothing" finding)', () => {
  beforeAll(async () => {
    for (const [id, token, level] of [['carol', COMMANDER, 'incident_commander'], ['dave', ADVISOR, 'advisory'], ['erin', EXECUTOR, 'executor']] as const) {
      expect((await call(`/admin/approvers/${id}`, { method: 'PUT', token: ADMIN, json: { token, tenants: ['demo'], level } })).status).toBe(200);
    }
  });

  it('an approver record carries a level: default gatekeeper, out-of-ladder values refused with the path', async () => {
    const res = await call('/admin/approvers/levels-default', { method: 'PUT', token: ADMIN, json: { token: 'levels-default-token-0123456789abcdef', tenants: ['demo'] } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ approver_id: 'levels-default', level: 'gatekeeper' });
    const stored = JSON.parse((await env.HALL_KV.get('approver:levels-default'))!);
    expect(stored.level).toBe('gatekeeper');
    const set = await json(await call('/admin/approvers/levels-set', { method: 'PUT', token: ADMIN, json: { token: 'levels-set-token-0123456789abcdef', tenants: ['demo'], level: 'executor' } }));
    expect(set.level).toBe('executor');
    const bad = await call('/admin/approvers/levels-bad', { method: 'PUT', token: ADMIN, json: { token: 'levels-bad-token-0123456789abcdef', tenants: ['demo'], level: 'boss' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify((await json(bad)).issues)).toContain('level');
  });

  it('the attack: a gatekeeper escalates to incident_commander and cannot then approve; the commander can', async () => {
    const { id, input, decision: opened } = await openApproval();
    const up = await resolve(id, 'escalate', APPROVER, 'above my pay grade');
    expect(up.status).toBe(200);
    const escalated = await json(up);
    expect(escalated).toMatchObject({ status: 'pending', supervisor_level: 'incident_commander', resolved_by: null, resolved_at: null, resolution_note: null });

    const self = await resolve(id, 'approve', APPROVER);
    expect(self.status).toBe(403);
    const problem = await json(self);
    expect(problem.code).toBe('APPROVER_LEVEL_TOO_LOW');
    expect(problem.detail).toMatch(/incident_commander/);
    expect((await resolve(id, 'deny', APPROVER)).status).toBe(403);
    // an executor is still below incident_commander
    expect((await resolve(id, 'approve', EXECUTOR)).status).toBe(403);
    // still pending, still unusable
    expect((await json(await call(`/wcp/approvals/${id}`, { token: APPROVER }))).status).toBe('pending');
    expect((await json(await route({ ...input, approval_id: id }))).code).toBe('APPROVAL_PENDING');

    const ok = await resolve(id, 'approve', COMMANDER, 'commander reviewed');
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ status: 'approved', resolved_by: 'approver:carol', resolution_note: 'commander reviewed' });
    const used = await route({ ...input, approval_id: id });
    expect(used.status).toBe(200);

    const h = await history(id);
    expect(h.map((e) => [e.seq, e.action, e.from_level, e.to_level, e.actor])).toEqual([
      [1, 'open', null, 'gatekeeper', 'hall'],
      [2, 'escalate', 'gatekeeper', 'incident_commander', 'approver:alice'],
      [3, 'approve', 'incident_commander', 'incident_commander', 'approver:carol'],
      [4, 'use', 'incident_commander', 'incident_commander', 'hall'],
    ]);
    expect(h[0]!.note).toContain(opened.decision_id);
    expect(h[1]!.note).toBe('above my pay grade');
    expect(h[2]!.note).toBe('commander reviewed');
    for (const e of h) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  });

  it('an approver may resolve only approvals at or below its level; the admin any', async () => {
    const a = await openApproval();
    const low = await resolve(a.id, 'approve', ADVISOR);
    expect(low.status).toBe(403);
    expect((await json(low)).code).toBe('APPROVER_LEVEL_TOO_LOW');
    expect((await resolve(a.id, 'escalate', ADVISOR)).status).toBe(403);
    expect((await resolve(a.id, 'approve', EXECUTOR)).status).toBe(200);

    const b = await openApproval();
    expect((await resolve(b.id, 'deny', COMMANDER)).status).toBe(200);

    const c = await openApproval();
    expect((await resolve(c.id, 'escalate', ADMIN)).status).toBe(200);
    expect((await resolve(c.id, 'escalate', COMMANDER)).status).toBe(409);
    expect((await resolve(c.id, 'deny', ADMIN, 'operator said no')).status).toBe(200);
    expect((await history(c.id)).map((e) => `${e.action}:${e.actor}`)).toEqual(['open:hall', 'escalate:admin', 'deny:admin']);
  });

  it('escalation never overwrites resolved_by / resolved_at; approve after it sets them once', async () => {
    const { id } = await openApproval();
    await resolve(id, 'escalate', APPROVER, 'please look');
    const row = await env.HALL_DB.prepare('SELECT status, supervisor_level, resolved_by, resolved_at, resolution_note FROM approvals WHERE approval_id = ?').bind(id).first();
    expect(row).toMatchObject({ status: 'pending', supervisor_level: 'incident_commander', resolved_by: null, resolved_at: null, resolution_note: null });
    await resolve(id, 'approve', COMMANDER);
    const after = await env.HALL_DB.prepare('SELECT resolved_by FROM approvals WHERE approval_id = ?').bind(id).first();
    expect(after).toMatchObject({ resolved_by: 'approver:carol' });
  });

  it('an approve based on a stale level loses to a concurrent escalation (no approval above the approver)', async () => {
    const { id } = await openApproval();
    const store = new D1EvidenceStore(env.HALL_DB);
    const now = Date.now();
    const at = new Date(now).toISOString();
    expect(await store.escalateApproval(id, now, { from_level: 'gatekeeper', to_level: 'incident_commander', actor: 'approver:alice', at, note: null })).toBe(true);
    // alice read the row while it was still at gatekeeper: her approve must not land
    expect(await store.resolveApproval(id, now, { status: 'approved', expected_level: 'gatekeeper', resolved_at: at, resolved_by: 'approver:alice', note: null })).toBe(false);
    expect(await store.escalateApproval(id, now, { from_level: 'gatekeeper', to_level: 'incident_commander', actor: 'approver:alice', at, note: null })).toBe(false);
    expect((await history(id)).map((e) => e.action)).toEqual(['open', 'escalate']);
  });

  it('the history is append-only in the database itself', async () => {
    const { id } = await openApproval();
    await expect(env.HALL_DB.prepare("UPDATE approval_events SET actor = 'someone-else' WHERE approval_id = ?").bind(id).run()).rejects.toThrow(/append-only/);
    await expect(env.HALL_DB.prepare('DELETE FROM approval_events WHERE approval_id = ?').bind(id).run()).rejects.toThrow(/append-only/);
    expect((await history(id)).map((e) => e.action)).toEqual(['open']);
  });

  it('a claim that is given back (the decision could not be recorded) leaves use + release in the history', async () => {
    const { id } = await openApproval();
    await resolve(id, 'approve');
    const store = new D1EvidenceStore(env.HALL_DB);
    const now = Date.now();
    expect(await store.claimApproval(id, now, new Date(now).toISOString())).toBe(true);
    expect(await store.claimApproval(id, now, new Date(now).toISOString())).toBe(false);
    await store.releaseApproval(id);
    await store.releaseApproval(id);
    expect((await history(id)).map((e) => e.action)).toEqual(['open', 'approve', 'use', 'release']);
    expect((await json(await call(`/wcp/approvals/${id}`, { token: APPROVER }))).status).toBe('approved');
  });
});

describe('pending approvals for an approver over many tenants', () => {
  it('an approver over 1,000 tenants lists its pending approvals (one bound JSON array, not 1,000 parameters)', async () => {
    const tenants = ['demo', ...Array.from({ length: 999 }, (_, i) => `wide-t${String(i).padStart(4, '0')}`)];
    const token = 'wide-approver-token-0123456789abcdef';
    expect((await call('/admin/approvers/wide', { method: 'PUT', token: ADMIN, json: { token, tenants } })).status).toBe(200);
    const mine = await openApproval();
    const now = Date.now();
    const insert = (tenant: string) => {
      const id = crypto.randomUUID();
      return env.HALL_DB.prepare(
        `INSERT INTO approvals (approval_id, tenant_id, decision_id, correlation_id, capability_id, env, data_label, request_fingerprint,
           supervisor_level, status, reason, escalation_context, created_at, expires_at, expires_ms)
         VALUES (?1, ?2, 'd', 'c', 'cap.doc.summarize', 'prod', 'RESTRICTED', 'f', 'gatekeeper', 'pending', NULL, '{}', ?3, ?4, ?5)`,
      ).bind(id, tenant, new Date(now).toISOString(), new Date(now + 3_600_000).toISOString(), now + 3_600_000).run().then(() => id);
    };
    const inMiddle = await insert('wide-t0500');
    const atEnd = await insert('wide-t0998');
    const outside = await insert('wide-outsider');

    const res = await call('/wcp/approvals/pending?limit=500', { token });
    expect(res.status).toBe(200);
    const ids = (await json(res)).approvals.map((a: { approval_id: string }) => a.approval_id);
    expect(ids).toEqual(expect.arrayContaining([mine.id, inMiddle, atEnd]));
    expect(ids).not.toContain(outside);
    // the admin still sees everything
    const all = (await json(await call('/wcp/approvals/pending?limit=500', { token: ADMIN }))).approvals.map((a: { approval_id: string }) => a.approval_id);
    expect(all).toContain(outside);
  });
});
