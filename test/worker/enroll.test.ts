// POST /enroll (pyhall's artifact_hash rule, namespaces, Ed25519 enrollment signatures) and DELETE /workers/:id.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Sign, exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { enrollmentStatement } from '../../src/routing/enrollment-hash.js';
import { pyJsonDumpsCompact, sha256Hex, toBase64Url, utf8 } from '../../src/util/index.js';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv } from './helpers.js';

const ACME = 'acme-tenant-token-0123456789abcdef';

function record(workerId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const r: Record<string, unknown> = {
    worker_id: workerId,
    worker_species_id: 'wrk.doc.translator',
    capabilities: ['cap.doc.translate'],
    risk_tier: 'low',
    currently_implements: ['ctrl.obs.audit-log-append-only'],
    allowed_environments: ['dev'],
    blast_radius: { data: 1, network: 0, financial: 0, time: 1, reversibility: 'reversible' },
    owner: 'org.demo',
    ...over,
  };
  r['artifact_hash'] = `sha256:${sha256Hex(pyJsonDumpsCompact(r))}`;
  return r;
}

const enroll = (body: unknown, token = DEMO) => call('/enroll', { method: 'POST', token, json: body });

beforeAll(async () => {
  await seedKv();
  await addTenant('acme', ACME, ['org.acme']);
});

afterAll(async () => {
  await env.HALL_KV.delete('ns:org.demo');
  await seedKv();
});

describe('POST /enroll', () => {
  it('enrolls a record whose artifact_hash matches (201) and the worker becomes routable', async () => {
    const res = await enroll(record('org.demo.translator'));
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({ enrolled: true, worker_id: 'org.demo.translator', artifact_hash_verified: true });
    expect(body.enrollment_id).toMatch(/^enr_[0-9a-f]{16}$/);
    const workers = await json(await call('/wcp/workers?capability_id=cap.doc.translate'));
    expect(workers.workers.map((w: { worker_id: string }) => w.worker_id)).toEqual(['org.demo.translator']);
    const caps = await json(await call('/wcp/capabilities'));
    expect(caps.capabilities.map((c: { capability_id: string }) => c.capability_id)).toContain('cap.doc.translate');

    const rules = (await json(await call('/admin/rules', { token: ADMIN }))).document;
    rules.rules.push({
      rule_id: 'rr_doc_translate_dev',
      match: { capability_id: 'cap.doc.translate', env: 'dev' },
      decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.translator', score_hint: 1 }], required_controls_suggested: ['ctrl.obs.audit-log-append-only'] },
    });
    expect((await call('/admin/rules', { method: 'PUT', token: ADMIN, json: rules })).status).toBe(201);
    const { decision } = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput({ capability_id: 'cap.doc.translate' }) }));
    expect(decision.selected_worker_species_id).toBe('wrk.doc.translator');
  });

  it('400 DENY_WORKER_TAMPERED when the record changed after hashing', async () => {
    const r = record('org.demo.translator');
    r['risk_tier'] = 'high';
    const res = await enroll(r);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('DENY_WORKER_TAMPERED');
  });

  it('400 for invalid records (schema, control ids, non-tenant worker ids)', async () => {
    expect((await enroll({ worker_id: 'org.demo.x' })).status).toBe(400);
    expect((await json(await enroll(record('org.demo.bad-controls', { currently_implements: ['audit'] })))).code).toBe('INVALID_INPUT');
    expect((await json(await enroll(record('wrk.demo.thing'), ADMIN))).code).toBe('WORKER_ID_INVALID');
  });

  it('403 for cross-namespace enrollment; the admin may enroll anywhere', async () => {
    const res = await enroll(record('org.acme.translator'), DEMO);
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe('NAMESPACE_FORBIDDEN');
    // wrk.doc.translator belongs to org.demo (it enrolled it first): acme cannot take it over.
    const hijack = await enroll(record('org.acme.translator'), ACME);
    expect(hijack.status).toBe(403);
    expect((await json(hijack)).code).toBe('SPECIES_OWNED');
    expect((await enroll(record('org.acme.translator', { worker_species_id: 'wrk.acme.translator' }), ACME)).status).toBe(201);
    expect((await enroll(record('org.demo.translator'), ACME)).status).toBe(403);
    expect((await enroll(record('x.someone.tool', { worker_species_id: 'wrk.someone.tool' }), ADMIN)).status).toBe(201);
    expect((await enroll(record('org.demo.translator'), 'not-a-valid-token-000000000000')).status).toBe(401);
  });

  it('requires a valid Ed25519 signature by a namespace key once the namespace has keys', async () => {
    const key = await generateEd25519KeyPair();
    const stranger = await generateEd25519KeyPair();
    const jwk = exportEd25519PublicJwk(key.publicKey, { kid: 'demo-k1', ns: 'org.demo' });
    expect((await call('/admin/namespaces/org.demo', { method: 'PUT', token: ADMIN, json: { keys: [jwk] } })).status).toBe(200);
    const r = record('org.demo.signed-translator', { worker_species_id: 'wrk.doc.signed-translator' });
    const signedAt = new Date().toISOString();
    const statement = (at = signedAt) => utf8(enrollmentStatement('org.demo.signed-translator', r['artifact_hash'] as string, at));
    const sign = async (seed: Uint8Array, at = signedAt) => toBase64Url(await ed25519Sign(seed, statement(at)));

    const unsigned = await enroll(r);
    expect(unsigned.status).toBe(401);
    expect((await json(unsigned)).code).toBe('ENROLLMENT_SIGNATURE_REQUIRED');
    const unknownKey = await enroll({ ...r, signature: await sign(key.seed), signing_key_id: 'nope', signed_at: signedAt });
    expect((await json(unknownKey)).code).toBe('ENROLLMENT_KEY_UNKNOWN');
    const forged = await enroll({ ...r, signature: await sign(stranger.seed), signing_key_id: 'demo-k1', signed_at: signedAt });
    // A signature over the bare artifact_hash (v0.1) no longer verifies: it binds no time.
    const bare = await enroll({ ...r, signature: toBase64Url(await ed25519Sign(key.seed, utf8(r['artifact_hash'] as string))), signing_key_id: 'demo-k1', signed_at: signedAt });
    expect((await json(bare)).code).toBe('ENROLLMENT_SIGNATURE_INVALID');
    expect(forged.status).toBe(403);
    expect((await json(forged)).code).toBe('ENROLLMENT_SIGNATURE_INVALID');
    const signedBody = { ...r, signature: await sign(key.seed), signing_key_id: 'demo-k1', signed_at: signedAt };
    const ok = await enroll(signedBody);
    expect(ok.status).toBe(201);
    expect((await json(ok)).signed_by).toBe('demo-k1');
    // The transport fields are not stored as part of the record.
    const row = await env.HALL_DB.prepare('SELECT record_json, signed_at FROM registry_workers WHERE worker_id = ?').bind('org.demo.signed-translator').first<{ record_json: string; signed_at: string }>();
    const stored = JSON.parse(row!.record_json) as Record<string, unknown>;
    expect(stored['signature']).toBeUndefined();
    expect(stored['signed_at']).toBeUndefined();
    expect(row!.signed_at).toBe(signedAt);

    // Replay: the same signed enrollment again, or an older signed one, is refused.
    const replay = await enroll(signedBody);
    expect(replay.status).toBe(409);
    expect((await json(replay)).code).toBe('ENROLLMENT_REPLAYED');
    const older = new Date(Date.parse(signedAt) - 60_000).toISOString();
    const olderRes = await enroll({ ...r, signature: await sign(key.seed, older), signing_key_id: 'demo-k1', signed_at: older });
    expect((await json(olderRes)).code).toBe('ENROLLMENT_REPLAYED');
    // A statement from outside the freshness window is refused even for a new worker.
    const ancient = '2020-01-01T00:00:00.000Z';
    const stale = await enroll({ ...r, signature: await sign(key.seed, ancient), signing_key_id: 'demo-k1', signed_at: ancient });
    expect((await json(stale)).code).toBe('ENROLLMENT_STALE');
    const history = await env.HALL_DB.prepare('SELECT signed_by, enrolled_by FROM enrollments WHERE worker_id = ?').bind('org.demo.signed-translator').first();
    expect(history).toMatchObject({ signed_by: 'demo-k1', enrolled_by: 'tenant:demo' });
  });
});

