// RegistryClient against a loopback server speaking the pyhall registry API (the endpoint
// mapping documented in src/client/registry-client.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CODES, HallApiError, RegistryClient } from '../../src/client/entry.js';
import { Hall } from '../../src/routing/index.js';
import { json, problem, startLoopback, type Loopback } from './loopback.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const H3 = 'c'.repeat(64);

let reg: Loopback;
beforeAll(async () => {
  reg = await startLoopback();
});
afterAll(() => reg.close());

const workers: Record<string, Record<string, unknown>> = {
  'org.demo.fetcher': { worker_id: 'org.demo.fetcher', status: 'active', current_hash: H1, banned: false, ban_reason: null, attested_at: '2026-11-01T00:00:00Z', ai_generated: true, ai_service: 'claude', ai_model: 'm', ai_session_fingerprint: 'fp' },
  'org.demo.revoked': { worker_id: 'org.demo.revoked', status: 'revoked', current_hash: H2, banned: false },
  'org.demo.banned': { worker_id: 'org.demo.banned', status: 'banned', current_hash: H3, banned: true, ban_reason: 'backdoor' },
  'org.demo.weird': { worker_id: 'org.demo.weird', status: 'active', current_hash: 'not-a-hash' },
};

beforeEach(() => {
  reg.reset();
  reg.on('GET /health', (_r, res) => json(res, 200, { ok: true, version: '0.2.0' }));
  for (const [id, body] of Object.entries(workers)) reg.on(`GET /api/v1/verify/${id}`, (_r, res) => json(res, 200, body));
  reg.on('GET /api/v1/ban-list', (r, res) =>
    json(res, 200, [
      { sha256: H3, reason: 'backdoor', reported_at: '2026-11-01', source: 'admin' },
      { sha256: 'D'.repeat(64), reason: 'miner', reported_at: '2026-11-02', source: 'community', review_status: 'confirmed' },
    ].slice(0, Number(r.query.get('limit')))),
  );
});

const seenOn = (route: string) => reg.seen.filter((s) => `${s.method} ${s.path}` === route);

