// Runs every SDK example the docs show, as a user would: the examples import `edgehall`,
// `edgehall/client` and `edgehall/verify` from an installed copy of the built package (dist from
// scripts/build.mjs, the package's dependencies), and talk to a live local Hall (Miniflare).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/entry.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { launchChromium } from '../browser/chromium.js';
import { serveFiles } from '../browser/static.js';
import { WORKER_BUILD } from '../support/workerd-hall.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examplesDir = join(root, 'examples');
/** The examples this suite owns and runs (examples/sdk-*.ts belong to the routing suite). */
const OWNED = /^(node|browser|worker|agent)-.+\.(ts|html)$/;

let hall: LiveHall;
let work: string;
let app: string;

/** A consumer project with the built package under node_modules/edgehall and its dependencies linked. */
function installBuiltPackage(dir: string): void {
  const pkgDir = join(dir, 'node_modules', 'edgehall');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', join(pkgDir, 'dist'), '--no-types', '--no-cli'], { stdio: 'pipe' });
  copyFileSync(join(root, 'package.json'), join(pkgDir, 'package.json'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(manifest.dependencies)) {
    const target = join(dir, 'node_modules', dep);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), target, 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'examples-consumer', private: true, type: 'module' }));
}

/** Copies an example into the consumer project as plain ESM (types stripped) and runs it with Node. */
async function runNodeExample(name: string, env: Record<string, string> = {}): Promise<{ status: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const source = readFileSync(join(examplesDir, name), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20' });
  const file = join(app, name.replace(/\.ts$/, '.mjs'));
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, HALL_URL: hall.url, HALL_TOKEN: hall.demoToken, ...env },
    timeout: 30_000,
  });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stderr: r.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-examples-'));
  app = join(work, 'app');
  mkdirSync(app);
  installBuiltPackage(app);
  hall = await startLiveHall();
});

