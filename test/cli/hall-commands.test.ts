// enroll, status, route --hall and approvals against a live local Hall (the real worker in
// Miniflare, seed loaded), run in-process the way a shell runs `edgehall`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentArtifactHash } from '../../src/client/index.js';
import { exportEd25519PrivateJwk, exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { cli, jsonLines } from './helpers.js';

const example = (name: string) => fileURLToPath(new URL(`../../kv-seed/examples/${name}.json`, import.meta.url));

let hall: LiveHall;
let dir: string;
/** The demo tenant's token, in the default variable; EDGEHALL_URL unset so --hall decides. */
let demo: Record<string, string | undefined>;
let admin: Record<string, string | undefined>;

beforeAll(async () => {
  hall = await startLiveHall();
  dir = mkdtempSync(join(tmpdir(), 'edgehall-cli-hall-'));
  demo = { EDGEHALL_TOKEN: hall.demoToken, EDGEHALL_URL: undefined };
  admin = { EDGEHALL_TOKEN: undefined, HALL_ADMIN: hall.adminToken, EDGEHALL_URL: undefined };
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await hall?.close();
});

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const translator = {
  worker_id: 'org.demo.translator',
  worker_species_id: 'wrk.doc.translator',
  capabilities: ['cap.doc.translate'],
  currently_implements: ['ctrl.obs.audit-log-append-only'],
  risk_tier: 'low',
};

describe('edgehall enroll', () => {
  it('enrolls a new worker with the computed artifact_hash (201), says when the file held another, and re-enrolls', async () => {
    const stale = `sha256:${'0'.repeat(64)}`;
    const rec = file('translator.json', JSON.stringify({ ...translator, artifact_hash: stale }));
    const r = await cli(['enroll', rec, '--hall', hall.url, '--json'], demo);
    expect(r.code, r.err).toBe(0);
    const [out] = jsonLines(r.out) as Record<string, unknown>[];
    const computed = enrollmentArtifactHash(translator);
    expect(out).toMatchObject({ enrolled: true, worker_id: 'org.demo.translator', artifact_hash_verified: true, artifact_hash: computed, artifact_hash_replaced: { from: stale, to: computed }, signing_key_id: null });
    expect(r.err).toContain(`artifact_hash ${stale} is not the record's hash`);

    const again = await cli(['enroll', file('translator2.json', JSON.stringify(translator)), '--hall', hall.url], demo);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('enrolled org.demo.translator (wrk.doc.translator)');
    expect(again.out).toContain(computed);
    expect(again.err).toBe('');
    // The Hall's own registry now lists it.
    const st = await cli(['status', '--hall', hall.url, '--json'], { EDGEHALL_TOKEN: undefined });
    expect((jsonLines(st.out)[0] as { workers: { ids: string[] } }).workers.ids).toContain('org.demo.translator');
  });

  it('a refusal exits 1 with the Hall code and sentence (another tenant\'s namespace)', async () => {
    const rec = file('foreign.json', JSON.stringify({ ...translator, worker_id: 'org.other.translator' }));
    const r = await cli(['enroll', rec, '--hall', hall.url], demo);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NAMESPACE_FORBIDDEN: \S.+/);
  });

  it('malformed or unreadable files exit 2 naming the path; nothing is sent', async () => {
    const bad = file('bad.json', '{"worker_id": ');
    const r = await cli(['enroll', bad, '--hall', hall.url], demo);
    expect(r.code).toBe(2);
    expect(r.err).toContain(bad);
    expect(r.err).toContain('not valid JSON');
    const missing = join(dir, 'nope.json');
    const m = await cli(['enroll', missing, '--hall', hall.url], demo);
    expect([m.code, m.err.includes(missing)]).toEqual([2, true]);
    const arr = await cli(['enroll', file('arr.json', '[]'), '--hall', hall.url], demo);
    expect([arr.code, arr.err]).toEqual([2, expect.stringContaining('one JSON object')]);
    const key = await cli(['enroll', file('t3.json', JSON.stringify(translator)), '--key', bad, '--hall', hall.url], demo);
    expect([key.code, key.err]).toEqual([2, expect.stringContaining(`--key ${bad}`)]);
  });

  it('no token exits 2 with what to set; a down Hall exits 3 with a sentence', async () => {
    const rec = file('t4.json', JSON.stringify(translator));
    const n = await cli(['enroll', rec, '--hall', hall.url], { EDGEHALL_TOKEN: undefined });
    expect(n.code).toBe(2);
    expect(n.err).toContain('no token: set EDGEHALL_TOKEN');
    const d = await cli(['enroll', rec, '--hall', 'http://127.0.0.1:9'], demo);
    expect(d.code).toBe(3);
    expect(d.err).toContain('cannot reach the Hall (http://127.0.0.1:9)');
    expect(d.err).not.toContain(hall.demoToken);
  });

  it('signs with --key once the admin registers the namespace key; unsigned is then refused', async () => {
    const pair = await generateEd25519KeyPair();
    // keygen's default kid is the thumbprint; the signer must present the same kid.
    const priv = exportEd25519PrivateJwk(pair, { ns: 'org.demo' });
    const pub = exportEd25519PublicJwk(pair.publicKey, { ns: 'org.demo' });
    const res = await fetch(`${hall.url}/admin/namespaces/org.demo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${hall.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ keys: [pub] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const keyFile = file('demo.private.jwk', JSON.stringify(priv));
    const rec = file('signed.json', JSON.stringify({ worker_id: 'org.demo.signed', worker_species_id: 'wrk.doc.signed', capabilities: ['cap.doc.sign'], currently_implements: [] }));

    const unsigned = await cli(['enroll', rec, '--hall', hall.url], demo);
    expect(unsigned.code).toBe(1);
    expect(unsigned.err).toMatch(/ENROLLMENT_SIGNATURE_REQUIRED: \S.+/);

    const signed = await cli(['enroll', rec, '--key', keyFile, '--hall', hall.url, '--json'], demo);
    expect(signed.code, signed.err).toBe(0);
    expect(jsonLines(signed.out)[0]).toMatchObject({ enrolled: true, worker_id: 'org.demo.signed', signing_key_id: pub.kid, signed_by: expect.anything() });

    // A key the Hall does not hold for the namespace is refused, not silently accepted.
    const other = exportEd25519PrivateJwk(await generateEd25519KeyPair(), { ns: 'org.demo' });
    const wrong = await cli(['enroll', rec, '--key', file('other.jwk', JSON.stringify(other)), '--hall', hall.url], demo);
    expect(wrong.code).toBe(1);
  });
});

describe('edgehall status', () => {
  it('prints health, rules version, generation, workers and pending approvals (human)', async () => {
    const r = await cli(['status', '--hall', hall.url], demo);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Hall ${hall.url}: ok`);
    expect(r.out).toMatch(/rules version\s+\S+/);
    expect(r.out).toMatch(/generation\s+\d+/);
    expect(r.out).toMatch(/problems\s+none/);
    expect(r.out).toMatch(/workers enrolled\s+\d+: .*wrk|workers enrolled\s+\d+: .*org\./);
    expect(r.out).toMatch(/pending approvals \d+/);
  });

  it('--json is one object; without a token approvals are null; a down Hall exits 3', async () => {
    const r = await cli(['status', '--hall', hall.url, '--json'], { EDGEHALL_TOKEN: undefined });
    expect(r.code, r.err).toBe(0);
    const lines = jsonLines(r.out) as Record<string, any>[];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ hall: hall.url, health: { status: 'ok', problems: [] }, pending_approvals: null });
    expect(lines[0]!.workers.total).toBe(lines[0]!.health.workers_enrolled);
    expect(lines[0]!.workers.ids).toHaveLength(lines[0]!.workers.total);

    const down = await cli(['status', '--hall', 'http://127.0.0.1:9', '--json'], {});
    expect(down.code).toBe(3);
    expect(down.err).toContain('cannot reach the Hall');
    expect(jsonLines(down.out)[0]).toMatchObject({ error: { code: expect.any(String) } });
  });
});

