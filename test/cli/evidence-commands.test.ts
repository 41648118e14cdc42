// `edgehall decisions list|show|follow` and `edgehall receipts export|verify` against a live local
// Hall (the real worker in Miniflare, seed loaded): decisions are made with HallClient first, and
// the exported chain is tampered with on disk to prove verify names the first bad seq and why.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/index.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { cli, jsonLines } from './helpers.js';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../kv-seed/examples/${name}.json`, import.meta.url), 'utf8'));

let hall: LiveHall;
let demo: HallClient;
let dir: string;
let env: Record<string, string | undefined>;
const made: { allowed: string[]; denied: string[] } = { allowed: [], denied: [] };

beforeAll(async () => {
  hall = await startLiveHall();
  demo = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
  dir = mkdtempSync(join(tmpdir(), 'edgehall-evidence-'));
  env = { EDGEHALL_URL: hall.url, EDGEHALL_TOKEN: hall.demoToken };
  for (const c of ['a', 'b', 'c']) made.allowed.push((await demo.route({ ...example('route'), correlation_id: `ev-allow-${c}` })).decision.decision_id);
  for (const c of ['a', 'b']) made.denied.push((await demo.route({ ...example('route-denied'), correlation_id: `ev-deny-${c}` })).decision.decision_id);
});
afterAll(async () => {
  await hall?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Row = { decision_id: string; tenant_id: string; capability_id: string; denied: boolean; deny_code: string | null; created_at: string };

describe('edgehall decisions', () => {
  it('list prints one line per decision, newest first; --json one object per line', async () => {
    const human = await cli(['decisions', 'list'], env);
    expect(human.code, human.err).toBe(0);
    const lines = human.out.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ {2}demo {2}cap\.payments\.charge {2}denied DENY_\w+ {2}- {2}\S+$/);
    expect(lines[0]!.endsWith(made.denied[1]!)).toBe(true);
    expect(lines[4]).toContain('  demo  cap.doc.summarize  allowed  ');
    expect(lines[4]!.endsWith(made.allowed[0]!)).toBe(true);

    const j = await cli(['decisions', 'list', '--json'], env);
    expect(j.code, j.err).toBe(0);
    const rows = jsonLines(j.out) as Row[];
    expect(rows.map((r) => r.decision_id)).toEqual([...made.allowed, ...made.denied].reverse());
    expect(rows[0]).toMatchObject({ tenant_id: 'demo', capability_id: 'cap.payments.charge', denied: true, decision: { decision_id: made.denied[1] } });
  });

  it('filters as GET /decisions: --denied, --allowed, --capability, --deny-code, --limit with a cursor', async () => {
    const denied = jsonLines((await cli(['decisions', 'list', '--denied', '--json'], env)).out) as Row[];
    expect(denied.map((r) => r.decision_id)).toEqual([...made.denied].reverse());
    const code = denied[0]!.deny_code!;
    const byCode = jsonLines((await cli(['decisions', 'list', '--deny-code', code, '--json'], env)).out) as Row[];
    expect(byCode).toHaveLength(2);
    const allowed = jsonLines((await cli(['decisions', 'list', '--allowed', '--json'], env)).out) as Row[];
    expect(allowed.every((r) => !r.denied)).toBe(true);
    expect(allowed).toHaveLength(3);
    const cap = jsonLines((await cli(['decisions', 'list', '--capability', 'cap.doc.summarize', '--tenant', 'demo', '--json'], env)).out) as Row[];
    expect(cap.map((r) => r.decision_id)).toEqual([...made.allowed].reverse());
    const none = await cli(['decisions', 'list', '--capability', 'cap.nothing.here', '--json'], env);
    expect(none).toMatchObject({ code: 0, out: '' });

    const first = await cli(['decisions', 'list', '--limit', '2', '--json'], env);
    expect(jsonLines(first.out)).toHaveLength(2);
    const cursor = /next: --cursor (\S+)/.exec(first.err)?.[1];
    expect(cursor).toBeTruthy();
    const rest = jsonLines((await cli(['decisions', 'list', '--cursor', cursor!, '--json'], env)).out) as Row[];
    expect(rest.map((r) => r.decision_id)).toEqual([made.allowed[2], made.allowed[1], made.allowed[0]]);

    expect((await cli(['decisions', 'list', '--denied', '--allowed'], env)).code).toBe(2);
    expect((await cli(['decisions', 'list', '--since', 'yesterday'], env)).code).toBe(2);
    const future = await cli(['decisions', 'list', '--since', '2999-01-01T00:00:00Z', '--json'], env);
    expect(future).toMatchObject({ code: 0, out: '' });
  });

  it('show prints one decision; an unknown id exits 1 with the Hall\'s code', async () => {
    const j = await cli(['decisions', 'show', made.denied[0]!, '--json'], env);
    expect(j.code, j.err).toBe(0);
    expect(jsonLines(j.out)).toEqual([expect.objectContaining({ decision_id: made.denied[0], denied: true, receipt_seq: expect.any(Number) })]);
    const human = await cli(['decisions', 'show', made.allowed[0]!], env);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^decision_id: +\S+$/m);
    expect(human.out).toContain('capability_id:');
    const missing = await cli(['decisions', 'show', 'no-such-decision'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('DECISION_NOT_FOUND');
  });

  it('follow prints the --limit most recent decisions first, oldest first', async () => {
    const res = await cli(['decisions', 'follow', '--denied', '--limit', '2', '--max', '2', '--json'], env);
    expect(res.code, res.err).toBe(0);
    expect((jsonLines(res.out) as Row[]).map((r) => r.decision_id)).toEqual(made.denied);
  });

  it('follow (bounded by --max) prints a decision made while it runs, and only that', async () => {
    const run = cli(['decisions', 'follow', '--limit', '0', '--interval', '100', '--max', '1', '--for-ms', '50000', '--json'], env);
    let settled = false;
    void run.finally(() => (settled = true));
    // Route until the follower has printed one: it cannot know when its first poll happened.
    const routed: string[] = [];
    for (let i = 0; !settled && i < 100; i++) {
      routed.push((await demo.route({ ...example('route'), correlation_id: `ev-follow-${i}` })).decision.decision_id);
      await new Promise((r) => setTimeout(r, 250));
    }
    const res = await run;
    expect(res.code, res.err).toBe(0);
    const printed = (jsonLines(res.out) as Row[]).map((r) => r.decision_id);
    expect(printed).toHaveLength(1);
    expect(routed).toContain(printed[0]);
  });

  it('follow --for-ms ends with exit 0 when nothing new comes; filters apply', async () => {
    const res = await cli(['decisions', 'follow', '--denied', '--limit', '0', '--interval', '100', '--for-ms', '400'], env);
    expect(res).toMatchObject({ code: 0, out: '' });
  });

  it('no token exits 2, a wrong token 1, an unreachable Hall 3 — each with a sentence', async () => {
    const noToken = await cli(['decisions', 'list'], { ...env, EDGEHALL_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(/no token: set EDGEHALL_TOKEN/);
    const bad = await cli(['decisions', 'list'], { ...env, EDGEHALL_TOKEN: 'demo-wrong-token-000000000000' });
    expect(bad.code).toBe(1);
    const down = await cli(['decisions', 'list', '--hall', 'http://127.0.0.1:9'], env);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/cannot reach the Hall \(http:\/\/127\.0\.0\.1:9\)/);
    expect((await cli(['decisions', 'follow', '--hall', 'http://127.0.0.1:9', '--for-ms', '5000'], env)).code).toBe(3);
    expect((await cli(['decisions'], env)).code).toBe(2);
    expect((await cli(['decisions', 'show'], env)).code).toBe(2);
    expect((await cli(['decisions', 'list', '--interval', '5'], env)).code).toBe(2);
    const help = await cli(['decisions', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Exit codes: 0 .*3 the Hall could not be reached/s);
  });
});

describe('edgehall receipts', () => {
  const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

  it('export → file → verify exits 0 offline with the saved key set', async () => {
    const out = join(dir, 'chain.jsonl');
    const keys = join(dir, 'keys.json');
    const ex = await cli(['receipts', 'export', '--tenant', 'demo', '--out', out, '--jwks-out', keys], env);
    expect(ex.code, ex.err).toBe(0);
    const chain = lines(out).map((l) => JSON.parse(l) as { seq: number; tenant_id: string });
    expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => i + 1));
    expect(chain.length).toBeGreaterThanOrEqual(5);
    expect(ex.err).toContain(`exported ${chain.length} receipts of tenant 'demo' (seq 1..${chain.length})`);
    expect(JSON.parse(readFileSync(keys, 'utf8'))).toMatchObject({ keys: [expect.objectContaining({ kid: hall.kid })] });

    // Offline: the saved keys and a Hall URL nobody listens on.
    const v = await cli(['receipts', 'verify', out, '--jwks', keys], { EDGEHALL_URL: 'http://127.0.0.1:9', EDGEHALL_TOKEN: undefined });
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(new RegExp(`^verified seq 1\\.\\.${chain.length} `));
    // Or the Hall's published keys, still without a token.
    const viaHall = await cli(['receipts', 'verify', out, '--json'], { ...env, EDGEHALL_TOKEN: undefined });
    expect(viaHall.code, viaHall.err).toBe(0);
    expect(jsonLines(viaHall.out)).toEqual([expect.objectContaining({ ok: true, first_seq: 1, last_seq: chain.length })]);

    // stdout export is the same JSON Lines; --after-seq exports (and verifies) a segment.
    const stdout = await cli(['receipts', 'export', '--tenant', 'demo'], env);
    expect(stdout.out.trim().split('\n')).toEqual(lines(out));
    const seg = join(dir, 'segment.jsonl');
    expect((await cli(['receipts', 'export', '--tenant', 'demo', '--after-seq', '2', '--out', seg], env)).code).toBe(0);
    expect(lines(seg)).toEqual(lines(out).slice(2));
    expect((await cli(['receipts', 'verify', seg, '--jwks', keys, '--after-seq', '2'], env)).code).toBe(0);
    const wrongStart = await cli(['receipts', 'verify', seg, '--jwks', keys], env);
    expect(wrongStart.code).toBe(1);
    expect(wrongStart.err).toContain('RECEIPT_CHAIN_GAP');
  });

  it('a field edited in one line: exit 1 naming that seq and RECEIPT_HASH_MISMATCH', async () => {
    const out = join(dir, 'chain.jsonl');
    const keys = join(dir, 'keys.json');
    const all = lines(out);
    const r3 = JSON.parse(all[2]!) as Record<string, unknown>;
    r3['capability_id'] = 'cap.doc.translate';
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, [...all.slice(0, 2), JSON.stringify(r3), ...all.slice(3)].join('\n') + '\n');
    const v = await cli(['receipts', 'verify', tampered, '--jwks', keys], env);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/does not verify at seq 3 \(line 3\): RECEIPT_HASH_MISMATCH: /);
    expect(v.err).toContain('seq 1..2 verified before it');
    const j = await cli(['receipts', 'verify', tampered, '--jwks', keys, '--json'], env);
    expect(jsonLines(j.out)).toEqual([expect.objectContaining({ ok: false, broken_at_seq: 3, code: 'RECEIPT_HASH_MISMATCH', line: 3 })]);
  });

  it('a deleted line: exit 1 naming the missing seq and RECEIPT_CHAIN_GAP', async () => {
    const all = lines(join(dir, 'chain.jsonl'));
    const gap = join(dir, 'gap.jsonl');
    writeFileSync(gap, [...all.slice(0, 3), ...all.slice(4)].join('\n') + '\n');
    const v = await cli(['receipts', 'verify', gap, '--jwks', join(dir, 'keys.json')], env);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/at seq 4 \(line 4\): RECEIPT_CHAIN_GAP: /);
  });

  it('receipts verify --tenant demo verifies the live chain (exit 0)', async () => {
    await demo.route({ ...example('route'), correlation_id: 'ev-live' });
    const v = await cli(['receipts', 'verify', '--tenant', 'demo'], env);
    expect(v.code, v.err).toBe(0);
    const n = (await demo.verifyChain('demo')).verified;
    expect(v.out).toContain(`verified seq 1..${n} (${n} receipts) of the live chain of tenant 'demo'`);
  });

  it('failure paths: no token 2, unreachable Hall 3, malformed file 2 with the line, bad key set 2, usage 2', async () => {
    const noToken = await cli(['receipts', 'verify', '--tenant', 'demo'], { ...env, EDGEHALL_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('no token');
    expect((await cli(['receipts', 'export', '--tenant', 'demo'], { ...env, EDGEHALL_TOKEN: undefined })).code).toBe(2);

    const down = await cli(['receipts', 'verify', '--tenant', 'demo', '--hall', 'http://127.0.0.1:9'], env);
    expect(down.code).toBe(3);
    expect(down.err).toContain('cannot reach the Hall');
    const chain = join(dir, 'chain.jsonl');
    expect((await cli(['receipts', 'verify', chain, '--hall', 'http://127.0.0.1:9'], env)).code).toBe(3);
    const out = join(dir, 'never.jsonl');
    expect((await cli(['receipts', 'export', '--tenant', 'demo', '--out', out, '--hall', 'http://127.0.0.1:9'], env)).code).toBe(3);
    expect(() => readFileSync(out)).toThrow();
    const unwritable = await cli(['receipts', 'export', '--tenant', 'demo', '--out', join(dir, 'no-such-dir', 'x.jsonl')], env);
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/cannot write .*no-such-dir/);

    const all = lines(chain);
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${all[0]}\n${all[1]!.slice(0, 40)}\n${all[2]}\n`);
    const m = await cli(['receipts', 'verify', broken, '--jwks', join(dir, 'keys.json')], env);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/broken\.jsonl line 2 is not JSON/);
    writeFileSync(broken, `${all[0]}\n[1,2]\n`);
    expect((await cli(['receipts', 'verify', broken], env)).err).toMatch(/line 2 is not a JSON object/);
    writeFileSync(broken, '\n');
    expect((await cli(['receipts', 'verify', broken], env)).code).toBe(2);
    expect((await cli(['receipts', 'verify', join(dir, 'missing.jsonl')], env)).code).toBe(2);

    const badKeys = join(dir, 'bad-keys.json');
    writeFileSync(badKeys, JSON.stringify({ keys: [{ kty: 'RSA' }] }));
    const k = await cli(['receipts', 'verify', chain, '--jwks', badKeys], env);
    expect(k.code).toBe(2);
    expect(k.err).toContain('RECEIPT_KEYS_INVALID');

    expect((await cli(['receipts', 'verify'], env)).code).toBe(2);
    expect((await cli(['receipts', 'verify', chain, '--tenant', 'demo'], env)).code).toBe(2);
    expect((await cli(['receipts', 'export'], env)).code).toBe(2);
    expect((await cli(['receipts', 'export', '--tenant', 'demo', '--jwks', badKeys], env)).code).toBe(2);
    const help = await cli(['receipts', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes: 0 done ("verified seq 1..N")');
  });
});
