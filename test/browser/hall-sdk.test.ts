// The Hall serves its own edgehall/verify (GET /sdk/verify.js): a page on another origin imports it
// straight from a live Hall (CORS), headless Chromium verifies that Hall's receipt chain with it and
// catches an edited receipt. Also holds the committed bundle (worker/generated/verify-sdk.ts) to a
// fresh build of src/verify.ts, so the Hall never serves a stale verifier.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/entry.js';
import { VERIFY_SDK_JS, VERIFY_SDK_SHA256 } from '../../worker/generated/verify-sdk.js';
import { buildVerifySdk, verifySdkModule, VERIFY_SDK_MODULE } from '../../scripts/build-verify-sdk.mjs';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { launchChromium } from './chromium.js';
import { serveFiles, type StaticSite } from './static.js';

let hall: LiveHall;
let work: string;
let site: StaticSite;
let context: BrowserContext;
let result: { chain?: Record<string, unknown>; tampered?: Record<string, unknown>; exports?: string[]; error?: string };
const sdkResponses: { url: string; status: number; headers: Record<string, string> }[] = [];
let chainLength = 0;

const page = (hallUrl: string) => `<!doctype html>
<meta charset="utf-8"><title>verify with the Hall's own SDK</title>
<script type="module">
  try {
    const sdk = await import(${JSON.stringify(`${hallUrl}/sdk/verify.js`)});
    const fx = await (await fetch('./fixtures.json')).json();
    window.__result = {
      exports: Object.keys(sdk).sort(),
      chain: await sdk.verifyChain(fx.chain, fx.keys),
      tampered: await sdk.verifyChain(fx.tampered, fx.keys),
    };
  } catch (e) {
    window.__result = { error: String(e) };
  }
  document.body.dataset.done = '1';
</script>`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-hall-sdk-'));
  hall = await startLiveHall();
  const client = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
  const route = JSON.parse(readFileSync(fileURLToPath(new URL('../../kv-seed/examples/route.json', import.meta.url)), 'utf8'));
  for (let i = 0; i < 3; i++) await client.route({ ...route, correlation_id: `hall-sdk-${i}` });
  const chain: Record<string, unknown>[] = [];
  for await (const r of client.receiptChain('demo')) chain.push(r);
  chainLength = chain.length;
  const tampered = structuredClone(chain);
  tampered[1]!['capability_id'] = 'cap.payments.charge';
  const keys = await client.publicKeys();
  site = await serveFiles({
    'index.html': { type: 'text/html; charset=utf-8', body: page(hall.url) },
    'fixtures.json': { type: 'application/json', body: JSON.stringify({ chain, tampered, keys }) },
  });
  context = await launchChromium(work);
  const tab = context.pages()[0] ?? (await context.newPage());
  tab.on('response', async (r) => {
    if (r.url().endsWith('/sdk/verify.js')) sdkResponses.push({ url: r.url(), status: r.status(), headers: await r.allHeaders() });
  });
  await tab.goto(site.url);
  await tab.waitForSelector('body[data-done="1"]', { state: 'attached', timeout: 30_000 });
  result = await tab.evaluate(() => (window as unknown as { __result: typeof result }).__result);
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  await hall?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the Hall's own edgehall/verify (GET /sdk/verify.js)", () => {
  it('is the current build of src/verify.ts (run `node scripts/build-verify-sdk.mjs` when this fails)', async () => {
    const fresh = await buildVerifySdk();
    expect(fresh === VERIFY_SDK_JS, `${VERIFY_SDK_MODULE} is stale`).toBe(true);
    expect(readFileSync(VERIFY_SDK_MODULE, 'utf8')).toBe(verifySdkModule(fresh));
  });

  it('is imported cross-origin by Chromium from the live Hall', () => {
    expect(result.error).toBeUndefined();
    expect(new URL(site.url).origin).not.toBe(new URL(hall.url).origin);
    expect(sdkResponses).toHaveLength(1);
    expect(sdkResponses[0]).toMatchObject({ url: `${hall.url}/sdk/verify.js`, status: 200 });
    expect(sdkResponses[0]!.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'access-control-allow-origin': '*',
      etag: `"sha256-${VERIFY_SDK_SHA256}"`,
    });
    expect(result.exports).toEqual(expect.arrayContaining(['verifyChain', 'verifyReceipt', 'verifyManifest', 'hashReceipt']));
  });

  it("verifies the Hall's receipt chain with it and names an edited receipt's seq", () => {
    expect(chainLength).toBeGreaterThanOrEqual(3);
    expect(result.chain).toMatchObject({ ok: true, verified: chainLength });
    expect(result.tampered).toMatchObject({ ok: false, broken_at_seq: 2, code: 'RECEIPT_HASH_MISMATCH' });
  });
});
