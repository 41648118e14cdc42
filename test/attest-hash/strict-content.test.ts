// Excluded entries and colliding names (issue 8). pyhall leaves `__pycache__`, `*.pyc`, nested
// `manifest.json` & co. out of the package hash, so an archive can carry unhashed content next to a
// validly signed manifest; and `A.py` + `a.py` (or NFC + NFD `café.py`) become one file on macOS or
// Windows. Hashing keeps pyhall's hash and reports the excluded entries; verifyArchive with
// `strictContent` (what the Hall uses for /attest/verify and registration) refuses both.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildManifest, ingestPackage, serializeManifestBytes, signManifestHmac, verifyArchive } from '../../src/attest/index.js';
import { gzipSync } from 'node:zlib';
import { dir, file, tar, tarFiles } from '../support/tar.js';

const WORKER = 'x.alice.tool.i-1';
const SPECIES = 'wrk.doc.summarizer';
const SECRET = 'k';
const clean = { 'code/worker_logic.py': 'def run(doc):\n    return doc[:100]\n', 'requirements.lock': 'ollama==0.3.0\n' };
const smuggled = { 'code/__pycache__/x.pyc': 'evil bytecode', 'code/helper.pyc': 'more bytecode', 'code/manifest.json/x.py': 'import os\n' };

async function manifestFor(files: Record<string, string>): Promise<Uint8Array> {
  const { package_hash } = await ingestPackage(tarFiles(files));
  return serializeManifestBytes(signManifestHmac(buildManifest({ packageHash: package_hash, workerId: WORKER, speciesId: SPECIES, workerVersion: '1.0.0' }), SECRET));
}

const opts = { workerId: WORKER, speciesId: SPECIES, secret: SECRET };

