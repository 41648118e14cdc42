// Operator endpoints: rules (validated, linted, immutable versions), config, policy, namespaces,
// ban list, tenants (hashed tokens, rotation) — and that only the admin token may call them.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { sha256Hex } from '../../src/util/index.js';
import { ADMIN, DEMO, call, json, routeInput, seedKv, seedValue } from './helpers.js';

beforeAll(seedKv);
afterAll(async () => {
  await env.HALL_KV.delete('ns:x.tester');
  await seedKv();
});

const put = (path: string, body: unknown, token = ADMIN) => call(path, { method: 'PUT', token, json: body });

describe('admin auth', () => {
  it('every admin route refuses tenant tokens (403) and anonymous calls (401)', async () => {
    const routes: [string, string][] = [
      ['PUT', '/admin/rules'], ['GET', '/admin/rules'], ['PUT', '/admin/config'], ['GET', '/admin/config'], ['PUT', '/admin/policy'],
      ['GET', '/admin/policy'], ['PUT', '/admin/namespaces/org.demo'], ['POST', '/admin/ban-list'], ['GET', '/admin/ban-list'],
      ['PUT', '/admin/tenants/someone'], ['DELETE', '/admin/tenants/someone'], ['PUT', '/admin/approvers/someone'], ['PUT', '/admin/species/wrk.doc.summarizer'], ['GET', '/admin/species'],
      ['POST', '/admin/registry/import-kv'], ['GET', '/admin/log'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? null : '{}';
      const asTenant = await call(path, { method, token: DEMO, body });
      expect(asTenant.status, `${method} ${path}`).toBe(403);
      expect((await json(asTenant)).code).toBe('ADMIN_REQUIRED');
      expect((await call(path, { method, body })).status, `${method} ${path}`).toBe(401);
    }
    // Removing a worker is for the admin or the tenant owning the worker's namespace.
    const foreign = await call('/workers/org.other.worker', { method: 'DELETE', token: DEMO });
    expect(foreign.status).toBe(403);
    expect((await json(foreign)).code).toBe('NAMESPACE_FORBIDDEN');
    expect((await call('/workers/org.demo.embedder', { method: 'DELETE' })).status).toBe(401);
  });
});

describe('PUT /admin/rules', () => {
  it('stores a new immutable version, moves rules:current, and the Hall uses it at once', async () => {
    const before = await json(await call('/admin/rules', { token: ADMIN }));
    const doc = structuredClone(before.document);
    doc.rules = doc.rules.filter((r: { rule_id: string }) => r.rule_id !== 'rr_doc_summarize_dev_stage');
    const res = await put('/admin/rules', doc);
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.version).toMatch(/^rv-[0-9a-f]{16}$/);
    expect(body.previous_version).toBe(before.version);
    expect(await env.HALL_KV.get(`rules:${before.version}`)).not.toBeNull();
    const { decision, receipt } = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(decision.deny_reason_if_denied.code).toBe('DENY_NO_MATCHING_RULE');
    expect(receipt.rules_version).toBe(body.version);
    const again = await put('/admin/rules', doc);
    expect(again.status).toBe(200);
    expect((await json(again)).unchanged).toBe(true);
    expect((await put('/admin/rules', before.document)).status).toBe(201);
    expect((await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }))).decision.denied).toBe(false);
  });

  it('refuses invalid rules with every reason (422)', async () => {
    const res = await put('/admin/rules', { rules: [{ rule_id: 'a', match: { env: { eq: 'dev' } } }, { match: {} }] });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('RULES_INVALID');
    expect(body.issues.length).toBeGreaterThanOrEqual(2);
    expect((await put('/admin/rules', [1, 2])).status).toBe(422);
  });

  it('refuses rules that shadow each other (they would deny every prod request)', async () => {
    const res = await put('/admin/rules', {
      rules: [
        { rule_id: 'catch_all', match: {}, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }] } },
        { rule_id: 'specific', match: { capability_id: 'cap.doc.summarize' }, decision: {} },
      ],
    });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(JSON.stringify(body.issues)).toMatch(/specific/);
  });

  it('caps the rules body at 1 MiB (413)', async () => {
    const res = await call('/admin/rules', { method: 'PUT', token: ADMIN, body: JSON.stringify({ rules: [], pad: 'x'.repeat(1_100_000) }) });
    expect(res.status).toBe(413);
  });
});

