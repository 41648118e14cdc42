// Human approvals (spec 5.8): REQUIRE_HUMAN opens one; approvers resolve; an approved request is
// allowed exactly once and its receipt cites the approval; expired or mismatched ones are refused.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEMO, call, json, routeInput, seedKv } from './helpers.js';

const APPROVER = 'demo-approver-token-0123456789abcdef';
const OUTSIDER = 'acme-approver-token-0123456789abcdef';

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