afterAll(async () => {
  await hall?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('examples', () => {
  it('every owned example has a test here', () => {
    const owned = readdirSync(examplesDir).filter((f) => OWNED.test(f)).sort();
    expect(owned).toEqual(['agent-tool-call.ts', 'browser-verify-chain.html', 'node-quickstart.ts', 'worker-tool-gateway.ts']);
  });

  it('node-quickstart.ts routes, reports a problem code and audits the chain', async () => {
    const r = await runNodeExample('node-quickstart.ts');
    expect(r.status, r.stderr).toBe(0);
    const [route, invalid, audit] = r.lines;
    expect(route).toMatchObject({ step: 'route', denied: false, worker: 'wrk.doc.summarizer' });
    expect(route!['receipt_hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(invalid).toMatchObject({ step: 'invalid', status: 400, code: expect.any(String), fields: ['env'] });
    expect(audit).toMatchObject({ step: 'audit', ok: true, broken_at_seq: null });
    expect(audit!['verified']).toBeGreaterThanOrEqual(1);
  });

  it('agent-tool-call.ts dispatches only what the Hall allows, with a receipt for every call', async () => {
    const r = await runNodeExample('agent-tool-call.ts', { HALL_APPROVER_TOKEN: hall.adminToken });
    expect(r.status, r.stderr).toBe(0);
    const [summarize, charge, restricted, approved, audit] = r.lines;
    expect(summarize).toMatchObject({ status: 'ok', tool: 'summarize', worker: 'wrk.doc.summarizer', output: 'summary of doc-42 in 80 words' });
    expect(charge).toMatchObject({ status: 'denied', tool: 'charge_card', code: expect.stringMatching(/^DENY_/) });
    expect(charge!['receipt_id']).toEqual(expect.any(String));
    // prod + RESTRICTED needs a human (kv-seed policy): the call waits, nothing runs.
    expect(restricted).toMatchObject({ status: 'awaiting_approval', tool: 'summarize', approval_id: expect.any(String) });
    // Approved by a supervisor, the re-submitted call runs once.
    expect(approved).toMatchObject({ status: 'ok', tool: 'summarize', worker: 'wrk.doc.summarizer' });
    expect(audit).toMatchObject({ audit: true });
  });

  it('worker-tool-gateway.ts runs in workerd and calls the Hall (over HTTP and over a service binding)', async () => {
    const entry = join(app, 'worker-tool-gateway.ts');
    copyFileSync(join(examplesDir, 'worker-tool-gateway.ts'), entry);
    const scriptPath = join(app, 'gateway.js');
    await build({ ...WORKER_BUILD, entryPoints: [entry], outfile: scriptPath });
    const hallFetches: string[] = [];
    const gateways = [
      { HALL_URL: hall.url, HALL_TOKEN: hall.demoToken },
      { HALL_URL: 'https://hall.internal', HALL_TOKEN: hall.demoToken },
    ];
    for (const [i, bindings] of gateways.entries()) {
      const mf = new Miniflare({
        modules: true,
        modulesRoot: app,
        scriptPath,
        compatibilityDate: '2026-04-20',
        bindings,
        // The second gateway reaches the Hall through a service binding instead of the network.
        ...(i === 1
          ? {
              serviceBindings: {
                HALL: async (req: Request) => {
                  const u = new URL(req.url);
                  hallFetches.push(u.pathname);
                  return fetch(hall.url + u.pathname + u.search, { method: req.method, headers: req.headers, body: req.method === 'GET' ? undefined : await req.arrayBuffer() });
                },
              },
            }
          : {}),
        cf: false,
      });
      try {
        const ok = await mf.dispatchFetch('http://gateway/tools/cap.doc.summarize', { method: 'POST', body: JSON.stringify({ document_id: 'doc-7' }) });
        expect(ok.status).toBe(200);
        expect(await ok.json()).toMatchObject({ allowed: true, worker: 'wrk.doc.summarizer', receipt_seq: expect.any(Number) });
        const no = await mf.dispatchFetch('http://gateway/tools/cap.payments.charge', { method: 'POST', body: JSON.stringify({ amount_cents: 100 }) });
        expect(no.status).toBe(403);
        expect(await no.json()).toMatchObject({ allowed: false, code: expect.stringMatching(/^DENY_/) });
      } finally {
        await mf.dispose();
      }
    }
    expect(hallFetches).toContain('/route');
    expect(hallFetches).toContain('/.well-known/wcp-keys.json');
  });

  it('browser-verify-chain.html verifies exported evidence in Chromium and names a tampered seq', async () => {
    const client = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
    await client.route({ ...JSON.parse(readFileSync(join(root, 'kv-seed', 'examples', 'route.json'), 'utf8')), correlation_id: 'browser-example' });
    const receipts: Record<string, unknown>[] = [];
    for await (const r of client.receiptChain('demo')) receipts.push(r);
    const keys = await client.publicKeys();
    const tampered = structuredClone(receipts);
    tampered[1]!['policy_decision'] = tampered[1]!['policy_decision'] === 'ALLOW' ? 'DENY' : 'ALLOW';

    // The page imports edgehall/verify from the Hall (GET /sdk/verify.js) through its import map;
    // point the map at this test's Hall instead of `npm start`'s port. No local bundle is served.
    const source = readFileSync(join(examplesDir, 'browser-verify-chain.html'), 'utf8');
    expect(source).toContain('"edgehall/verify": "http://127.0.0.1:8787/sdk/verify.js"');
    const html = source.replace('http://127.0.0.1:8787/sdk/verify.js', `${hall.url}/sdk/verify.js`);
    const sdkRequests: string[] = [];
    let context: BrowserContext | undefined;
    const verdicts: string[] = [];
    try {
      context = await launchChromium(work);
      for (const chain of [receipts, tampered]) {
        const site = await serveFiles({
          'index.html': { type: 'text/html; charset=utf-8', body: html },
          'receipts.json': { type: 'application/json', body: JSON.stringify({ tenant_id: 'demo', receipts: chain }) },
          'wcp-keys.json': { type: 'application/json', body: JSON.stringify(keys) },
        });
        try {
          const page = await context.newPage();
          page.on('request', (r) => {
            if (r.url().endsWith('/sdk/verify.js')) sdkRequests.push(r.url());
          });
          await page.goto(site.url);
          await page.waitForSelector('body[data-verdict]', { timeout: 20_000 });
          verdicts.push((await page.getAttribute('body', 'data-verdict')) ?? '');
          await page.close();
        } finally {
          await site.close();
        }
      }
    } finally {
      await context?.close();
    }
    expect(verdicts).toEqual(['valid', 'broken:2:RECEIPT_HASH_MISMATCH']);
    expect(sdkRequests[0]).toBe(`${hall.url}/sdk/verify.js`);
  });
});