describe('edgehall route --hall', () => {
  it('allowed exits 0 with the decision and a verified receipt; denied exits 1', async () => {
    const a = await cli(['route', '--hall', hall.url, example('route')], demo);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toContain('ALLOWED → wrk.doc.summarizer');
    expect(a.out).toMatch(/receipt\s+\S+ \(tenant demo seq \d+, ALLOW, key /);

    const j = await cli(['route', example('route'), '--json'], { ...demo, EDGEHALL_URL: hall.url });
    expect(j.code, j.err).toBe(0);
    const [res] = jsonLines(j.out) as { decision: { denied: boolean; decision_id: string }; receipt: { decision_id: string } }[];
    expect(res!.decision.denied).toBe(false);
    expect(res!.receipt.decision_id).toBe(res!.decision.decision_id);

    const d = await cli(['route', '--hall', hall.url, example('route-denied')], demo);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(/^DENIED DENY_\w+/);
  });

  it('invalid input and files exit 2; no token 2; a down Hall 3', async () => {
    const bad = file('in-bad.json', '{');
    expect((await cli(['route', '--hall', hall.url, bad], demo)).code).toBe(2);
    const wrongEnv = file('in-env.json', JSON.stringify({ ...JSON.parse(readFileSync(example('route'), 'utf8')), env: 'moon' }));
    const w = await cli(['route', '--hall', hall.url, wrongEnv], demo);
    expect(w.code).toBe(2);
    expect(w.err).toContain('env');
    expect((await cli(['route', '--hall', hall.url, example('route')], { EDGEHALL_TOKEN: undefined })).code).toBe(2);
    const down = await cli(['route', '--hall', 'http://127.0.0.1:9', example('route')], demo);
    expect(down.code).toBe(3);
    expect(down.err).toContain('cannot reach the Hall');
  });
});

describe('edgehall approvals', () => {
  it('REQUIRE_HUMAN opens one; list shows it; approve resolves it; re-route with --approval-id is allowed', async () => {
    const first = await cli(['route', '--hall', hall.url, example('route-require-human'), '--json'], demo);
    expect(first.code).toBe(1);
    const decision = (jsonLines(first.out)[0] as { decision: { pending_approval_id: string; deny_reason_if_denied: { code: string } } }).decision;
    expect(decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    const id = decision.pending_approval_id;
    expect(id).toEqual(expect.any(String));

    const list = await cli(['approvals', 'list', '--hall', hall.url, '--token-env', 'HALL_ADMIN'], admin);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain(id);
    expect(list.out).toMatch(/tenant demo\s+cap\.doc\.summarize\s+prod\/RESTRICTED/);
    expect(list.out).toMatch(/expires \d{4}-/);
    const listJson = await cli(['approvals', 'list', '--tenant', 'demo', '--hall', hall.url, '--token-env', 'HALL_ADMIN', '--json'], admin);
    expect((jsonLines(listJson.out)[0] as { approvals: { approval_id: string }[] }).approvals.map((a) => a.approval_id)).toContain(id);

    // A tenant may see but not resolve its own approval.
    const self = await cli(['approvals', 'approve', id, '--hall', hall.url], demo);
    expect(self.code).toBe(1);
    expect(self.err).toContain('APPROVER_REQUIRED');

    const ok = await cli(['approvals', 'approve', id, '--reason', 'reviewed the document scope', '--hall', hall.url, '--token-env', 'HALL_ADMIN'], admin);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`approved ${id}`);
    expect(ok.out).toMatch(/status\s+approved/);

    const show = await cli(['approvals', 'show', id, '--hall', hall.url, '--json'], demo);
    expect(show.code, show.err).toBe(0);
    const shown = jsonLines(show.out)[0] as { status: string; history?: unknown[] };
    expect(shown.status).toBe('approved');
    const human = await cli(['approvals', 'show', id, '--hall', hall.url], demo);
    expect(human.out).toContain('reviewed the document scope');
    // GET /wcp/approvals/:id returns the history: created, then approved.
    expect(Array.isArray(shown.history) && shown.history.length).toBeGreaterThanOrEqual(1);
    expect(human.out).toContain(`history (${shown.history!.length})`);

    const again = await cli(['approvals', 'deny', id, '--hall', hall.url, '--token-env', 'HALL_ADMIN'], admin);
    expect(again.code).toBe(1);
    expect(again.err).toContain('APPROVAL_ALREADY_RESOLVED');

    const allowed = await cli(['route', '--hall', hall.url, example('route-require-human'), '--approval-id', id], demo);
    expect(allowed.code, allowed.err + allowed.out).toBe(0);
    expect(allowed.out).toContain(`approved   by approval ${id}`);
  });

  it('usage errors exit 2; no token 2; an unknown id 1; a down Hall 3', async () => {
    expect((await cli(['approvals'], demo)).code).toBe(2);
    expect((await cli(['approvals', 'frobnicate'], demo)).code).toBe(2);
    expect((await cli(['approvals', 'approve', '--hall', hall.url], demo)).code).toBe(2);
    const n = await cli(['approvals', 'list', '--hall', hall.url], { EDGEHALL_TOKEN: undefined });
    expect([n.code, n.err]).toEqual([2, expect.stringContaining('no token')]);
    const u = await cli(['approvals', 'show', '00000000-0000-4000-8000-000000000000', '--hall', hall.url], demo);
    expect([u.code, u.err]).toEqual([1, expect.stringContaining('APPROVAL_NOT_FOUND')]);
    expect((await cli(['approvals', 'list', '--hall', 'http://127.0.0.1:9'], demo)).code).toBe(3);
    const t = await cli(['approvals', 'list', '--hall', hall.url], { EDGEHALL_TOKEN: 'not-a-token-of-this-hall-0123456789' });
    expect([t.code, t.err]).toEqual([1, expect.stringContaining('the Hall refused the token from EDGEHALL_TOKEN')]);
    expect(t.err).not.toContain('not-a-token-of-this-hall');
  });
});

describe('help', () => {
  it('every command has --help with its exit codes', async () => {
    for (const c of ['enroll', 'status', 'approvals', 'route']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/exit 0/);
    }
    expect((await cli(['route', '--help'])).out).toContain('--hall URL');
  });
});
