// The reader in a real browser (Debian's Chromium, headless): the vectors hash the same with
// Chromium's DecompressionStream and WebCrypto, from a Blob as a file input would give it.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, loadCases } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const ENTRY = `
import { ingestPackage, chooseDigestEngine } from './src/attest/index.ts';
globalThis.edgehallHash = async (b64, prefix) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try {
    const r = await ingestPackage(new Blob([bytes]), { stripPrefix: prefix });
    return { package_hash: r.package_hash, records: r.records, excluded_entries: r.excluded_entries };
  } catch (e) {
    return { code: e.code ?? 'NOT_A_TAR_ERROR: ' + e };
  }
};
globalThis.edgehallEngine = (size) => chooseDigestEngine(size);
`;

let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  const out = await build({ stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'iife', platform: 'browser', write: false });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  // A secure context (WebCrypto needs one): serve a blank page from http://localhost.
  await page.route('http://localhost/', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>t</title>' }));
  await page.goto('http://localhost/');
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
});
afterAll(async () => {
  await browser?.close();
});

describe.runIf(existsSync(CHROMIUM))('inside Chromium', () => {
  it('is a secure context and picks noble for small files, WebCrypto for mid-size ones', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { edgehallEngine(n: number): string }).edgehallEngine(100))).toBe('noble');
    expect(await page.evaluate(() => (globalThis as unknown as { edgehallEngine(n: number): string }).edgehallEngine(100_000))).toBe('webcrypto');
  });

  it('hashes and rejects every public vector as in Node', async () => {
    for (const c of loadCases()) {
      if (c.category.startsWith('manifest')) continue;
      for (const kind of ['tar', 'tgz'] as const) {
        const path = c[kind];
        if (!path) continue;
        const b64 = Buffer.from(fixture(path)).toString('base64');
        const r = (await page.evaluate(
          ([b, p]) => (globalThis as unknown as { edgehallHash(b: string, p: string): Promise<unknown> }).edgehallHash(b!, p!),
          [b64, c.root_prefix],
        )) as { package_hash?: string; records?: unknown; excluded_entries?: unknown; code?: string };
        if ('package_hash' in c.expected) {
          expect(r.package_hash, `${c.name}.${kind}`).toBe(c.expected.package_hash);
          expect(r.records).toEqual(c.expected.records);
        } else expect(r.code, `${c.name}.${kind}`).toMatch(/^TAR_/);
      }
    }
  });
});
