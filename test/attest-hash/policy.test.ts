// Ingestion policy beyond the public vectors: what a careful reviewer refuses, and the
// legitimate encodings that must hash the same.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hashPackageFiles, ingestPackage, TarError, TAR_ERROR_CODES, type TarErrorCode } from '../../src/attest/index.js';
import { concatBytes, sha256Hex } from '../../src/util/index.js';
import { dir, entry, EOF, file, gnuLongName, header, paxEntry, tar } from '../support/tar.js';

async function codeOf(input: Uint8Array | ReadableStream<Uint8Array>, opts = {}): Promise<TarErrorCode> {
  try {
    await ingestPackage(input, opts);
  } catch (e) {
    if (e instanceof TarError) {
      expect(TAR_ERROR_CODES).toContain(e.code);
      expect(e.message.length).toBeGreaterThan(20);
      return e.code;
    }
    throw e;
  }
  throw new Error('expected a rejection');
}

const hashOf = async (input: Uint8Array, opts = {}) => (await ingestPackage(input, opts)).package_hash;
const expected = (files: Record<string, string>) =>
  hashPackageFiles(Object.entries(files).map(([path, s]) => ({ path, bytes: new TextEncoder().encode(s) }))).package_hash;

describe('names and paths', () => {
  it('normalises ./ and empty components, then detects duplicates', async () => {
    expect(await hashOf(tar(file('./a/./b', 'x'), dir('./'), dir('a//')))).toBe(expected({ 'a/b': 'x' }));
    expect(await codeOf(tar(file('a//b', 'x'), file('a/b', 'y')))).toBe('TAR_DUPLICATE_PATH');
    expect(await codeOf(tar(file('a/b', 'x'), file('./a/b', 'x')))).toBe('TAR_DUPLICATE_PATH');
  });
  it("refuses '..' anywhere and absolute paths", async () => {
    for (const name of ['../x', 'a/../b', 'a/..', '/etc/passwd', 'a/b/../../../c']) {
      expect(await codeOf(tar(file(name, 'x'))), name).toBe('TAR_PATH_TRAVERSAL');
    }
    expect(await codeOf(tar(dir('a/../../')))).toBe('TAR_PATH_TRAVERSAL');
  });
  it('refuses control characters, empty names and DEL/C1 controls', async () => {
    for (const name of ['a\nb', 'a\rb', 'tab\there', 'esc\u001b[31m', 'del\u007f', 'c1\u0085']) {
      expect(await codeOf(tar(file(name, 'x'))), JSON.stringify(name)).toBe('TAR_BAD_NAME');
    }
    expect(await codeOf(tar(file('', 'x')))).toBe('TAR_BAD_NAME');
    expect(await codeOf(tar(paxEntry({ path: 'a\u0000b' }), file('ignored', 'x')))).toBe('TAR_BAD_NAME');
    expect(await codeOf(tar(entry({ name: new Uint8Array([0x63, 0xe9]), data: 'x' })))).toBe('TAR_BAD_NAME');
  });
  it('keeps backslashes, NFC/NFD and case as distinct bytes', async () => {
    const files = { 'a\\b': '1', 'caf\u00e9': '2', 'cafe\u0301': '3', A: '4', a: '5' };
    expect(await hashOf(tar(...Object.entries(files).map(([n, d]) => file(n, d))))).toBe(expected(files));
  });
  it('refuses a file and a directory at the same path, and a file used as a parent', async () => {
    expect(await codeOf(tar(file('a', 'x'), file('a/b', 'y')))).toBe('TAR_PATH_CONFLICT');
    expect(await codeOf(tar(file('a/b', 'y'), file('a', 'x')))).toBe('TAR_PATH_CONFLICT');
    expect(await codeOf(tar(dir('a/'), file('a', 'x')))).toBe('TAR_PATH_CONFLICT');
    expect(await codeOf(tar(file('a', 'x'), dir('a/')))).toBe('TAR_PATH_CONFLICT');
    expect(await codeOf(tar(file('./', 'x')))).toBe('TAR_PATH_CONFLICT');
    // Directories listed twice are harmless.
    expect(await hashOf(tar(dir('a/'), dir('a/'), file('a/b', 'y')))).toBe(expected({ 'a/b': 'y' }));
  });
  it('refuses duplicates among excluded files too (two manifests would be ambiguous)', async () => {
    expect(await codeOf(tar(file('manifest.json', '{}'), file('./manifest.json', '{"x":1}')))).toBe('TAR_DUPLICATE_PATH');
  });
  it('refuses path components over 255 bytes and paths over the limit', async () => {
    const long = 'x'.repeat(256);
    expect(await codeOf(tar(paxEntry({ path: long }), file('t', 'x')))).toBe('TAR_LIMIT_EXCEEDED');
    expect(await codeOf(tar(paxEntry({ path: 'a/'.repeat(3000) + 'f' }), file('t', 'x')))).toBe('TAR_LIMIT_EXCEEDED');
  });
});