describe('excluded entries', () => {
  it('hashing keeps pyhall\'s hash and lists the smuggled entries', async () => {
    const r = await ingestPackage(tarFiles({ ...clean, ...smuggled }));
    expect(r.package_hash).toBe((await ingestPackage(tarFiles(clean))).package_hash);
    expect(r.excluded_entries).toEqual(['code/__pycache__/x.pyc', 'code/helper.pyc', 'code/manifest.json/x.py']);
  });

  it('the attack: a signed clean manifest verifies next to unhashed content (pyhall) but not with strictContent', async () => {
    const manifest = await manifestFor(clean);
    const evil = tarFiles({ ...clean, ...smuggled, 'manifest.json': manifest });
    for (const archive of [evil, new Uint8Array(gzipSync(evil))]) {
      expect(await verifyArchive(archive, opts)).toMatchObject({ ok: true });
      const v = await verifyArchive(archive, { ...opts, strictContent: true });
      expect(v).toMatchObject({ ok: false, deny_code: 'ATTEST_EXCLUDED_CONTENT' });
      expect(v.excluded_entries).toEqual(['code/__pycache__/x.pyc', 'code/helper.pyc', 'code/manifest.json/x.py', 'manifest.json']);
      for (const name of Object.keys(smuggled)) expect(v.message).toContain(name);
      expect(v.message).not.toMatch(/"manifest\.json"/);
      expect(v.package_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(v.trust_statement).toBeUndefined();
    }
    // each kind alone is refused
    for (const [name, body] of Object.entries(smuggled)) {
      const one = tarFiles({ ...clean, [name]: body, 'manifest.json': manifest });
      expect((await verifyArchive(one, { ...opts, strictContent: true })).deny_code, name).toBe('ATTEST_EXCLUDED_CONTENT');
    }
    for (const name of ['.git/config', 'sub/manifest.sig', 'docs/.DS_Store', 'manifest.tmp', 'manifest.sig']) {
      const one = tarFiles({ ...clean, [name]: 'x', 'manifest.json': manifest });
      expect((await verifyArchive(one, { ...opts, strictContent: true })).deny_code, name).toBe('ATTEST_EXCLUDED_CONTENT');
    }
  });

  it('a clean package with its root manifest.json verifies under strictContent, also under a strip prefix and with an external manifest', async () => {
    const manifest = await manifestFor(clean);
    expect(await verifyArchive(tarFiles({ ...clean, 'manifest.json': manifest }), { ...opts, strictContent: true })).toMatchObject({ ok: true, deny_code: null });
    const prefixed = tar(dir('package/'), ...Object.entries({ ...clean, 'manifest.json': manifest }).map(([n, d]) => file(`package/${n}`, d)));
    expect(await verifyArchive(prefixed, { ...opts, stripPrefix: 'package/', strictContent: true })).toMatchObject({ ok: true });
    // an empty excluded directory carries nothing and is not refused
    expect(await verifyArchive(tar(dir('code/__pycache__/'), ...Object.entries(clean).map(([n, d]) => file(n, d))), { ...opts, manifest, strictContent: true })).toMatchObject({ ok: true });
    // the archive's own root manifest.json is ignored when one is passed, and still allowed
    expect(await verifyArchive(tarFiles({ ...clean, 'manifest.json': '{}' }), { ...opts, manifest, strictContent: true })).toMatchObject({ ok: true, manifest_source: 'external' });
  });

  it('the public vectors with excluded entries verify as pyhall says by default, and are refused under strictContent', async () => {
    const dirUrl = new URL('../crypto/vectors/', import.meta.url);
    const cases = JSON.parse(readFileSync(fileURLToPath(new URL('index.json', dirUrl)), 'utf8')) as {
      name: string;
      tar: string;
      manifest: string;
      secret: string | null;
      worker_id: string;
      worker_species_id: string;
      expected_verify: { ok: boolean };
    }[];
    const c = cases.find((x) => x.name === 'manifest-excluded-nested')!;
    const archive = new Uint8Array(readFileSync(fileURLToPath(new URL(c.tar, dirUrl))));
    const manifest = new Uint8Array(readFileSync(fileURLToPath(new URL(c.manifest, dirUrl))));
    const o = { workerId: c.worker_id, speciesId: c.worker_species_id, secret: c.secret, manifest };
    expect((await verifyArchive(archive, o)).ok).toBe(c.expected_verify.ok);
    expect((await verifyArchive(archive, { ...o, strictContent: true })).deny_code).toBe('ATTEST_EXCLUDED_CONTENT');
  });
});

describe('colliding names', () => {
  for (const [what, extra] of [
    ['case', { 'code/A.py': '1', 'code/a.py': '2' }],
    ['NFC/NFD', { 'caf\u00e9.py': '1', 'cafe\u0301.py': '2' }],
  ] as const) {
    it(`${what}: verifies as pyhall would by default, refused TAR_NAME_COLLISION under strictContent`, async () => {
      const files = { ...clean, ...extra };
      const archive = tarFiles({ ...files, 'manifest.json': await manifestFor(files) });
      expect(await verifyArchive(archive, opts)).toMatchObject({ ok: true });
      const v = await verifyArchive(archive, { ...opts, strictContent: true });
      expect(v).toMatchObject({ ok: false, deny_code: 'TAR_NAME_COLLISION' });
      expect(v.message).toMatch(/collide/);
    });
  }
});

describe('edgehall verify --strict', () => {
  it('denies the smuggled archive with --strict (exit 1) and keeps pyhall\'s verdict without it (exit 0)', async () => {
    const dirPath = mkdtempSync(join(tmpdir(), 'edgehall-strict-'));
    const archive = join(dirPath, 'evil.tar');
    writeFileSync(archive, tarFiles({ ...clean, ...smuggled, 'manifest.json': await manifestFor(clean) }));
    const main = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
    const runner = `import(${JSON.stringify(main)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
    const run = (extra: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', runner, 'verify', archive, '--worker-id', WORKER, '--species', SPECIES, '--secret-env', 'S', '--json', ...extra], {
        encoding: 'utf8',
        env: { ...process.env, S: SECRET },
      });
      return { code: r.status, out: JSON.parse(r.stdout.trim()) };
    };
    expect(run([])).toMatchObject({ code: 0, out: { ok: true } });
    const strict = run(['--strict']);
    expect(strict).toMatchObject({ code: 1, out: { ok: false, deny_code: 'ATTEST_EXCLUDED_CONTENT' } });
    expect(strict.out.message).toContain('code/helper.pyc');
  });
});
