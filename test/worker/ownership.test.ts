// The registry's trust boundary: species belong to one namespace, a species names one worker record,
// enrollments are atomic and bounded, the snapshot reads a fixed number of KV keys, and a revoked
// token stops working on every isolate as soon as it sees the new generation.
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { createHallWorker, defaultStores } from '../../worker/app.js';
import type { HallStores } from '../../worker/context.js';
import type { HallEnv } from '../../worker/env.js';
import type { ConfigStore } from '../../worker/stores/config-store.js';
import { StoreUnavailableError } from '../../worker/stores/errors.js';
import type { RegistryStore } from '../../worker/stores/registry-store.js';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv } from './helpers.js';

const ZETA = 'zeta-tenant-token-0123456789abcdef';
const OMEGA = 'omega-tenant-token-0123456789abcdef';

function record(workerId: string, species: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const r: Record<string, unknown> = {
    worker_id: workerId,
    worker_species_id: species,
    capabilities: ['cap.doc.summarize'],
    risk_tier: 'low',
    currently_implements: ['ctrl.obs.audit-log-append-only'],
    ...over,
  };
  return { ...r, artifact_hash: enrollmentArtifactHash(r) };
}

const enroll = (body: unknown, token: string) => call('/enroll', { method: 'POST', token, json: body });

function hallWith(wrap: (s: HallStores) => HallStores) {
  return createHallWorker({ makeStores: (e: HallEnv) => wrap(defaultStores(e)) });
}

async function send(hall: ReturnType<typeof createHallWorker>, path: string, init: { method?: string; token: string; json?: unknown }, e: HallEnv = env as HallEnv): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token}` };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const req = new Request(`http://hall.test${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? null : JSON.stringify(init.json) });
  return hall.fetch(req, e, createExecutionContext());
}

beforeAll(async () => {
  await seedKv();
  await addTenant('zeta', ZETA, ['org.zeta']);
  await addTenant('omega', OMEGA, ['org.omega']);
});

describe('species ownership (finding: species hijack)', () => {
  it('another namespace cannot enroll a species the seed owns; demo keeps routing to its own worker', async () => {
    const hijack = await enroll(record('org.zeta.summarizer', 'wrk.doc.summarizer'), ZETA);
    expect(hijack.status).toBe(403);
    const problem = await json(hijack);
    expect(problem.code).toBe('SPECIES_OWNED');
    expect(problem.detail ?? problem.message ?? JSON.stringify(problem)).toContain('org.demo');

    const res = await call('/route', { method: 'POST', token: DEMO, json: routeInput() });
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(false);
    expect(decision.selected_worker_species_id).toBe('wrk.doc.summarizer');
    expect(receipt.worker_id).toBe('org.demo.doc-summarizer');
    const workers = await json(await call('/wcp/workers?limit=500'));
    expect(workers.workers.map((w: { worker_id: string }) => w.worker_id)).not.toContain('org.zeta.summarizer');
  });

  it('a second worker id for an owned species is refused (one record per species)', async () => {
    const res = await enroll(record('org.demo.summarizer-two', 'wrk.doc.summarizer'), DEMO);
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe('SPECIES_ALREADY_ENROLLED');
  });

  it('concurrent first enrollments of a new species by two namespaces: exactly one wins', async () => {
    const species = `wrk.race.s${crypto.randomUUID().slice(0, 8)}`;
    const results = await Promise.all([
      enroll(record('org.zeta.racer', species), ZETA),
      enroll(record('org.omega.racer', species), OMEGA),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403 || s === 409)).toHaveLength(1);
    const owners = await json(await call('/admin/species', { token: ADMIN }));
    const owner = owners.species.find((o: { worker_species_id: string }) => o.worker_species_id === species);
    const winner = results[0]!.status === 201 ? 'org.zeta' : 'org.omega';
    expect(owner.namespace).toBe(winner);
  });

  it('the admin can assign a species up front; then only that namespace may enroll it', async () => {
    const species = 'wrk.reserved.tool';
    const put = await call(`/admin/species/${species}`, { method: 'PUT', token: ADMIN, json: { namespace: 'org.omega' } });
    expect(put.status).toBe(200);
    expect((await json(await enroll(record('org.zeta.tool', species), ZETA))).code).toBe('SPECIES_OWNED');
    expect((await enroll(record('org.omega.tool', species), OMEGA)).status).toBe(201);
    // Reassigning displaces the old holder: it stops being selectable at once.
    const moved = await json(await call(`/admin/species/${species}`, { method: 'PUT', token: ADMIN, json: { namespace: 'org.zeta' } }));
    expect(moved.displaced_worker_id).toBe('org.omega.tool');
    const workers = await json(await call('/wcp/workers?limit=500'));
    expect(workers.workers.map((w: { worker_id: string }) => w.worker_id)).not.toContain('org.omega.tool');
    expect((await call('/admin/species/not-a-species', { method: 'PUT', token: ADMIN, json: { namespace: 'org.zeta' } })).status).toBe(400);
    expect((await call(`/admin/species/${species}`, { method: 'PUT', token: ZETA, json: { namespace: 'org.zeta' } })).status).toBe(403);
  });

  it('uploading rules that name an unowned species warns (the first enroller would serve them) until it is assigned', async () => {
    const species = `wrk.pending.s${crypto.randomUUID().slice(0, 8)}`;
    const current = (await json(await call('/admin/rules', { token: ADMIN }))).document;
    const doc = structuredClone(current);
    doc.rules.push({ rule_id: `rr_pending_${species.slice(-8)}`, match: { capability_id: `cap.pending.${species.slice(-8)}`, env: 'dev' }, decision: { candidate_workers_ranked: [{ worker_species_id: species, score_hint: 1 }] } });
    const first = await json(await call('/admin/rules', { method: 'PUT', token: ADMIN, json: doc }));
    const warning = first.warnings.find((w: { code: string }) => w.code === 'species_unowned');
    expect(warning).toMatchObject({ severity: 'warning', path: ['rules', doc.rules.length - 1, 'decision', 'candidate_workers_ranked', 0, 'worker_species_id'] });
    expect(warning.message).toContain(`PUT /admin/species/${species}`);
    expect((await call(`/admin/species/${species}`, { method: 'PUT', token: ADMIN, json: { namespace: 'org.omega' } })).status).toBe(200);
    const again = await json(await call('/admin/rules', { method: 'PUT', token: ADMIN, json: doc }));
    expect(again.warnings.some((w: { code: string }) => w.code === 'species_unowned')).toBe(false);
    expect((await call('/admin/rules', { method: 'PUT', token: ADMIN, json: current })).status).toBe(201);
  });

  it('a tenant may remove its own worker, never another namespace\'s', async () => {
    expect((await enroll(record('org.zeta.temp', 'wrk.zeta.temp'), ZETA)).status).toBe(201);
    expect((await call('/workers/org.zeta.temp', { method: 'DELETE', token: OMEGA })).status).toBe(403);
    expect((await call('/workers/org.zeta.temp', { method: 'DELETE', token: ZETA })).status).toBe(200);
    // The species stays zeta's after the removal.
    expect((await json(await enroll(record('org.omega.temp', 'wrk.zeta.temp'), OMEGA))).code).toBe('SPECIES_OWNED');
  });
});