describe('strip prefix', () => {
  const pkg = tar(dir('package/'), file('package/a.txt', 'A'), file('package/sub/b.txt', 'B'));
  it('strips a literal prefix and allows the bare prefix directory', async () => {
    const want = expected({ 'a.txt': 'A', 'sub/b.txt': 'B' });
    expect(await hashOf(pkg, { stripPrefix: 'package/' })).toBe(want);
    expect(await hashOf(pkg, { stripPrefix: 'package' })).toBe(want);
    expect(await hashOf(tar(dir('.'), file('./a.txt', 'A'), file('./sub/b.txt', 'B')), { stripPrefix: './' })).toBe(want);
  });
  it('never guesses: without a prefix the top folder is hashed', async () => {
    expect(await hashOf(pkg)).toBe(expected({ 'package/a.txt': 'A', 'package/sub/b.txt': 'B' }));
  });
  it('refuses an entry outside the prefix and names it', async () => {
    try {
      await ingestPackage(tar(file('package/a', 'A'), file('other/b', 'B')), { stripPrefix: 'package/' });
      throw new Error('accepted');
    } catch (e) {
      expect((e as TarError).code).toBe('TAR_OUTSIDE_PREFIX');
      expect((e as TarError).message).toContain('other/b');
    }
    expect(await codeOf(tar(file('a.txt', 'A')), { stripPrefix: './' })).toBe('TAR_OUTSIDE_PREFIX');
    expect(await codeOf(tar(file('packagefoo/a', 'A')), { stripPrefix: 'package' })).toBe('TAR_OUTSIDE_PREFIX');
  });
  it('refuses a prefix that is absolute or climbs', async () => {
    await expect(ingestPackage(pkg, { stripPrefix: '../' })).rejects.toThrow(TypeError);
    await expect(ingestPackage(pkg, { stripPrefix: '/package/' })).rejects.toThrow(TypeError);
  });
});

describe('entry types', () => {
  it('refuses links, devices, FIFOs, sparse, multi-volume and unknown types', async () => {
    expect(await codeOf(tar(entry({ name: 'l', typeflag: '1', linkname: 'a' })))).toBe('TAR_LINK_ENTRY');
    expect(await codeOf(tar(entry({ name: 'l', typeflag: '2', linkname: 'a' })))).toBe('TAR_LINK_ENTRY');
    expect(await codeOf(tar(gnuLongName('t'.repeat(200), 'K'), entry({ name: 'l', typeflag: '2', format: 'gnu' })))).toBe('TAR_LINK_ENTRY');
    for (const t of ['3', '4', '6', 'S', 'M', 'V', 'D', 'N', 'Z']) {
      expect(await codeOf(tar(entry({ name: 'x', typeflag: t })), t)).toBe('TAR_SPECIAL_ENTRY');
    }
    expect(await codeOf(tar(paxEntry({ 'GNU.sparse.major': '1' }), file('x', 'a')))).toBe('TAR_SPECIAL_ENTRY');
  });
  it('accepts contiguous files (7) and pre-POSIX regular files (NUL type, / means directory)', async () => {
    const t = tar(entry({ name: 'a', typeflag: '7', data: 'A' }), entry({ name: 'd/', typeflag: '\0' }), entry({ name: 'd/b', typeflag: '\0', data: 'B' }));
    expect(await hashOf(t)).toBe(expected({ a: 'A', 'd/b': 'B' }));
  });
  it('refuses a directory or link that declares data', async () => {
    expect(await codeOf(tar(entry({ name: 'd/', typeflag: '5', size: 10 })))).toBe('TAR_CORRUPT');
  });
});

