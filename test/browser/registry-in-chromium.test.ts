// RegistryClient is browser-safe: a page in headless Chromium uses the browser bundle of
// edgehall/client against a registry on another origin (CORS with a wildcard origin, which a
// credentialed request could not pass), while the browser holds a session cookie for that
// registry's site. The registry must see bearer auth and never the cookie.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { buildBrowserBundle, serveFiles, type StaticSite } from './static.js';

const H1 = 'a'.repeat(64);
const H3 = 'c'.repeat(64);

let work: string;
let registry: Server;
let registryUrl: string;
let site: StaticSite;
let context: BrowserContext;
const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
let results: Record<string, unknown>;

const PAGE = `<!doctype html><meta charset="utf-8"><title>registry client</title><pre id="out"></pre>
<script type="module">
import { RegistryClient, HallApiError } from './edgehall-client.js';
const out = {};
try {
  const reg = new RegistryClient({ baseUrl: new URL(location.href).searchParams.get('registry'), token: 'browser-token', retries: 0 });
  out.health = await reg.health();
  out.verify = await reg.verifyWorker('org.demo.fetcher');
  out.unknown = (await reg.verifyWorker('org.nobody.x')).status;
  out.banned = await reg.isHashBanned('sha256:${H3}');
  out.prefetch = await reg.prefetch(['org.demo.fetcher']);
  out.hash = reg.getWorkerHash('org.demo.fetcher');
  out.report = await reg.reportHash('${H1}', { reason: 'seen in the wild' });
  try {
    await reg.submitAttestation({ workerId: 'org.demo.fetcher', workerSpeciesId: 'wrk.web.fetch', packageHash: '${H1}', workerVersion: '1.0.0' });
  } catch (err) {
    out.attestError = { isHallApiError: err instanceof HallApiError, status: err.status, code: err.code };
  }
} catch (err) {
  out.error = String(err && err.stack || err);
}
document.getElementById('out').textContent = JSON.stringify(out, null, 2);
window.__results = out;
document.body.dataset.done = '1';
</script>`;

function startRegistry(): Promise<string> {
  registry = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers });
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-methods': 'GET, POST, PUT',
    };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...cors, ...extra });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (url.pathname === '/set-cookie') {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'pyhall_session=secret-session; Path=/; SameSite=Lax' });
      return void res.end('cookie set');
    }
    if (url.pathname === '/health') return send(200, { ok: true, version: '0.2.0' });
    if (url.pathname === '/api/v1/verify/org.demo.fetcher') return send(200, { worker_id: 'org.demo.fetcher', status: 'active', current_hash: H1, banned: false });
    if (url.pathname.startsWith('/api/v1/verify/')) return send(404, { error: 'not found' });
    if (url.pathname === '/api/v1/ban-list') return send(200, [{ sha256: H3, reason: 'backdoor', reported_at: '2026-11-01', source: 'admin' }]);
    if (url.pathname === '/api/v1/ban-list/report' && req.method === 'POST') return send(202, { status: 'pending_review' });
    if (url.pathname.endsWith('/attest') && req.method === 'PUT') return send(401, { code: 'AUTH_REQUIRED', detail: 'Sign in with a registry token that owns org.demo.' });
    return send(404, { error: 'no route' });
  });
  return new Promise((resolve) => registry.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(registry.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-browser-registry-'));
  registryUrl = await startRegistry();
  const bundle = await buildBrowserBundle(work, 'client/entry');
  site = await serveFiles({
    'index.html': { type: 'text/html; charset=utf-8', body: PAGE },
    'edgehall-client.js': { type: 'text/javascript', body: bundle },
  });
  context = await launchChromium(work);
  const page = context.pages()[0] ?? (await context.newPage());
  // The browser now holds a session cookie for the registry's site (same site as the page: ports do not count).
  await page.goto(`${registryUrl}/set-cookie`);
  expect((await context.cookies(registryUrl)).map((c) => c.name)).toContain('pyhall_session');
  await page.goto(`${registryUrl}/health?navigation=1`); // a plain navigation: the browser sends the cookie here
  await page.goto(`${site.url}?registry=${encodeURIComponent(registryUrl)}`);
  await page.waitForSelector('body[data-done="1"]', { timeout: 30_000 });
  results = await page.evaluate(() => (window as unknown as { __results: Record<string, unknown> }).__results);
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  await new Promise<void>((r) => (registry ? registry.close(() => r()) : r()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('RegistryClient in headless Chromium', () => {
  it('talks to a cross-origin registry through CORS and gets typed answers', () => {
    expect(results['error']).toBeUndefined();
    expect(results['health']).toEqual({ ok: true, version: '0.2.0' });
    expect(results['verify']).toMatchObject({ worker_id: 'org.demo.fetcher', status: 'active', current_hash: H1 });
    expect(results['unknown']).toBe('unknown');
    expect(results['banned']).toBe(true);
    expect(results['prefetch']).toEqual({ cached: ['org.demo.fetcher'], failed: [] });
    expect(results['hash']).toBe(H1);
    expect(results['report']).toEqual({ status: 'pending_review' });
    expect(results['attestError']).toEqual({ isHallApiError: true, status: 401, code: 'AUTH_REQUIRED' });
  });

  it('sends the bearer token where needed and never the browser cookie', () => {
    const report = seen.find((s) => s.method === 'POST' && s.path === '/api/v1/ban-list/report');
    expect(report?.headers.authorization).toBe('Bearer browser-token');
    expect(seen.find((s) => s.path === '/health' && s.headers['sec-fetch-mode'] === 'cors')?.headers.authorization).toBeUndefined();
    // The cookie is live: the browser's own navigation to the registry carried it.
    expect(seen.find((s) => s.path === '/health' && s.headers['sec-fetch-mode'] === 'navigate')?.headers.cookie).toBe('pyhall_session=secret-session');
    const fromClient = seen.filter((s) => s.headers['sec-fetch-mode'] === 'cors');
    expect(fromClient.length).toBeGreaterThan(5);
    expect(fromClient.filter((s) => s.headers.cookie !== undefined)).toEqual([]);
    // Authorization makes the requests non-simple: the browser asked first.
    expect(seen.some((s) => s.method === 'OPTIONS')).toBe(true);
  });
});
