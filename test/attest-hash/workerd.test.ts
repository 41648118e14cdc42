// The same reader inside real workerd (Miniflare): the edge runtime has its own
// DecompressionStream and a streaming crypto.DigestStream, so the vectors run there too.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPackageFiles } from '../../src/attest/index.js';
import { concatBytes } from '../../src/util/index.js';
import { fixture, loadCases } from './helpers.js';
import { EOF, file, header, tar } from '../support/tar.js';

process.env.WRANGLER_SEND_METRICS = 'false';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const WORKER = `
import { ingestPackage, chooseDigestEngine } from './src/attest/index.ts';
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/engine') return Response.json({ engine: chooseDigestEngine(Number(url.searchParams.get('size'))) });
    try {
      const r = await ingestPackage(request.body, { stripPrefix: url.searchParams.get('prefix') ?? '' });
      return Response.json({ package_hash: r.package_hash, records: r.records, excluded_entries: r.excluded_entries });
    } catch (e) {
      return Response.json({ code: e.code ?? null, message: String(e.message), details: e.details ?? null });
    }
  },
};`;

let mf: Miniflare;
let base: URL;

beforeAll(async () => {
  const out = await build({
    stdin: { contents: WORKER, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  mf = new Miniflare({ modules: true, script: out.outputFiles[0]!.text, compatibilityDate: '2026-05-01', cf: false });
  base = await mf.ready;
});
afterAll(async () => {
  await mf?.dispose();
});

async function post(body: Uint8Array, prefix = ''): Promise<{ package_hash?: string; records?: unknown; excluded_entries?: unknown; code?: string; details?: Record<string, unknown> }> {
  const res = await mf.dispatchFetch(new URL(`/?prefix=${encodeURIComponent(prefix)}`, base), { method: 'POST', body });
  return (await res.json()) as never;
}

describe('inside workerd', () => {
  it('uses WebCrypto for small files and DigestStream for large ones', async () => {
    const engine = async (size: number) => ((await (await mf.dispatchFetch(new URL(`/engine?size=${size}`, base))).json()) as { engine: string }).engine;
    expect(await engine(100)).toBe('webcrypto');
    expect(await engine(4 * 1024 * 1024)).toBe('digest-stream');
  });

  it('hashes and rejects every public vector as in Node', async () => {
    for (const c of loadCases()) {
      if (c.category.startsWith('manifest')) continue;
      for (const kind of ['tar', 'tgz'] as const) {
        const path = c[kind];
        if (!path) continue;
        const r = await post(fixture(path), c.root_prefix);
        if ('package_hash' in c.expected) {
          expect(r.package_hash, `${c.name}.${kind}`).toBe(c.expected.package_hash);
          expect(r.records).toEqual(c.expected.records);
          expect(r.excluded_entries).toEqual(c.expected.excluded_entries);
        } else expect(r.code, `${c.name}.${kind}`).toMatch(/^TAR_/);
      }
    }
  });

  it('streams a large file through DigestStream and stops a gzip bomb', async () => {
    // Incompressible bytes: a periodic pattern would (rightly) trip the inflate-ratio limit.
    let x = 2463534242;
    const big = new Uint8Array(5 * 1024 * 1024 + 3).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
    const t = tar(file('big.bin', big), file('small.txt', 'hi'));
    const want = hashPackageFiles([{ path: 'big.bin', bytes: big }, { path: 'small.txt', bytes: new TextEncoder().encode('hi') }]);
    expect((await post(t)).package_hash).toBe(want.package_hash);
    expect((await post(gzipSync(t))).package_hash).toBe(want.package_hash);

    const size = 64 * 1024 * 1024;
    const bomb = gzipSync(concatBytes([header({ name: 'zeros', size }), new Uint8Array(size), EOF]));
    const r = await post(bomb);
    expect(r.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(r.details?.limit).toBe('maxInflateRatio');
  });

  it('classifies cut and corrupt gzip (workerd words its errors differently)', async () => {
    const gz = gzipSync(tar(file('a', 'hello')));
    expect((await post(gz.subarray(0, gz.length - 10))).code).toBe('TAR_TRUNCATED');
    expect((await post(concatBytes([gz, new TextEncoder().encode('junk')]))).code).toBe('TAR_CORRUPT');
    const crc = gz.slice();
    crc.fill(0, crc.length - 8);
    expect((await post(crc)).code).toBe('TAR_CORRUPT');
  });
});