describe('header encodings', () => {
  it('joins the ustar prefix and name fields', async () => {
    const t = tar(entry({ prefix: 'p'.repeat(150), name: 'n'.repeat(100), data: 'x' }));
    expect(await hashOf(t)).toBe(expected({ ['p'.repeat(150) + '/' + 'n'.repeat(100)]: 'x' }));
  });
  it('ignores the prefix field area in GNU headers (it holds times there)', async () => {
    const h = entry({ name: 'a', data: 'x', format: 'gnu' });
    // GNU keeps atime/ctime at 345..; a reader that used them as a prefix would get a wrong path.
    expect(await hashOf(tar(h))).toBe(expected({ a: 'x' }));
  });
  it('reads GNU long names and pax paths', async () => {
    const long = 'd/'.repeat(80) + 'f.txt';
    expect(await hashOf(tar(gnuLongName(long), entry({ name: long.slice(0, 100), data: 'x', format: 'gnu' })))).toBe(expected({ [long]: 'x' }));
    expect(await hashOf(tar(paxEntry({ path: long }), entry({ name: 'trunc', data: 'x' })))).toBe(expected({ [long]: 'x' }));
  });
  it('applies pax size; refuses a pax size that contradicts the header', async () => {
    expect(await hashOf(tar(paxEntry({ size: '3' }), entry({ name: 'a', data: 'abc', size: 0 })))).toBe(expected({ a: 'abc' }));
    expect(await codeOf(tar(paxEntry({ size: '3' }), entry({ name: 'a', data: 'abcd' })))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(paxEntry({ size: '-3' }), entry({ name: 'a', data: 'abc', size: 0 })))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(paxEntry({ size: '3' }), paxEntry({ size: '3' }), entry({ name: 'a', data: 'abc', size: 0 })))).toBe('TAR_CORRUPT');
  });
  it('refuses malformed pax records and path-setting global headers; ignores metadata globals', async () => {
    const bad = entry({ name: 'PaxHeaders/x', typeflag: 'x', data: '99 path=a\n' });
    expect(await codeOf(tar(bad, file('a', 'x')))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(entry({ name: 'P', typeflag: 'x', data: 'garbage' }), file('a', 'x')))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(paxEntry({ path: 'evil' }, 'g'), file('a', 'x')))).toBe('TAR_CORRUPT');
    expect(await hashOf(tar(paxEntry({ comment: 'abc' }, 'g'), file('a', 'x')))).toBe(expected({ a: 'x' }));
    expect(await codeOf(tar(paxEntry({ path: 'a' }, 'x'), EOF))).toBe('TAR_CORRUPT');
  });
  it('refuses negative base-256 sizes; reads positive base-256 and applies the limit', async () => {
    const neg = new Uint8Array(12).fill(0xff);
    expect(await codeOf(tar(entry({ name: 'a', sizeField: neg })))).toBe('TAR_CORRUPT');
    const big = new Uint8Array(12);
    big[0] = 0x80;
    big[7] = 0x10; // 2^32 * 16 = 64 GiB
    expect(await codeOf(tar(entry({ name: 'a', sizeField: big, format: 'gnu' })))).toBe('TAR_LIMIT_EXCEEDED');
    const small = new Uint8Array(12);
    small[0] = 0x80;
    small[11] = 1;
    expect(await hashOf(tar(entry({ name: 'a', sizeField: small, data: 'x', format: 'gnu' })))).toBe(expected({ a: 'x' }));
  });
  it('refuses bad octal, bad checksums and headers without ustar magic', async () => {
    const sizeField = new TextEncoder().encode('00000000009x');
    expect(await codeOf(tar(entry({ name: 'a', sizeField })))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(entry({ name: 'a', data: 'x', badChecksum: true })))).toBe('TAR_CORRUPT');
    expect(await codeOf(tar(entry({ name: 'a', data: 'x', format: 'v7' })))).toBe('TAR_CORRUPT');
  });
});

describe('archive structure', () => {
  const good = file('a', 'hello');
  it('refuses a corrupt header after a good one instead of treating it as the end', async () => {
    expect(await codeOf(tar(good, entry({ name: 'b', data: 'x', badChecksum: true })))).toBe('TAR_CORRUPT');
  });
  it('requires both end-of-archive blocks', async () => {
    expect(await codeOf(concatBytes([good]))).toBe('TAR_TRUNCATED');
    expect(await codeOf(concatBytes([good, new Uint8Array(512)]))).toBe('TAR_TRUNCATED');
    expect(await codeOf(concatBytes([good, new Uint8Array(1000)]))).toBe('TAR_TRUNCATED');
    expect(await hashOf(concatBytes([good, new Uint8Array(1024 + 8192)]))).toBe(expected({ a: 'hello' }));
  });
  it('refuses a header after a single zero block, and data after the end marker', async () => {
    expect(await codeOf(concatBytes([good, new Uint8Array(512), file('b', 'x'), EOF]))).toBe('TAR_CORRUPT');
    expect(await codeOf(concatBytes([good, EOF, file('hidden', 'x'), EOF]))).toBe('TAR_CORRUPT');
  });
  it('refuses empty uploads and non-tar data', async () => {
    expect(await codeOf(new Uint8Array(0))).toBe('TAR_TRUNCATED');
    expect(await codeOf(new TextEncoder().encode('hello world, not a tar'))).toBe('TAR_CORRUPT');
    expect(await codeOf(new Uint8Array(2048).fill(0x41))).toBe('TAR_CORRUPT');
  });
  it('ignores garbage in data padding (writers leave it) but hashes only the declared bytes', async () => {
    expect(await hashOf(tar(entry({ name: 'a', data: 'hello', padByte: 0x55 })))).toBe(expected({ a: 'hello' }));
  });
});

