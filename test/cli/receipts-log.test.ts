// `edgehall receipts verify --tenant T [--checkpoint FILE] [--save-checkpoint FILE]`: against a live
// local Hall the log checks pass and a kept checkpoint carries over; against a Hall that truncates
// or rewrites its history — every receipt still validly signed and linked — the chain alone
// verifies, and the kept checkpoint is what catches it (exit 1, named code, no checkpoint saved).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/entry.js';
import { verifyCheckpoint } from '../../src/verify.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { cli, jsonLines } from './helpers.js';
import { startRewritingHall, type RewritingHall } from './rewriting-hall.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const route = JSON.parse(readFileSync(join(root, 'kv-seed', 'examples', 'route.json'), 'utf8'));

let hall: LiveHall;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  hall = await startLiveHall();
  dir = mkdtempSync(join(tmpdir(), 'edgehall-receipts-log-'));
  env = { EDGEHALL_URL: hall.url, EDGEHALL_TOKEN: hall.demoToken };
});

afterAll(async () => {
  await hall?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function routeN(n: number): Promise<void> {
  const client = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
  for (let i = 0; i < n; i++) await client.route({ ...route, correlation_id: `log-cli-${crypto.randomUUID()}` });
}

describe('receipts verify --tenant against the live Hall', () => {
  it('checks the checkpoint and inclusion, saves the checkpoint, and later proves the log extends it', async () => {
    await routeN(3);
    const first = join(dir, 'first.checkpoint');
    const a = await cli(['receipts', 'verify', '--tenant', 'demo', '--save-checkpoint', first], env);
    expect(a.code, a.err).toBe(0);
    const n = Number(/verified seq 1\.\.(\d+) /.exec(a.out)![1]);
    expect(n).toBeGreaterThanOrEqual(3);
    expect(a.out).toContain(`checkpoint edgehall/log/demo tree size ${n} root `);
    expect(a.out).toContain(`included: the ${n} verified receipts are leaves of that tree`);
    expect(a.out).toContain(`saved the checkpoint to ${first}`);
    const saved = readFileSync(first, 'utf8');
    const jwks = await (await fetch(`${hall.url}/.well-known/wcp-keys.json`)).json();
    expect(await verifyCheckpoint(saved, { jwks, origin: 'edgehall/log/demo' })).toMatchObject({ ok: true, tree_size: n });

    await routeN(2);
    const second = join(dir, 'second.checkpoint');
    const b = await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', first, '--save-checkpoint', second, '--json'], env);
    expect(b.code, b.err).toBe(0);
    const [v] = jsonLines(b.out) as Record<string, any>[];
    expect(v).toMatchObject({ ok: true, first_seq: 1, last_seq: n + 2, included: n + 2, consistent_from: n, saved_checkpoint: second });
    expect(v!.checkpoint).toMatchObject({ origin: 'edgehall/log/demo', tree_size: n + 2 });

    // A segment: one inclusion proof per receipt, against the same checkpoint.
    const c = await cli(['receipts', 'verify', '--tenant', 'demo', '--after-seq', String(n), '--checkpoint', second], env);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain(`verified seq ${n + 1}..${n + 2} (2 receipts)`);
    expect(c.out).toContain('included: the 2 verified receipts are leaves of that tree');
    expect(c.out).toContain(`consistent: the log of ${n + 2} receipts extends your checkpoint of ${n + 2}`);
  });

  it('refuses unusable --checkpoint files (exit 2) and the options without --tenant', async () => {
    const junk = join(dir, 'junk.checkpoint');
    writeFileSync(junk, 'not a checkpoint\n');
    const j = await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', junk], env);
    expect(j.code).toBe(2);
    expect(j.err).toContain('is not a signed checkpoint (LOG_CHECKPOINT_MALFORMED)');
    expect((await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', join(dir, 'missing')], env)).code).toBe(2);
    const file = await cli(['receipts', 'verify', join(dir, 'x.jsonl'), '--save-checkpoint', join(dir, 'y')], env);
    expect(file.code).toBe(2);
    expect(file.err).toContain('use it with --tenant T');
    expect((await cli(['receipts', 'export', '--tenant', 'demo', '--checkpoint', junk], env)).code).toBe(2);
  });
});

describe('receipts verify --checkpoint against a Hall that rewrites history', () => {
  let evil: RewritingHall;
  let kept: string;
  const evilEnv = () => ({ EDGEHALL_URL: evil.url, EDGEHALL_TOKEN: 'any-token' });

  beforeAll(async () => {
    evil = await startRewritingHall();
    await evil.append(6);
    kept = join(dir, 'evil-kept.checkpoint');
    const ok = await cli(['receipts', 'verify', '--tenant', 'demo', '--save-checkpoint', kept], evilEnv());
    expect(ok.code, ok.err).toBe(0);
  });
  afterAll(async () => evil?.close());

  it('a truncated log: exit 1 with LOG_CONSISTENCY_INVALID, although its chain verifies', async () => {
    const original = [...evil.chain];
    evil.truncate(4);
    expect((await cli(['receipts', 'verify', '--tenant', 'demo'], evilEnv())).code).toBe(0);
    const next = join(dir, 'not-saved.checkpoint');
    const r = await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', kept, '--save-checkpoint', next], evilEnv());
    expect(r.code).toBe(1);
    expect(r.err).toContain("the log of tenant 'demo' does not verify: LOG_CONSISTENCY_INVALID: the log was truncated: your checkpoint has 6 receipts, the live log 4");
    expect(existsSync(next)).toBe(false);
    evil.chain.splice(0, evil.chain.length, ...original);
  });

  it('a rewritten log, longer than before: exit 1, the consistency proof fails', async () => {
    const original = [...evil.chain];
    evil.truncate(3);
    await evil.append(5, 'rewritten'); // 8 receipts, 4..8 new, all signed and linked
    expect((await cli(['receipts', 'verify', '--tenant', 'demo'], evilEnv())).code).toBe(0);
    const r = await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', kept, '--json'], evilEnv());
    expect(r.code).toBe(1);
    expect(jsonLines(r.out)).toEqual([expect.objectContaining({ ok: false, code: 'LOG_CONSISTENCY_INVALID' })]);
    expect(r.err).toContain('the log was rewritten: the live log of 8 receipts does not extend your checkpoint of 6');
    evil.chain.splice(0, evil.chain.length, ...original);
  });

  it('a fork at the same size: exit 1', async () => {
    const original = [...evil.chain];
    evil.truncate(5);
    await evil.append(1, 'fork');
    const r = await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', kept], evilEnv());
    expect(r.code).toBe(1);
    expect(r.err).toContain('LOG_CONSISTENCY_INVALID: the log was rewritten: the live log of 6 receipts does not extend your checkpoint of 6');
    evil.chain.splice(0, evil.chain.length, ...original);
    expect((await cli(['receipts', 'verify', '--tenant', 'demo', '--checkpoint', kept], evilEnv())).code).toBe(0);
  });
});