describe('bounds and atomicity (finding: unbounded enrollments)', () => {
  it('a namespace holds at most HALL_MAX_WORKERS_PER_NAMESPACE workers; re-enrolling an existing one is fine', async () => {
    const hall = createHallWorker();
    const limited = { ...env, HALL_MAX_WORKERS_PER_NAMESPACE: '3' } as HallEnv;
    const have = (await env.HALL_DB.prepare("SELECT COUNT(*) AS n FROM registry_workers WHERE namespace = 'org.omega'").first<{ n: number }>())!.n;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(hall, '/enroll', { method: 'POST', token: OMEGA, json: record(`org.omega.q${i}`, `wrk.omega.q${i}`) }, limited)).status);
    const allowed = Math.max(0, 3 - have);
    expect(statuses.slice(0, allowed).every((s) => s === 201)).toBe(true);
    const refused = await send(hall, '/enroll', { method: 'POST', token: OMEGA, json: record('org.omega.q-extra', 'wrk.omega.q-extra') }, limited);
    expect(refused.status).toBe(409);
    expect((await json(refused)).code).toBe('NAMESPACE_WORKER_QUOTA_EXCEEDED');
    expect((await send(hall, '/enroll', { method: 'POST', token: OMEGA, json: record('org.omega.q0', 'wrk.omega.q0', { description: 'v2' }) }, limited)).status).toBe(201);
  });

  it('a failed enrollment leaves nothing behind (no record, no history) and answers 503', async () => {
    const failing = hallWith((s) => {
      const registry = Object.create(s.registry) as RegistryStore;
      registry.enroll = async () => {
        throw new StoreUnavailableError('d1', 'enroll', new Error('D1_ERROR: injected'));
      };
      return { ...s, registry };
    });
    const res = await send(failing, '/enroll', { method: 'POST', token: ZETA, json: record('org.zeta.half', 'wrk.zeta.half') });
    expect(res.status).toBe(503);
    expect(await env.HALL_DB.prepare("SELECT COUNT(*) AS n FROM enrollments WHERE worker_id = 'org.zeta.half'").first()).toEqual({ n: 0 });
    expect(await env.HALL_DB.prepare("SELECT COUNT(*) AS n FROM registry_workers WHERE worker_id = 'org.zeta.half'").first()).toEqual({ n: 0 });
  });

  it('enrollments write no KV at all (KV allows one write per second per key) and many in a row all apply', async () => {
    let kvWrites = 0;
    const counting = hallWith((s) => {
      const config: ConfigStore = { ...s.config, get: (k) => s.config.get(k), list: (p) => s.config.list(p), put: async (k, v) => { kvWrites++; return s.config.put(k, v); }, delete: async (k) => { kvWrites++; return s.config.delete(k); } };
      return { ...s, config };
    });
    for (let i = 0; i < 10; i++) {
      const res = await send(counting, '/enroll', { method: 'POST', token: ZETA, json: record(`org.zeta.burst${i}`, `wrk.zeta.burst${i}`) });
      expect(res.status).toBe(201);
    }
    expect(kvWrites).toBe(0);
    const workers = await json(await call('/wcp/workers?limit=500'));
    for (let i = 0; i < 10; i++) expect(workers.workers.map((w: { worker_id: string }) => w.worker_id)).toContain(`org.zeta.burst${i}`);
  });

  it('a snapshot costs a fixed number of KV reads however many workers are enrolled', async () => {
    const reads: string[] = [];
    let registryLoads = 0;
    const counting = hallWith((s) => {
      const config: ConfigStore = { get: (k) => (reads.push(k), s.config.get(k)), list: (p) => (reads.push(`list:${p}`), s.config.list(p)), put: (k, v) => s.config.put(k, v), delete: (k) => s.config.delete(k) };
      const registry = Object.create(s.registry) as RegistryStore;
      registry.load = () => (registryLoads++, s.registry.load());
      return { ...s, config, registry };
    });
    const workers = (await env.HALL_DB.prepare('SELECT COUNT(*) AS n FROM registry_workers').first<{ n: number }>())!.n;
    expect(workers).toBeGreaterThan(15);
    const res = await send(counting, '/wcp/health', { token: DEMO });
    expect(res.status).toBe(200);
    const snapshotReads = reads.filter((k) => !k.startsWith('token:') && !k.startsWith('tenant:'));
    expect(snapshotReads.length).toBeLessThanOrEqual(7);
    expect(snapshotReads.some((k) => k.startsWith('worker:') || k.startsWith('list:'))).toBe(false);
    expect(registryLoads).toBe(1);
  });
});