describe('compression', () => {
  const t = tar(file('a', 'hello'), file('b/c', 'world'));
  it('inflates gzip by magic (and, with Node\'s inflater, concatenated members)', async () => {
    const want = expected({ a: 'hello', 'b/c': 'world' });
    expect(await hashOf(gzipSync(t))).toBe(want);
    const twoMembers = concatBytes([gzipSync(t.subarray(0, 1000)), gzipSync(t.subarray(1000))]);
    expect(await hashOf(twoMembers)).toBe(want);
  });
  it('refuses corrupt and truncated gzip, and other compressions', async () => {
    const gz = new Uint8Array(gzipSync(t));
    expect(await codeOf(gz.subarray(0, gz.length - 10))).toBe('TAR_TRUNCATED');
    const flipped = gz.slice();
    flipped[gz.length - 6]! ^= 0xff; // CRC / length trailer
    expect(['TAR_CORRUPT', 'TAR_TRUNCATED']).toContain(await codeOf(flipped));
    expect(await codeOf(concatBytes([gz, new TextEncoder().encode('trailing junk')]))).toBe('TAR_CORRUPT');
    expect(await codeOf(new Uint8Array([0x42, 0x5a, 0x68, 0x39, 0, 0, 0]))).toBe('TAR_CORRUPT');
    expect(await codeOf(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0]))).toBe('TAR_CORRUPT');
  });
  it('refuses a tgz inside a tgz rather than recursing', async () => {
    expect(await codeOf(gzipSync(gzipSync(t)))).toBe('TAR_CORRUPT');
  });
});

describe('limits', () => {
  it('stops a gzip bomb early, before inflating everything', async () => {
    // 64 MiB of zeros in one file: gzip makes it ~64 KiB (ratio ~1000).
    const size = 64 * 1024 * 1024;
    const zeros = new Uint8Array(size);
    const bomb = gzipSync(concatBytes([header({ name: 'zeros', size }), zeros, EOF]), { level: 9 });
    let seen = 0;
    try {
      await ingestPackage(bomb, { onProgress: (n) => (seen = n), limits: { maxFileBytes: 2 ** 40, maxTotalBytes: 2 ** 40 } });
      throw new Error('accepted');
    } catch (e) {
      expect((e as TarError).code).toBe('TAR_LIMIT_EXCEEDED');
      expect((e as TarError).details?.limit).toBe('maxInflateRatio');
      const inflated = (e as TarError).details?.bytes_inflated as number;
      expect(inflated).toBeLessThan(16 * 1024 * 1024);
    }
    expect(seen).toBeLessThan(bomb.length);
  });
  it('refuses a huge declared size at the header, without reading data', async () => {
    const t = concatBytes([header({ name: 'big', size: 8 ** 11 - 1 }), EOF]);
    try {
      await ingestPackage(t);
      throw new Error('accepted');
    } catch (e) {
      expect((e as TarError).code).toBe('TAR_LIMIT_EXCEEDED');
      expect((e as TarError).details?.limit).toBe('maxFileBytes');
    }
    expect(await codeOf(tar(file('a', 'x'.repeat(2000))), { limits: { maxTotalBytes: 2048 } })).toBe('TAR_LIMIT_EXCEEDED');
  });
  it('refuses too many entries, counting as it reads', async () => {
    const many = tar(...Array.from({ length: 30 }, (_, i) => file(`f${i}`, 'x')));
    try {
      await ingestPackage(many, { limits: { maxEntries: 10 } });
      throw new Error('accepted');
    } catch (e) {
      expect((e as TarError).code).toBe('TAR_LIMIT_EXCEEDED');
      expect((e as TarError).details?.limit).toBe('maxEntries');
    }
  });
  it('bounds pax headers and the captured manifest', async () => {
    expect(await codeOf(tar(paxEntry({ comment: 'c'.repeat(100_000) }), file('a', 'x')))).toBe('TAR_LIMIT_EXCEEDED');
    expect(await codeOf(tar(file('manifest.json', 'x'.repeat(5000))), { limits: { maxManifestBytes: 4096 } })).toBe('TAR_LIMIT_EXCEEDED');
  });
  it('rejects invalid limit options as a programming error', async () => {
    await expect(ingestPackage(tar(), { limits: { maxEntries: -1 } })).rejects.toThrow(TypeError);
  });
});

