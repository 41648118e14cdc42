// Runs `npm start` (scripts/start.mjs) in a fresh copy of the project — no .dev.vars, no local
// state — checks every setup step, boots wrangler dev on a free port, routes the README example,
// then stops it with SIGINT and checks that nothing keeps listening.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { parseDevVars } from '../../scripts/dev-vars.mjs';

const repo = new URL('../../', import.meta.url).pathname;
let dir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function runSetupOnly(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/start.mjs', '--setup-only'], { cwd: dir, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgehall-start-'));
  for (const p of ['package.json', 'tsconfig.json', 'wrangler.toml', 'worker', 'src', 'migrations', 'kv-seed', 'scripts']) {
    cpSync(join(repo, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start from a clean state', () => {
  it('creates .dev.vars, applies migrations and loads the kv-seed, idempotently', async () => {
    expect(existsSync(join(dir, '.dev.vars'))).toBe(false);
    const first = await runSetupOnly();
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('created .dev.vars');
    expect(first.out).toContain('D1 migrations applied');
    expect(first.out).toMatch(/kv-seed loaded into local KV \(\d+ keys\)/);

    const text = readFileSync(join(dir, '.dev.vars'), 'utf8');
    const vars = parseDevVars(text) as Record<string, string>;
    expect(vars['HALL_ADMIN_TOKEN']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(vars['HALL_DEMO_TENANT_TOKEN']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const jwk = JSON.parse(vars['HALL_SIGNING_KEY']!) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(jwk['d']).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const second = await runSetupOnly();
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('using existing .dev.vars');
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toBe(text);
  });

  it('serves the Hall, answers the README curl, and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: dir,
      env: { ...process.env, EDGEHALL_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (!out.includes('[edgehall] ready:') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(out, out).toContain(`[edgehall] ready: http://127.0.0.1:${port}`);
      expect(out).toContain('--data @kv-seed/examples/route.json');

      const vars = parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8')) as Record<string, string>;
      const res = await fetch(`http://127.0.0.1:${port}/route`, {
        method: 'POST',
        headers: { authorization: `Bearer ${vars['HALL_DEMO_TENANT_TOKEN']}`, 'content-type': 'application/json' },
        body: readFileSync(join(dir, 'kv-seed/examples/route.json')),
      });
      expect(res.status).toBe(200);
      const { decision, receipt } = (await res.json()) as { decision: { denied: boolean }; receipt: unknown };
      expect(decision.denied).toBe(false);
      const jwks = await (await fetch(`http://127.0.0.1:${port}/.well-known/wcp-keys.json`)).json();
      expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });
    } finally {
      child.kill('SIGINT');
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(code, out).toBe(0);
    expect(await portOpen(port)).toBe(false);
  });
});