describe('revocation (finding: deleted/rotated tokens keep working)', () => {
  it('a token deleted through one isolate is refused at once by another that had it cached', async () => {
    const token = 'kappa-tenant-token-0123456789abcdef';
    await addTenant('kappa', token);
    const other = createHallWorker({ tokenCacheMs: 60_000 });
    expect((await send(other, '/decisions?tenant_id=kappa&limit=1', { token })).status).toBe(200);
    expect((await call('/admin/tenants/kappa', { method: 'DELETE', token: ADMIN })).status).toBe(200);
    const after = await send(other, '/decisions?tenant_id=kappa&limit=1', { token });
    expect(after.status).toBe(401);
  });

  it('a rotated token is refused at once elsewhere, and can never be re-assigned', async () => {
    const first = 'lambda-first-token-0123456789abcdef';
    const second = 'lambda-second-token-0123456789abcdef';
    await addTenant('lambda', first);
    const other = createHallWorker({ tokenCacheMs: 60_000 });
    expect((await send(other, '/decisions?tenant_id=lambda&limit=1', { token: first })).status).toBe(200);
    expect((await call('/admin/tenants/lambda', { method: 'PUT', token: ADMIN, json: { token: second } })).status).toBe(200);
    expect((await send(other, '/decisions?tenant_id=lambda&limit=1', { token: first })).status).toBe(401);
    expect((await send(other, '/decisions?tenant_id=lambda&limit=1', { token: second })).status).toBe(200);
    const reuse = await call('/admin/tenants/lambda', { method: 'PUT', token: ADMIN, json: { token: first } });
    expect(reuse.status).toBe(409);
    expect((await json(reuse)).code).toBe('TOKEN_REVOKED');
  });
});

describe('POST /admin/registry/import-kv (v0.1 registries move into D1, nothing lost)', () => {
  it('imports KV worker records once, skips species owned elsewhere, never replaces D1 records', async () => {
    const legacy = record('org.legacy.thing', 'wrk.legacy.thing');
    const squatter = record('org.legacy.summarizer', 'wrk.doc.summarizer');
    await env.HALL_KV.put('worker:org.legacy.thing', JSON.stringify(legacy));
    await env.HALL_KV.put('worker:org.legacy.summarizer', JSON.stringify(squatter));
    await env.HALL_KV.put('worker:org.legacy.broken', '{not json');
    const res = await call('/admin/registry/import-kv', { method: 'POST', token: ADMIN });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.imported).toEqual(['org.legacy.thing']);
    expect(body.skipped.map((s: { worker_id: string }) => s.worker_id).sort()).toEqual(['org.legacy.broken', 'org.legacy.summarizer']);
    const workers = await json(await call('/wcp/workers?limit=500'));
    expect(workers.workers.find((w: { worker_id: string }) => w.worker_id === 'org.legacy.thing')).toMatchObject({ namespace: 'org.legacy' });
    // Idempotent: a second call imports nothing new; the KV keys are still there.
    expect((await json(await call('/admin/registry/import-kv', { method: 'POST', token: ADMIN }))).imported).toEqual([]);
    expect(await env.HALL_KV.get('worker:org.legacy.thing')).not.toBeNull();
    expect((await call('/admin/registry/import-kv', { method: 'POST', token: DEMO })).status).toBe(403);
    for (const k of ['worker:org.legacy.thing', 'worker:org.legacy.summarizer', 'worker:org.legacy.broken']) await env.HALL_KV.delete(k);
  });
});
