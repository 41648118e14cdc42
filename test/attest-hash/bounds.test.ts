// Ingestion bounds (issue 8): the path tree costs O(archive), deep paths and huge trees are refused
// with TAR_LIMIT_EXCEEDED naming the limit, and names that collide under Unicode NFC or case folding
// are refused on request (TAR_NAME_COLLISION) while the default keeps pyhall's hash. Timing is the
// bench's job (bench/ingest-tree.ts); these tests assert outcomes only.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TAR_LIMITS, hashPackageFiles, ingestPackage, TarError, type IngestOptions } from '../../src/attest/index.js';
import { concatBytes } from '../../src/util/index.js';
import { deepTreeArchive } from '../support/deep-tree.js';
import { mulberry32 } from '../support/prng.js';
import { dir, entry, file, paxEntry, tar } from '../support/tar.js';

const enc = new TextEncoder();

/** A file whose name is carried by a pax `path` record (no 100-byte ustar name limit). */
const longFile = (path: string, data: string) => concatBytes([paxEntry({ path }), entry({ name: 'x', data })]);

async function rejection(input: Uint8Array, opts: IngestOptions = {}): Promise<TarError> {
  try {
    await ingestPackage(input, opts);
  } catch (e) {
    if (e instanceof TarError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const expectedHash = (files: { path: string; data: string }[]) =>
  hashPackageFiles(files.map((f) => ({ path: f.path, bytes: enc.encode(f.data) }))).package_hash;

describe('path tree bounds', () => {
  it('bounds the sum of all entry path bytes (they are kept in the records and the answer)', async () => {
    const { archive } = deepTreeArchive({ shape: 'shared', entries: 200, pathBytes: 1000, segmentBytes: 31 });
    const e = await rejection(archive, { limits: { maxPathBytesTotal: 100_000 } });
    expect(e.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(e.details).toMatchObject({ limit: 'maxPathBytesTotal', value: 100_000 });
    expect((await ingestPackage(archive, { limits: { maxPathBytesTotal: 300_000 } })).records).toHaveLength(200);
    expect(DEFAULT_TAR_LIMITS.maxPathBytesTotal).toBe(16 * 1024 * 1024);
  });

  it('hashes many deep unique paths and many deep shared paths exactly like the file hasher', async () => {
    const limits = { maxTreeNodes: 1_000_000, maxPathDepth: 2048 };
    for (const shape of ['unique', 'shared'] as const) {
      const { archive, files } = deepTreeArchive({ shape, entries: 300, pathBytes: 1500, segmentBytes: 2 });
      const r = await ingestPackage(archive, { limits });
      expect(r.records).toHaveLength(300);
      expect(r.package_hash, shape).toBe(expectedHash(files));
    }
  });

  it('keeps the tree semantics: duplicates, file/dir conflicts and a file used as a parent at any depth', async () => {
    const deep = Array.from({ length: 200 }, (_, i) => `d${i}`).join('/');
    const limits = { maxPathDepth: 1000 };
    expect((await rejection(tar(longFile(`${deep}/f`, '1'), longFile(`${deep}/f`, '2')), { limits })).code).toBe('TAR_DUPLICATE_PATH');
    expect((await rejection(tar(longFile(`${deep}/f`, '1'), longFile(`${deep}/f/g`, '2')), { limits })).code).toBe('TAR_PATH_CONFLICT');
    expect((await rejection(tar(longFile(`${deep}/f/g`, '1'), longFile(`${deep}/f`, '2')), { limits })).code).toBe('TAR_PATH_CONFLICT');
    expect((await rejection(tar(longFile(deep, '1'), longFile(`${deep}/x`, '2')), { limits })).code).toBe('TAR_PATH_CONFLICT');
    const ok = await ingestPackage(tar(dir('a/'), longFile(`a/${deep}/f`, '1'), dir('a/d0/'), longFile(`a/${deep}/g`, '2')), { limits });
    expect(ok.records.map((r) => r.path)).toEqual([`a/${deep}/f`, `a/${deep}/g`]);
  });

  it('refuses a path deeper than maxPathDepth segments (TAR_LIMIT_EXCEEDED, limit maxPathDepth)', async () => {
    expect(DEFAULT_TAR_LIMITS.maxPathDepth).toBeGreaterThanOrEqual(64);
    const atLimit = Array.from({ length: DEFAULT_TAR_LIMITS.maxPathDepth }, () => 'a').join('/');
    expect((await ingestPackage(tar(longFile(atLimit, 'x')))).records).toHaveLength(1);
    const e = await rejection(tar(longFile(`${atLimit}/b`, 'x')));
    expect(e.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(e.details).toMatchObject({ limit: 'maxPathDepth', value: DEFAULT_TAR_LIMITS.maxPathDepth });
    expect(e.message).toMatch(/deeper than \d+/);
    expect((await rejection(tar(file('a/b/c/d', 'x')), { limits: { maxPathDepth: 3 } })).details?.limit).toBe('maxPathDepth');
    // directory entries count too
    expect((await rejection(tar(dir('a/b/c/d/')), { limits: { maxPathDepth: 3 } })).details?.limit).toBe('maxPathDepth');
  });

  it('refuses more tree nodes (files + directories) than maxTreeNodes', async () => {
    // a/b/c.txt is 3 nodes; a/d.txt a 4th; a/e/f.txt would make 6.
    const four = tar(file('a/b/c.txt', '1'), file('a/d.txt', '2'));
    expect((await ingestPackage(four, { limits: { maxTreeNodes: 4 } })).records).toHaveLength(2);
    const e = await rejection(tar(file('a/b/c.txt', '1'), file('a/d.txt', '2'), file('a/e/f.txt', '3')), { limits: { maxTreeNodes: 4 } });
    expect(e.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(e.details).toMatchObject({ limit: 'maxTreeNodes', value: 4 });
    // directory entries, excluded files and repeated directories: each distinct path counts once
    expect((await ingestPackage(tar(dir('a/'), dir('a/'), file('a/.git/HEAD', 'x')), { limits: { maxTreeNodes: 3 } })).excluded_entries).toEqual(['a/.git/HEAD']);
    expect((await rejection(tar(dir('a/'), dir('b/'), dir('c/'), dir('d/')), { limits: { maxTreeNodes: 3 } })).details?.limit).toBe('maxTreeNodes');
  });

  it('refuses the reported attack shape (long unique deep pax paths) with the default limits', async () => {
    const { archive } = deepTreeArchive({ shape: 'unique', entries: 1000, pathBytes: 4000, segmentBytes: 2 });
    const e = await rejection(archive);
    expect(e.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(e.details?.limit).toBe('maxPathDepth');
    // with segments long enough to pass the depth cap, the node cap stops it
    const wide = deepTreeArchive({ shape: 'unique', entries: 2000, pathBytes: 4000, segmentBytes: 31 });
    expect((await rejection(wide.archive)).details?.limit).toBe('maxTreeNodes');
  });

  it('refuses non-positive new limits as a programming error', async () => {
    await expect(ingestPackage(tar(), { limits: { maxPathDepth: 0 } })).rejects.toThrow(TypeError);
    await expect(ingestPackage(tar(), { limits: { maxTreeNodes: -1 } })).rejects.toThrow(TypeError);
  });
});

describe('hash order from the tree', () => {
  it('equals the sort-based file hasher on random trees with order-sensitive names (seeded)', async () => {
    // '-' and '.' sort before '/'-free letters, astral names after U+E000-FFFF, 'a' before 'a-b'.
    const alphabet = ['a', 'b', 'A', '-', '.', '_', ' ', '0', '10', '9', '\u00e9', 'e\u0301', '\ue000', '\u{1f600}', 'ab', 'a-b', 'a.b'];
    const r = mulberry32(0x7a3e);
    for (let round = 0; round < 40; round++) {
      const paths = new Set<string>();
      const dirs = new Set<string>();
      const n = 1 + Math.floor(r() * 40);
      while (paths.size < n) {
        const depth = 1 + Math.floor(r() * 5);
        const parts = Array.from({ length: depth }, () => alphabet[Math.floor(r() * alphabet.length)]!);
        const p = parts.join('/');
        // keep it a valid tree: no file is a prefix directory of another path, and no '.'-only component
        if (parts.some((x) => x === '.') || paths.has(p) || dirs.has(p)) continue;
        if (parts.some((_, i) => paths.has(parts.slice(0, i + 1).join('/')))) continue;
        paths.add(p);
        for (let i = 1; i < depth; i++) dirs.add(parts.slice(0, i).join('/'));
      }
      const files = [...paths].map((path, i) => ({ path, data: `f${i}` }));
      const shuffled = [...files].sort(() => r() - 0.5);
      const got = await ingestPackage(tar(...shuffled.map((f) => longFile(f.path, f.data))));
      const want = hashPackageFiles(files.map((f) => ({ path: f.path, bytes: enc.encode(f.data) })));
      expect(got.records.map((x) => x.path), `round ${round}`).toEqual(want.records.map((x) => x.path));
      expect(got.package_hash).toBe(want.package_hash);
    }
  });
});

describe('names that collide under NFC or case folding', () => {
  const cases: [string, string[]][] = [
    ['case', ['code/A.py', 'code/a.py']],
    ['NFC/NFD', ['caf\u00e9.py', 'cafe\u0301.py']],
    ['directory case', ['Lib/x.py', 'lib/y.py']],
    ['full case folding', ['stra\u00dfe.py', 'STRASSE.py']],
    ['NFD directory vs NFC file parent', ['\u00e9/x', 'e\u0301/y']],
  ];
  for (const [what, names] of cases) {
    it(`${what}: hashed as distinct by default (pyhall), refused with refuseNameCollisions`, async () => {
      const archive = tar(...names.map((n, i) => file(n, String(i))));
      const files = names.map((path, i) => ({ path, data: String(i) }));
      expect((await ingestPackage(archive)).package_hash).toBe(expectedHash(files));
      const e = await rejection(archive, { refuseNameCollisions: true });
      expect(e.code).toBe('TAR_NAME_COLLISION');
      expect(e.message).toMatch(/collide/);
      expect(e.details?.path).toBeDefined();
      expect(e.details?.other).toBeDefined();
    });
  }
  it('does not confuse distinct names, repeated directories or the same name at different levels', async () => {
    const archive = tar(dir('a/'), dir('A2/'), file('a/b.py', '1'), dir('a/'), file('a/a/b.py', '2'), file('a/B2.py', '3'), file('a.py', '4'));
    expect((await ingestPackage(archive, { refuseNameCollisions: true })).records).toHaveLength(4);
  });
  it('reports the kind of collision', async () => {
    expect((await rejection(tar(file('caf\u00e9', '1'), file('cafe\u0301', '2')), { refuseNameCollisions: true })).message).toMatch(/NFC/);
    expect((await rejection(tar(file('X', '1'), file('x', '2')), { refuseNameCollisions: true })).message).toMatch(/case/);
  });
});
