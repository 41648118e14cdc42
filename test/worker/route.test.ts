// POST /route: decisions with receipts, input validation, size caps and tenant auth.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv, settleIndex } from './helpers.js';

const OTHER = 'other-tenant-token-0123456789abcdef';

beforeAll(async () => {
  await seedKv();
  await addTenant('other', OTHER);
});

const route = (body: unknown, token: string | null = DEMO, headers: Record<string, string> = {}) =>
  call('/route', { method: 'POST', ...(token !== null ? { token } : {}), body: typeof body === 'string' ? body : JSON.stringify(body), headers });

describe('POST /route decisions', () => {
  it('allows the seed example and returns a signed receipt recorded in D1', async () => {
    const res = await route(routeInput());
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(false);
    expect(decision.selected_worker_species_id).toBe('wrk.doc.summarizer');
    expect(decision.artifact_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt).toMatchObject({ policy_decision: 'ALLOW', worker_id: 'org.demo.doc-summarizer', decision_id: decision.decision_id, artifact_hash: decision.artifact_hash, deny_code: null });
    expect(receipt.controls_verified).toEqual(['ctrl.obs.audit-log-append-only']);
    expect(receipt.rules_version).toMatch(/^rv-/);
    await settleIndex('demo');
    const row = await env.HALL_DB.prepare('SELECT * FROM decisions WHERE decision_id = ?').bind(decision.decision_id).first();
    expect(row).toMatchObject({ tenant_id: 'demo', denied: 0, receipt_id: receipt.receipt_id });
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });
  });

  it('records a denied decision with a receipt too (200)', async () => {
    const res = await route(routeInput({ capability_id: 'cap.payments.charge' }));
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(true);
    expect(decision.deny_reason_if_denied.code).toBe('DENY_NO_MATCHING_RULE');
    expect(receipt).toMatchObject({ policy_decision: 'DENY', deny_code: 'DENY_NO_MATCHING_RULE', worker_id: null, artifact_hash: null, controls_verified: [] });
  });

  it('routes the five-worker pipeline with one correlation id', async () => {
    const correlation_id = crypto.randomUUID();
    const caps = ['cap.web.fetch', 'cap.doc.chunk', 'cap.ml.embed', 'cap.doc.hash', 'cap.research.register'];
    const species = [];
    for (const capability_id of caps) {
      const { decision } = await json(await route(routeInput({ capability_id, correlation_id })));
      expect(decision.denied, capability_id).toBe(false);
      species.push(decision.selected_worker_species_id);
    }
    expect(species).toEqual(['wrk.web.fetcher', 'wrk.doc.chunker', 'wrk.ml.embedder', 'wrk.doc.hasher', 'wrk.research.registrar']);
  });

  it('prod: RESTRICTED needs a human, INTERNAL goes through the policy gate, high-risk tenants are denied', async () => {
    const restricted = await json(await route(routeInput({ env: 'prod', data_label: 'RESTRICTED' })));
    expect(restricted.decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    expect(restricted.decision.pending_approval_id).toMatch(/^[0-9a-f-]{36}$/);
    // The engine keeps pyhall's message (the routing vectors pin it); the edge names its own endpoint.
    expect(restricted.decision.deny_reason_if_denied.message).toContain('via wcp.approval.resolve');
    expect(restricted.decision.approval_resolve_endpoint).toBe(`POST /wcp/approvals/${restricted.decision.pending_approval_id}/resolve`);
    expect(restricted.receipt.policy_decision).toBe('REQUIRE_HUMAN');
    const internal = await json(await route(routeInput({ env: 'prod' })));
    expect(internal.decision.denied).toBe(false);
    expect(internal.decision.telemetry_envelopes.at(-1).reason).toBe('policy_gate_allow');
    const risky = await json(await route(routeInput({ env: 'prod', tenant_risk: 'high' })));
    expect(risky.decision.deny_reason_if_denied.code).toBe('DENY_POLICY_GATE');
  });

  it('denies tenants that are not signatories (admin acting for them)', async () => {
    const { decision, receipt } = await json(await route(routeInput({ tenant_id: 'stranger' }), ADMIN));
    expect(decision.deny_reason_if_denied.code).toBe('DENY_UNKNOWN_TENANT');
    expect(receipt.tenant_id).toBe('stranger');
  });

  it('dry runs are decided and logged but open no approval', async () => {
    const { decision } = await json(await route(routeInput({ env: 'prod', data_label: 'RESTRICTED', dry_run: true })));
    expect(decision.dry_run).toBe(true);
    expect(decision.supervisor_required).toBe(true);
    expect(decision.pending_approval_id).toBeNull();
    expect(decision.approval_resolve_endpoint).toBeNull();
  });
});

describe('POST /route input', () => {
  it('lists every problem of an invalid RouteInput (400 problem+json)', async () => {
    const res = await route({ tenant_id: 'demo', env: 'PROD', data_label: 'SECRET', qos_class: 'P9' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    expect(body.code).toBe('INVALID_INPUT');
    const paths = body.issues.map((i: { path: string[] }) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['capability_id', 'env', 'data_label', 'tenant_risk', 'qos_class', 'correlation_id']));
    expect(body.detail).toMatch(/Fix the listed fields/);
  });
  it('refuses broken JSON, empty bodies, empty correlation ids and bad approval ids', async () => {
    expect((await json(await route('{"tenant_id": '))).code).toBe('INVALID_JSON');
    expect((await json(await route(''))).code).toBe('INVALID_JSON');
    expect((await route(routeInput({ correlation_id: '' }))).status).toBe(400);
    expect((await route(routeInput({ approval_id: 'not-a-uuid' }))).status).toBe(400);
  });
  it('caps the body size while reading (413), with or without Content-Length', async () => {
    const huge = JSON.stringify(routeInput({ request: { blob: 'x'.repeat(70_000) } }));
    const res = await route(huge);
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe('BODY_TOO_LARGE');
    const chunks = new TextEncoder().encode(huge);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < chunks.length; i += 1000) c.enqueue(chunks.slice(i, i + 1000));
        c.close();
      },
    });
    const streamed = await call('/route', { method: 'POST', token: DEMO, body: stream, duplex: 'half' } as RequestInit & { token: string });
    expect(streamed.status).toBe(413);
  });
  it('refuses bodies nested deeper than 64 levels', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const res = await route(routeInput({ request: deep }));
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('INVALID_JSON');
  });
});

describe('POST /route auth', () => {
  it('401 without a token, with a wrong token, with a malformed header', async () => {
    const none = await route(routeInput(), null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(none)).code).toBe('AUTH_REQUIRED');
    const wrong = await route(routeInput(), 'not-the-right-token-at-all-000000');
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).code).toBe('AUTH_INVALID');
    const malformed = await call('/route', { method: 'POST', json: routeInput(), headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
  });
  it("403 with another tenant's token; nothing is logged", async () => {
    const correlation_id = crypto.randomUUID();
    const res = await route(routeInput({ correlation_id }), OTHER);
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe('TENANT_FORBIDDEN');
    const row = await env.HALL_DB.prepare('SELECT COUNT(*) AS n FROM decisions WHERE correlation_id = ?').bind(correlation_id).first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
  it('the admin token may act for any tenant; problems never echo tokens', async () => {
    expect((await route(routeInput(), ADMIN)).status).toBe(200);
    const text = await (await route(routeInput(), 'not-the-right-token-at-all-000000')).text();
    expect(text).not.toContain('not-the-right-token');
  });
});