describe('PUT /admin/config and /admin/policy', () => {
  it('validates config strictly (unknown keys refused) and applies it', async () => {
    const bad = await put('/admin/config', { require_signatory: 'yes' });
    expect(bad.status).toBe(400);
    expect((await put('/admin/config', { requre_signatory: true })).status).toBe(400);
    const ok = await put('/admin/config', { ...(seedValue('config') as object), allowed_tenants: ['demo', 'newcomer'] });
    expect(ok.status).toBe(200);
    const { decision } = await json(await call('/route', { method: 'POST', token: ADMIN, json: routeInput({ tenant_id: 'newcomer' }) }));
    expect(decision.denied).toBe(false);
    expect((await put('/admin/config', seedValue('config'))).status).toBe(200);
  });

  it('validates the policy document (422) and applies a valid one', async () => {
    const bad = await put('/admin/policy', { policy_version: 'p', rules: [{ decision: 'MAYBE', reason: 'x' }] });
    expect(bad.status).toBe(422);
    expect((await json(bad)).code).toBe('POLICY_INVALID');
    const strict = { policy_version: 'policy.strict', rules: [], default: { decision: 'DENY', reason: 'lockdown' } };
    expect((await put('/admin/policy', strict)).status).toBe(200);
    const { decision } = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput({ env: 'prod' }) }));
    expect(decision.deny_reason_if_denied).toMatchObject({ code: 'DENY_POLICY_GATE', reason: 'lockdown' });
    expect((await put('/admin/policy', seedValue('policy'))).status).toBe(200);
  });
});

describe('PUT /admin/namespaces/:ns', () => {
  it('registers Ed25519 keys and refuses bad namespaces and mismatched keys', async () => {
    const k = await generateEd25519KeyPair();
    const jwk = exportEd25519PublicJwk(k.publicKey, { kid: 'tester-1' });
    const ok = await put('/admin/namespaces/x.tester', { keys: [jwk] });
    expect(ok.status).toBe(200);
    expect((await json(ok)).keys[0]).toMatchObject({ kid: 'tester-1', ns: 'x.tester' });
    expect((await json(await call('/wcp/namespaces/x.tester'))).keys).toHaveLength(1);
    expect((await put('/admin/namespaces/wrk.tester', { keys: [jwk] })).status).toBe(400);
    expect((await put('/admin/namespaces/x.tester', { keys: [{ ...jwk, ns: 'x.other' }] })).status).toBe(400);
    expect((await put('/admin/namespaces/x.tester', { keys: [{ ...jwk, x: 'short' }] })).status).toBe(400);
    expect((await put('/admin/namespaces/x.tester', { keys: [] })).status).toBe(400);
    // Strict keys: a private JWK (its `d`) or a misspelt member is refused with its path, never dropped.
    const priv = await put('/admin/namespaces/x.tester', { keys: [{ ...jwk, d: jwk.x }] });
    expect(priv.status).toBe(400);
    expect(JSON.stringify((await json(priv)).issues)).toContain('"d"');
    expect((await put('/admin/namespaces/x.tester', { keys: [{ ...jwk, kdi: 'typo' }] })).status).toBe(400);
    expect((await put('/admin/namespaces/x.tester', { keys: [{ ...jwk, use: 'enc' }] })).status).toBe(400);
    expect((await call('/wcp/namespaces/x.nobody')).status).toBe(404);
  });
});

describe('POST /admin/ban-list', () => {
  it('adds and removes hashes; refuses malformed ones', async () => {
    const h = 'a'.repeat(64);
    const res = await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { add: [{ hash: h, reason: 'known bad' }] } });
    expect(res.status).toBe(200);
    expect((await json(res)).hashes).toEqual([expect.objectContaining({ hash: h, reason: 'known bad', added_by: 'admin' })]);
    expect((await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { add: [{ hash: 'xyz', reason: 'r' }] } })).status).toBe(400);
    expect((await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: {} })).status).toBe(400);
    const removed = await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { remove: [h] } });
    expect((await json(removed)).hashes).toEqual([]);
  });
});

describe('tenants', () => {
  it('stores only a SHA-256 of the token, never returns it, and rotation retires the old token', async () => {
    const t1 = 'rotating-tenant-token-one-0123456789';
    const t2 = 'rotating-tenant-token-two-0123456789';
    const res = await put('/admin/tenants/rotator', { token: t1, namespaces: ['org.rotator'] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(t1);
    expect(text).not.toContain(sha256Hex(t1));
    const stored = (await env.HALL_KV.get('tenant:rotator'))!;
    expect(stored).not.toContain(t1);
    expect(JSON.parse(stored).token_sha256).toBe(sha256Hex(t1));

    const asRotator = (token: string) => call('/decisions', { token });
    expect((await asRotator(t1)).status).toBe(200);
    expect((await put('/admin/tenants/rotator', { token: t2 })).status).toBe(200);
    expect((await asRotator(t1)).status).toBe(401);
    expect((await asRotator(t2)).status).toBe(200);
    expect((await put('/admin/tenants/thief', { token: t2 })).status).toBe(409);
    expect((await put('/admin/tenants/rotator', { token: 'short' })).status).toBe(400);
    expect((await put('/admin/tenants/bad%20id', { token: t1 })).status).toBe(400);
    expect((await call('/admin/tenants/rotator', { method: 'DELETE', token: ADMIN })).status).toBe(200);
    expect((await asRotator(t2)).status).toBe(401);
    expect((await call('/admin/tenants/rotator', { method: 'DELETE', token: ADMIN })).status).toBe(404);
  });
});