describe('result', () => {
  it('captures the root manifest (excluded from the hash) and reports stats', async () => {
    const t = tar(file('manifest.json', '{"a":1}'), file('sub/manifest.json', 'n'), file('code.py', 'print(1)'));
    const r = await ingestPackage(gzipSync(t));
    expect(new TextDecoder().decode(r.manifest!)).toBe('{"a":1}');
    expect(r.excluded_entries).toEqual(['manifest.json', 'sub/manifest.json']);
    expect(r.records).toEqual([{ path: 'code.py', size: 8, sha256: sha256Hex('print(1)') }]);
    expect(r.stats.entries).toBe(3);
    expect(r.stats.bytes_inflated).toBe(t.length);
    expect(r.stats.compression).toBe('gzip');
    const none = await ingestPackage(t, { captureRootFile: null });
    expect(none.manifest).toBeNull();
    expect(none.package_hash).toBe(r.package_hash);
  });
  it('hashes large files with every engine to the same value', async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    const mid = big.subarray(0, 100_000);
    const t = tar(file('big', big), file('mid', mid), file('small', 'x'));
    const r = await ingestPackage(t);
    expect(r.records.map((x) => x.sha256)).toEqual([sha256Hex(big), sha256Hex(mid), sha256Hex('x')]);
    const { createHash } = await import('node:crypto');
    const injected = await ingestPackage(t, { sha256: () => createHash('sha256') });
    expect(injected.package_hash).toBe(r.package_hash);
    const buffered = await ingestPackage(t, { digestBufferBytes: 8 * 1024 * 1024 });
    expect(buffered.package_hash).toBe(r.package_hash);
  });
});

describe('captureRootFile', () => {
  it('can capture a hashed root file too, without changing the hash', async () => {
    const t = tar(file('README.md', 'read me'), file('a', 'x'));
    const r = await ingestPackage(t, { captureRootFile: 'README.md' });
    expect(new TextDecoder().decode(r.manifest!)).toBe('read me');
    expect(r.package_hash).toBe(expected({ 'README.md': 'read me', a: 'x' }));
  });
});

describe('hashPackageFiles', () => {
  const f = (path: string) => ({ path, bytes: new Uint8Array(0) });
  it('refuses the names the reader refuses', () => {
    const code = (paths: string[]) => {
      try {
        hashPackageFiles(paths.map(f));
      } catch (e) {
        return (e as TarError).code;
      }
      return 'ok';
    };
    expect(code(['a\nb'])).toBe('TAR_BAD_NAME');
    expect(code(['../a'])).toBe('TAR_PATH_TRAVERSAL');
    expect(code(['/a'])).toBe('TAR_PATH_TRAVERSAL');
    expect(code(['a//b'])).toBe('TAR_BAD_NAME');
    expect(code(['./a'])).toBe('TAR_BAD_NAME');
    expect(code([''])).toBe('TAR_BAD_NAME');
    expect(code(['a', 'a'])).toBe('TAR_DUPLICATE_PATH');
    expect(code(['a\\b', 'caf\u00e9', '.pyc'])).toBe('ok');
  });
});

describe('sources', () => {
  it('treats a null body (empty request) as an empty upload', async () => {
    expect(await codeOf(null as unknown as Uint8Array)).toBe('TAR_TRUNCATED');
    const res = new Response(null);
    expect(await codeOf(res.body as unknown as Uint8Array)).toBe('TAR_TRUNCATED');
  });
  it('takes a Request body stream directly', async () => {
    const t = tar(file('a', 'x'));
    // Cast: TS 5.9's lib wants ArrayBuffer-backed views; these bytes are never on a SharedArrayBuffer.
    const req = new Request('http://x/', { method: 'POST', body: t as Uint8Array<ArrayBuffer> });
    expect((await ingestPackage(req.body)).package_hash).toBe(expected({ a: 'x' }));
  });
});