describe('RegistryClient', () => {
  it('defaults to api.pyhall.dev and takes a configurable URL', () => {
    expect(new RegistryClient().baseUrl).toBe('https://api.pyhall.dev');
    expect(new RegistryClient({ baseUrl: `${reg.url}/` }).baseUrl).toBe(reg.url);
  });

  it('verifies a worker, and answers status "unknown" for a 404 instead of throwing', async () => {
    const c = new RegistryClient({ baseUrl: reg.url });
    expect(await c.verifyWorker('org.demo.fetcher')).toEqual(workers['org.demo.fetcher']);
    expect(await c.verifyWorker('org.nobody.x')).toMatchObject({ worker_id: 'org.nobody.x', status: 'unknown', current_hash: null, banned: false });
    // A malformed hash from the registry is never passed on.
    expect((await c.verifyWorker('org.demo.weird')).current_hash).toBeNull();
  });

  it('reads the ban list and checks hashes against it (sha256: prefix and case ignored)', async () => {
    const c = new RegistryClient({ baseUrl: reg.url });
    const list = await c.banList({ limit: 5 });
    expect(list.map((e) => e.sha256)).toEqual([H3, 'd'.repeat(64)]);
    expect(await c.isHashBanned(`sha256:${H3.toUpperCase()}`)).toBe(true);
    expect(await c.isHashBanned(H1)).toBe(false);
    await expect(c.isHashBanned('nope')).rejects.toMatchObject({ code: CLIENT_CODES.INVALID_ARGUMENT });
  });

  it('sends the bearer token on authenticated calls, never cookies, and none to public health', async () => {
    reg.on('POST /api/v1/ban-list/report', (r, res) => json(res, 202, { received: JSON.parse(r.body.toString()) }));
    reg.on('PUT /api/v1/workers/org.demo.fetcher/attest', (r, res) => json(res, 200, { worker_id: 'org.demo.fetcher', ...JSON.parse(r.body.toString()) }));
    const c = new RegistryClient({ baseUrl: reg.url, token: 'registry-jwt' });
    expect(await c.health()).toEqual({ ok: true, version: '0.2.0' });
    await c.reportHash(`sha256:${H2}`, { reason: 'Backdoored dependency', evidenceUrl: 'https://example.com/e' });
    const att = await c.submitAttestation({ workerId: 'org.demo.fetcher', workerSpeciesId: 'wrk.web.fetch', packageHash: H1, workerVersion: '1.0.0', aiGenerated: true, aiService: 'claude' });
    expect(att).toMatchObject({ worker_id: 'org.demo.fetcher', package_hash: H1, worker_species_id: 'wrk.web.fetch', worker_version: '1.0.0', ai_generated: true, ai_service: 'claude' });
    expect(seenOn('GET /health')[0]!.headers.authorization).toBeUndefined();
    const report = seenOn('POST /api/v1/ban-list/report')[0]!;
    expect(report.headers.authorization).toBe('Bearer registry-jwt');
    expect(JSON.parse(report.body.toString())).toEqual({ sha256: H2, reason: 'Backdoored dependency', evidence_url: 'https://example.com/e' });
    for (const s of reg.seen) expect(s.headers.cookie).toBeUndefined();
  });

  it('surfaces the registry error code, and retries reads on 429 with Retry-After', async () => {
    reg.on('PUT /api/v1/workers/org.demo.fetcher/attest', (_r, res) => problem(res, 401, 'AUTH_REQUIRED', 'Sign in first.'));
    const c = new RegistryClient({ baseUrl: reg.url, retryDelayMs: 1 });
    const err = (await c.submitAttestation({ workerId: 'org.demo.fetcher', workerSpeciesId: 'wrk.web.fetch', packageHash: H1, workerVersion: '1' }).catch((e) => e)) as HallApiError;
    expect(err).toBeInstanceOf(HallApiError);
    expect([err.status, err.code]).toEqual([401, 'AUTH_REQUIRED']);

    let n = 0;
    reg.on('GET /health', (_r, res) => (n++ === 0 ? problem(res, 429, 'RATE_LIMITED', 'slow down', {}, { 'retry-after': '0' }) : json(res, 200, { ok: true })));
    expect(await c.health()).toEqual({ ok: true });
    expect(n).toBe(2);
  });

  describe('prefetch and getWorkerHash (routing-time attestation)', () => {
    it('serves only active, unbanned, fresh hashes, and fails closed on lookup errors', async () => {
      reg.on('GET /api/v1/verify/org.demo.down', (_r, res) => problem(res, 500, 'INTERNAL', 'boom'));
      let now = 1_000_000;
      const c = new RegistryClient({ baseUrl: reg.url, cacheTtlMs: 60_000, now: () => now, retries: 0 });
      const ids = ['org.demo.fetcher', 'org.demo.revoked', 'org.demo.banned', 'org.demo.down', 'org.nobody.x'];
      const report = await c.prefetch([...ids, 'org.demo.fetcher']);
      expect(report.cached.sort()).toEqual(['org.demo.banned', 'org.demo.fetcher', 'org.demo.revoked', 'org.nobody.x']);
      expect(report.failed).toEqual([{ worker_id: 'org.demo.down', code: 'INTERNAL' }]);
      const lookup = c.workerHashLookup();
      expect(ids.map(lookup)).toEqual([H1, null, null, null, null]);
      expect(c.getWorkerHash('never.prefetched')).toBeNull();

      // Fresh entries are not fetched again; expired ones are.
      const before = reg.seen.length;
      await c.prefetch(['org.demo.fetcher']);
      expect(reg.seen.length).toBe(before);
      now += 60_001;
      expect(c.getWorkerHash('org.demo.fetcher')).toBeNull();
      await c.prefetch(['org.demo.fetcher']);
      expect(reg.seen.length).toBe(before + 1);
      expect(c.getWorkerHash('org.demo.fetcher')).toBe(H1);
    });

    it('counts decisions locally and shares them only when asked to', async () => {
      reg.on('POST /api/v1/telemetry/decisions', (_r, res) => json(res, 202, {}));
      const quiet = new RegistryClient({ baseUrl: reg.url });
      quiet.recordDecision({ selected_worker_species_id: 'wrk.web.fetch' });
      await quiet.prefetch(['org.demo.fetcher']);
      expect(seenOn('POST /api/v1/telemetry/decisions')).toHaveLength(0);

      const sharing = new RegistryClient({ baseUrl: reg.url, shareDecisionCounts: true, token: 't' });
      sharing.recordDecision({ selected_worker_species_id: 'wrk.web.fetch' });
      sharing.recordDecision({ selected_worker_species_id: 'wrk.web.fetch' });
      sharing.recordDecision({ selected_worker_species_id: null });
      await sharing.prefetch(['org.demo.fetcher']);
      const sent = seenOn('POST /api/v1/telemetry/decisions');
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]!.body.toString())).toEqual({ decisions: [{ worker_id: 'wrk.web.fetch', count: 2 }] });
    });
  });

  it('feeds routing-time attestation: a registry hash that matches allows, a changed package or a revoked worker denies', async () => {
    reg.on('GET /api/v1/verify/wrk.doc.summarizer', (_r, res) => json(res, 200, { worker_id: 'wrk.doc.summarizer', status: 'active', current_hash: H1, banned: false }));
    reg.on('GET /api/v1/verify/wrk.doc.revoked', (_r, res) => json(res, 200, { worker_id: 'wrk.doc.revoked', status: 'revoked', current_hash: H1, banned: false }));
    const registry = new RegistryClient({ baseUrl: reg.url });
    const report = await registry.prefetch(['wrk.doc.summarizer', 'wrk.doc.revoked']);
    expect(report.failed).toEqual([]);

    const running: Record<string, string> = { 'wrk.doc.summarizer': H1, 'wrk.doc.revoked': H1 };
    const rule = (cap: string, species: string) => ({
      rule_id: `rr_${species.replace(/\W/g, '_')}`,
      match: { capability_id: cap },
      decision: { candidate_workers_ranked: [{ worker_species_id: species, score_hint: 1 }] },
    });
    const hall = new Hall({
      rules: { rules: [rule('cap.doc.summarize', 'wrk.doc.summarizer'), rule('cap.doc.archive', 'wrk.doc.revoked')] },
      workers: [
        { worker_id: 'org.demo.summarizer', worker_species_id: 'wrk.doc.summarizer', capabilities: ['cap.doc.summarize'], currently_implements: [] },
        { worker_id: 'org.demo.archiver', worker_species_id: 'wrk.doc.revoked', capabilities: ['cap.doc.archive'], currently_implements: [] },
      ],
      config: { require_worker_attestation: true },
      registryClient: registry,
      getRegisteredHash: registry.workerHashLookup(),
      getCurrentHash: (species) => running[species] ?? null,
    });
    const input = { env: 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', tenant_id: 'demo', correlation_id: 'c-1' } as const;

    const allowed = await hall.route({ ...input, capability_id: 'cap.doc.summarize' });
    expect([allowed.denied, allowed.worker_attestation_checked, allowed.worker_attestation_valid]).toEqual([false, true, true]);

    running['wrk.doc.summarizer'] = H2; // the deployed package changed after attestation
    const tampered = await hall.route({ ...input, capability_id: 'cap.doc.summarize' });
    expect(tampered.denied).toBe(true);
    expect(tampered.deny_reason_if_denied?.code).toMatch(/^DENY_WORKER_/);

    const revoked = await hall.route({ ...input, capability_id: 'cap.doc.archive' });
    expect(revoked.denied).toBe(true);
    expect(revoked.deny_reason_if_denied?.code).toBe('DENY_WORKER_ATTESTATION_MISSING');
  });
});

