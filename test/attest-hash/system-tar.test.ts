// Archives written by the system's GNU tar in each format hash like the directory they came from.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPackageFiles, ingestPackage, TarError } from '../../src/attest/index.js';

const hasTar = spawnSync('tar', ['--version']).status === 0;

const FILES: Record<string, string> = {
  'code/worker_logic.py': 'def run():\n    return 1\n',
  ['deep/' + 'd'.repeat(90) + '/' + 'e'.repeat(90) + '/long-name-' + 'x'.repeat(60) + '.txt']: 'long path',
  ['n'.repeat(120) + '.txt']: 'long component',
  'unicode/caf\u00e9-\u65e5\u672c-\u{1f600}.md': 'unicode',
  'empty.txt': '',
  '__pycache__/x.cpython-311.pyc': 'excluded',
  'manifest.json': '{}',
};

// ustar cannot store a 120-byte component: its tree has every other file (the long path is split
// between the prefix and name fields).
const USTAR_FILES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(FILES).filter(([p]) => !p.startsWith('nnn') && !p.startsWith('deep/'))),
  ['split/' + 'd'.repeat(90) + '/long-name-' + 'x'.repeat(60) + '.txt']: 'split between prefix and name',
};

function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'edgehall-systar-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'pkg', rel)), { recursive: true });
    writeFileSync(join(root, 'pkg', rel), text);
  }
  return root;
}

describe.runIf(hasTar)('system tar archives', () => {
  for (const format of ['gnu', 'pax', 'ustar', 'oldgnu', 'posix'] as const) {
    it(`--format=${format}, with and without gzip, with ./ and a top folder`, async () => {
      const files = format === 'ustar' ? USTAR_FILES : FILES;
      const root = makeTree(files);
      const want = hashPackageFiles(Object.entries(files).map(([path, t]) => ({ path, bytes: new TextEncoder().encode(t) })));
      const out = join(root, `a-${format}.tar`);
      const ok = spawnSync('tar', [`--format=${format}`, '-C', join(root, 'pkg'), '-cf', out, '.']);
      expect(ok.status, String(ok.stderr)).toBe(0);
      const bytes = new Uint8Array(readFileSync(out));
      const r = await ingestPackage(bytes, { stripPrefix: './' });
      expect(r.records).toEqual(want.records);
      expect(r.excluded_entries).toEqual(want.excluded_entries);
      expect(r.package_hash).toBe(want.package_hash);
      expect(new TextDecoder().decode(r.manifest!)).toBe('{}');

      const tgz = join(root, `b-${format}.tgz`);
      expect(spawnSync('tar', [`--format=${format}`, '-C', root, '-czf', tgz, 'pkg']).status).toBe(0);
      const z = await ingestPackage(new Uint8Array(readFileSync(tgz)), { stripPrefix: 'pkg/' });
      expect(z.package_hash).toBe(want.package_hash);
    });
  }
  it('--format=v7 (no magic) is refused as TAR_CORRUPT', async () => {
    const root = makeTree(USTAR_FILES);
    const out = join(root, 'v7.tar');
    spawnSync('tar', ['--format=v7', '-C', join(root, 'pkg'), '-cf', out, 'code']);
    await expect(ingestPackage(new Uint8Array(readFileSync(out)))).rejects.toSatisfy((e) => e instanceof TarError && e.code === 'TAR_CORRUPT');
  });
});