describe('corrupt namespace key sets fail closed', () => {
  it('a stored key set that is unreadable, empty or bound elsewhere refuses enrollments (503), never "no keys"', async () => {
    for (const bad of ['{not json', '{"keys": []}', '{"keys": "nope"}', '{"namespace": "org.acme"}']) {
      await env.HALL_KV.put('ns:org.acme', bad);
      const res = await enroll(record('org.acme.corrupt-case', { worker_species_id: 'wrk.acme.corrupt-case' }), ACME);
      expect(res.status, bad).toBe(503);
      expect((await json(res)).code).toBe('NAMESPACE_KEYS_UNAVAILABLE');
    }
    await env.HALL_KV.delete('ns:org.acme');
    expect((await enroll(record('org.acme.corrupt-case', { worker_species_id: 'wrk.acme.corrupt-case' }), ACME)).status).toBe(201);
  });
});

describe('DELETE /workers/:worker_id', () => {
  it('admin only; the worker disappears from discovery; 404 afterwards', async () => {
    expect((await call('/workers/x.someone.tool', { method: 'DELETE', token: DEMO })).status).toBe(403);
    expect((await call('/workers/x.someone.tool', { method: 'DELETE', token: ADMIN })).status).toBe(200);
    const workers = await json(await call('/wcp/workers?limit=500'));
    expect(workers.workers.map((w: { worker_id: string }) => w.worker_id)).not.toContain('x.someone.tool');
    const again = await call('/workers/x.someone.tool', { method: 'DELETE', token: ADMIN });
    expect(again.status).toBe(404);
    expect((await json(again)).code).toBe('WORKER_NOT_FOUND');
  });
});
