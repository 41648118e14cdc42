// scripts/seed.mjs, the production seeding path (`npm run seed:production` = --remote), run with
// --local against a fresh local state: the same wrangler steps, only the target flag differs.
// Without --with-demo it seeds rules/config/policy/ban list and no tenant, approver, token or
// worker; it never overwrites a key that exists; --with-demo adds the demo principals and prints
// their tokens once, and those tokens are the ones whose hashes were stored.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from './hall-process.js';

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
let persist = '';

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
    for (const k of ['HALL_DEMO_TENANT_TOKEN', 'HALL_DEMO_APPROVER_TOKEN']) delete env[k];
    const child = spawn(cmd, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const wrangler = (args: string[]) => run(join(repo, 'node_modules', '.bin', 'wrangler'), args);
const seedScript = (args: string[]) => run(process.execPath, [join(repo, 'scripts', 'seed.mjs'), ...args]);

interface LocalEnv {
  HALL_KV: {
    list(o: { cursor?: string }): Promise<{ keys: { name: string }[]; list_complete: boolean; cursor?: string }>;
    get(key: string): Promise<string | null>;
  };
  HALL_DB: { prepare(sql: string): { all(): Promise<{ results: { worker_id: string }[] }> } };
}

/** Reads the local KV and D1 the way `wrangler dev --persist-to` would see them. */
async function readState(): Promise<{ kv: Map<string, string>; workers: string[] }> {
  const { getPlatformProxy } = await import('wrangler');
  const proxy = await getPlatformProxy<LocalEnv>({ configPath: join(repo, 'wrangler.toml'), persist: { path: join(persist, 'v3') }, remoteBindings: false });
  try {
    const kv = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await proxy.env.HALL_KV.list(cursor ? { cursor } : {});
      for (const k of page.keys) kv.set(k.name, (await proxy.env.HALL_KV.get(k.name))!);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    const { results } = await proxy.env.HALL_DB.prepare('SELECT worker_id FROM registry_workers ORDER BY worker_id').all();
    return { kv, workers: results.map((r) => r.worker_id) };
  } finally {
    await proxy.dispose();
  }
}

beforeAll(async () => {
  persist = mkdtempSync(join(tmpdir(), 'edgehall-seed-script-'));
  const mig = await wrangler(['d1', 'migrations', 'apply', 'HALL_DB', '--local', '--persist-to', persist]);
  if (mig.code !== 0) throw new Error(mig.out);
});

afterAll(() => {
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe('scripts/seed.mjs (production seeding)', () => {
  it('refuses to guess a target: exit 2 with a sentence', async () => {
    const none = await seedScript([]);
    expect(none.code).toBe(2);
    expect(none.out).toContain('Say where to seed: --remote');
    const unknown = await seedScript(['--remote', '--with-demo-data']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('Unknown argument "--with-demo-data"');
  });

  it('without --with-demo: rules, config (no demo tenant), policy, ban list — no tenant, approver, token or worker', async () => {
    const { code, out } = await seedScript(['--local', '--persist-to', persist]);
    expect(code, out).toBe(0);
    expect(out).toContain('no demo data');
    const { kv, workers } = await readState();
    expect([...kv.keys()].filter((k) => /^(tenant|approver|token|worker):/.test(k))).toEqual([]);
    expect([...kv.keys()]).toEqual(expect.arrayContaining(['rules:current', 'config', 'policy', 'banlist']));
    expect((JSON.parse(kv.get('config')!) as { allowed_tenants: string[] }).allowed_tenants).not.toContain('demo');
    expect(workers).toEqual([]);
  });

  it('--with-demo on top: keeps the existing config and rules, adds the demo principals with the tokens it prints once', async () => {
    const before = await readState();
    const { code, out } = await seedScript(['--local', '--persist-to', persist, '--with-demo']);
    expect(code, out).toBe(0);
    const tenantToken = /^HALL_DEMO_TENANT_TOKEN=([A-Za-z0-9_-]{43}) /m.exec(out)?.[1];
    const approverToken = /^HALL_DEMO_APPROVER_TOKEN=([A-Za-z0-9_-]{43}) /m.exec(out)?.[1];
    expect(tenantToken, out).toBeDefined();
    expect(approverToken, out).toBeDefined();
    expect(out).toContain('the hall config was kept as it was');

    const { kv, workers } = await readState();
    for (const k of ['config', 'rules:current', 'policy', 'banlist', 'hall:version']) expect(kv.get(k), k).toBe(before.kv.get(k));
    expect(JSON.parse(kv.get('tenant:demo')!)).toMatchObject({ tenant_id: 'demo', token_sha256: sha256Hex(tenantToken!) });
    expect(JSON.parse(kv.get('approver:demo-approver')!)).toMatchObject({ tenants: ['demo'], level: 'gatekeeper', token_sha256: sha256Hex(approverToken!) });
    expect(JSON.parse(kv.get(`token:${sha256Hex(tenantToken!)}`)!)).toEqual({ kind: 'tenant', id: 'demo' });
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.every((w) => w.startsWith('org.demo.'))).toBe(true);
    expect([...kv.values()].some((v) => v.includes(tenantToken!) || v.includes(approverToken!))).toBe(false);

    // Again: nothing is rewritten and no new token is printed (the existing ones stay valid).
    const again = await seedScript(['--local', '--persist-to', persist, '--with-demo']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/KV: 0 keys written/);
    expect(again.out).not.toMatch(/^HALL_DEMO_(TENANT|APPROVER)_TOKEN=/m);
    expect(again.out).toContain('demo tenant: already present, its token was left as it was');
    expect((await readState()).kv).toEqual(kv);
  });
});
