// Runs `npm start` (scripts/start.mjs) in a fresh copy of the project — no .dev.vars, no local
// state — checks every setup step, boots wrangler dev on a free port, routes the README example,
// stops it with SIGINT and checks that nothing keeps listening. Then the ways it used to lose data
// or misreport: a restart must keep what the user uploaded (rules, config, a rotated token), a busy
// port or a bad EDGEHALL_PORT must be refused with a sentence and a non-zero exit, never a "ready"
// line for someone else's server, and a failing wrangler must fail npm start.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { copyProject, devVars, freePort, portOpen, removeProject, repo, runStart, startHall } from './hall-process.js';

let dir = '';

beforeAll(() => {
  dir = copyProject();
});

afterAll(() => {
  if (dir) removeProject(dir);
});

const json = async (res: Response) => (await res.json()) as Record<string, any>;

describe('npm start refuses what it cannot honour, before touching anything', () => {
  it('a bad EDGEHALL_PORT is exit 2 with a sentence (was: wrangler failed and npm start exited 0)', async () => {
    for (const bad of ['abc', '0', '65536', '-1', '8787.5', '87 87', '0x1f90', '99999999999']) {
      const { code, out } = await runStart(dir, [], { EDGEHALL_PORT: bad });
      expect(code, `${bad}: ${out}`).toBe(2);
      expect(out).toContain('EDGEHALL_PORT must be a whole number from 1 to 65535');
      expect(out).toContain(JSON.stringify(bad));
      expect(out).not.toContain('[edgehall] ready');
    }
    expect(existsSync(join(dir, '.dev.vars'))).toBe(false);
  });

  it('a busy port (here: another "Hall" answering /wcp/health) is exit 1 naming the port and EDGEHALL_PORT, no ready line', async () => {
    const other: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', rules_version: 'rv-someone-else', workers_enrolled: 99 }));
    });
    const port = await freePort();
    await new Promise<void>((r) => other.listen(port, '127.0.0.1', r));
    try {
      const { code, out } = await runStart(dir, [], { EDGEHALL_PORT: String(port) });
      expect(code, out).toBe(1);
      expect(out).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(out).toContain('EDGEHALL_PORT');
      expect(out).not.toContain('[edgehall] ready');
      expect(out).not.toContain('rv-someone-else');
      // Refused before setup: nothing was created or seeded for a Hall that never started.
      expect(out).not.toContain('D1 migrations applied');
      expect(existsSync(join(dir, '.dev.vars'))).toBe(false);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});

describe('npm start from a clean state', () => {
  it('creates .dev.vars (with the demo approver token), applies migrations and seeds, idempotently', async () => {
    expect(existsSync(join(dir, '.dev.vars'))).toBe(false);
    const first = await runStart(dir, ['--setup-only']);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('created .dev.vars');
    expect(first.out).toContain('D1 migrations applied');
    expect(first.out).toMatch(/kv-seed loaded into local KV \(\d+ keys written, 0 already present and kept\)/);
    expect(first.out).toContain('registry seed applied to local D1');

    const text = readFileSync(join(dir, '.dev.vars'), 'utf8');
    const vars = devVars(dir);
    for (const name of ['HALL_ADMIN_TOKEN', 'HALL_DEMO_TENANT_TOKEN', 'HALL_DEMO_APPROVER_TOKEN']) expect(vars[name], name).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const jwk = JSON.parse(vars['HALL_SIGNING_KEY']!) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(jwk['d']).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const second = await runStart(dir, ['--setup-only']);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('using existing .dev.vars');
    expect(second.out).toMatch(/kv-seed loaded into local KV \(0 keys written, \d+ already present and kept\)/);
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toBe(text);
  });

  it('serves the Hall, answers the README curl, and a restart keeps the uploaded rules, config and rotated token', async () => {
    const vars = devVars(dir);
    const admin = { authorization: `Bearer ${vars['HALL_ADMIN_TOKEN']}`, 'content-type': 'application/json' };
    const seedRules = JSON.parse(readFileSync(join(dir, 'kv-seed/rules.json'), 'utf8')) as { rules: unknown[] };
    const uploadedRules = { rules: seedRules.rules.slice(0, -1) };
    const seedConfig = JSON.parse(readFileSync(join(dir, 'kv-seed/config.json'), 'utf8')) as Record<string, unknown>;
    const uploadedConfig = { ...seedConfig, enforce_privilege_envelopes: !seedConfig['enforce_privilege_envelopes'] };
    const rotated = 'rotated-demo-token-' + 'x'.repeat(30);
    let uploadedVersion = '';

    const first = await startHall(dir, await freePort());
    try {
      const out = first.output();
      expect(out, out).toContain(`[edgehall] ready: ${first.base}`);
      expect(out).toContain('--data @kv-seed/examples/route.json');
      expect(out).toContain('HALL_DEMO_TENANT_TOKEN (tenant demo), HALL_DEMO_APPROVER_TOKEN (approver demo-approver)');

      const res = await fetch(`${first.base}/route`, {
        method: 'POST',
        headers: { authorization: `Bearer ${vars['HALL_DEMO_TENANT_TOKEN']}`, 'content-type': 'application/json' },
        body: readFileSync(join(dir, 'kv-seed/examples/route.json')),
      });
      expect(res.status).toBe(200);
      const { decision, receipt } = await json(res);
      expect(decision['denied']).toBe(false);
      const jwks = await (await fetch(`${first.base}/.well-known/wcp-keys.json`)).json();
      expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });

      // The seeded demo approver's token works.
      const pending = await fetch(`${first.base}/wcp/approvals/pending`, { headers: { authorization: `Bearer ${vars['HALL_DEMO_APPROVER_TOKEN']}` } });
      expect(pending.status).toBe(200);

      // The user's own changes.
      const put = await fetch(`${first.base}/admin/rules`, { method: 'PUT', headers: admin, body: JSON.stringify(uploadedRules) });
      expect(put.status, JSON.stringify(await put.clone().json())).toBe(201);
      uploadedVersion = (await json(put))['version'];
      expect((await fetch(`${first.base}/admin/config`, { method: 'PUT', headers: admin, body: JSON.stringify(uploadedConfig) })).status).toBe(200);
      const tenant = await fetch(`${first.base}/admin/tenants/demo`, { method: 'PUT', headers: admin, body: JSON.stringify({ token: rotated, namespaces: ['org.demo'] }) });
      expect(tenant.status).toBe(200);
    } finally {
      const code = await first.stop();
      expect(code, first.output()).toBe(0);
    }
    expect(await portOpen(first.port)).toBe(false);

    // Restart (same local state, setup runs again).
    const second = await startHall(dir, await freePort());
    try {
      const out = second.output();
      expect(out, out).toContain(`[edgehall] ready: ${second.base}`);
      expect(out).toMatch(/kv-seed loaded into local KV \(0 keys written, \d+ already present and kept\)/);
      const health = await json(await fetch(`${second.base}/wcp/health`));
      expect(health['rules_version']).toBe(uploadedVersion);
      const rules = await json(await fetch(`${second.base}/admin/rules`, { headers: admin }));
      expect(rules['version']).toBe(uploadedVersion);
      expect(rules['document']).toEqual(uploadedRules);
      const config = await json(await fetch(`${second.base}/admin/config`, { headers: admin }));
      expect(config['config']).toEqual(uploadedConfig);
      // The rotated-away seed token did not come back; the user's new one still works.
      const routeWith = (token: string) =>
        fetch(`${second.base}/route`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: readFileSync(join(dir, 'kv-seed/examples/route.json')),
        });
      expect((await routeWith(vars['HALL_DEMO_TENANT_TOKEN']!)).status).toBe(401);
      expect((await routeWith(rotated)).status).toBe(200);
    } finally {
      expect(await second.stop(), second.output()).toBe(0);
    }
    expect(await portOpen(second.port)).toBe(false);
  });

  it('wrangler dev failing makes npm start fail: exit 1 with a sentence, no ready line', async () => {
    // Fault injection: node_modules/.bin/wrangler is replaced by a shim whose `dev` exits 1 the way
    // wrangler does when it cannot serve (every other wrangler command is the real one).
    const nm = join(dir, 'node_modules');
    expect(lstatSync(nm).isSymbolicLink()).toBe(true);
    rmSync(nm);
    try {
      mkdirSync(join(nm, '.bin'), { recursive: true });
      for (const entry of readdirSync(join(repo, 'node_modules'))) if (entry !== '.bin') symlinkSync(join(repo, 'node_modules', entry), join(nm, entry));
      const shim = join(nm, '.bin', 'wrangler');
      writeFileSync(
        shim,
        `#!/bin/sh\nif [ "$1" = dev ]; then echo "✘ [ERROR] Address already in use (simulated)" >&2; exit 1; fi\nexec "${join(repo, 'node_modules', '.bin', 'wrangler')}" "$@"\n`,
      );
      chmodSync(shim, 0o755);
      const port = await freePort();
      const { code, out } = await runStart(dir, [], { EDGEHALL_PORT: String(port) });
      expect(code, out).toBe(1);
      expect(out).toContain('Address already in use (simulated)');
      expect(out).toMatch(/\[edgehall\] wrangler dev exited \(code 1\) before the Hall was ready; see its output above\./);
      expect(out).not.toContain('[edgehall] ready');
      expect(await portOpen(port)).toBe(false);
    } finally {
      rmSync(nm, { recursive: true, force: true });
      symlinkSync(join(repo, 'node_modules'), nm);
    }
  });
});
