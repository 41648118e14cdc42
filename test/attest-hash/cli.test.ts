// `edgehall hash` end to end: a real child process running the CLI from source.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TAR_LIMITS } from '../../src/attest/index.js';
import { loadCases, VECTORS_DIR } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Runs cli/main.ts through tsx (bin/edgehall.js would prefer a possibly stale dist/ build).
const RUNNER = `import(${JSON.stringify(join(ROOT, 'cli/main.ts'))}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function edgehall(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', RUNNER, ...args], { cwd: VECTORS_DIR, encoding: 'utf8', ...(input ? { input } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cases = loadCases();
const byName = (n: string) => cases.find((c) => c.name === n)!;

describe('edgehall hash', () => {
  it('--json prints one line per file and exits 2 when any file is rejected', () => {
    const scaffold = byName('scaffold--dotslash');
    const r = edgehall(['hash', '--strip-prefix', './', scaffold.tar!, scaffold.tgz!, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.package_hash).toBe((scaffold.expected as { package_hash: string }).package_hash);
      expect(line.records).toEqual((scaffold.expected as { records: unknown }).records);
    }
    expect(lines[0].file).toBe(scaffold.tar);

    const bad = edgehall(['hash', 'fixtures/scaffold.tar', 'fixtures/hardlink.tgz', 'missing.tar', '--json']);
    expect(bad.code).toBe(2);
    const out = bad.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out[0].package_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(out[1]).toMatchObject({ file: 'fixtures/hardlink.tgz', error: { code: 'TAR_LINK_ENTRY' } });
    expect(out[1].error.message).toMatch(/code\/copy\.py/);
    expect(out[2].error.code).toBe('FILE_UNREADABLE');
  });

  it('prints a human line per file, records on request, errors on stderr', () => {
    const c = byName('excluded-nested--npm');
    const r = edgehall(['hash', c.tgz!, '--strip-prefix=package/', '--records']);
    expect(r.code).toBe(0);
    const exp = c.expected as { package_hash: string; records: { path: string }[]; excluded_entries: string[] };
    expect(r.stdout).toContain(`${exp.package_hash}  ${c.tgz}  (${exp.records.length} files hashed, ${exp.excluded_entries.length} excluded)`);
    expect(r.stdout).toContain(JSON.stringify(exp.records[0]!.path));
    const bad = edgehall(['hash', 'fixtures/newline-in-name.tar']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('TAR_BAD_NAME');
  });

  it('an entry outside --strip-prefix is an error naming the entry; usage errors exit 2', () => {
    const r = edgehall(['hash', 'fixtures/scaffold.tar', '--strip-prefix', 'package/', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('TAR_OUTSIDE_PREFIX');
    expect(edgehall(['hash']).code).toBe(2);
    expect(edgehall(['hash', '--bogus', 'x']).code).toBe(2);
    expect(edgehall(['hash', '--help']).code).toBe(0);
  });

  it("reads standard input for '-'", () => {
    const c = byName('sort-dash-vs-slash--npm');
    const r = edgehall(['hash', '-', '--strip-prefix', 'package/', '--json'], readFileSync(join(VECTORS_DIR, c.tgz!)));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: '-', package_hash: (c.expected as { package_hash: string }).package_hash });
  });

  it('hashes a non-archive as a coded rejection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgehall-hash-'));
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'x'.repeat(3000));
    const r = edgehall(['hash', f, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('TAR_CORRUPT');
  });
});

describe('edgehall hash <dir> and local limits', () => {
  const pkg = () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgehall-hash-dir-'));
    mkdirSync(join(dir, 'code', '__pycache__'), { recursive: true });
    writeFileSync(join(dir, 'code', 'x.py'), 'print(1)\n');
    writeFileSync(join(dir, 'code', '__pycache__', 'x.cpython-312.pyc'), 'junk');
    writeFileSync(join(dir, 'README.md'), '# hi\n');
    writeFileSync(join(dir, 'manifest.json'), '{}');
    return dir;
  };
  const tarOf = (dir: string, out: string) => {
    const r = spawnSync('tar', ['-C', dir, '-cf', out, '.']);
    expect(r.status).toBe(0);
    return out;
  };

  it('a directory hashes like the tar of the same files (same records and exclusions)', () => {
    const dir = pkg();
    const tar = tarOf(dir, join(mkdtempSync(join(tmpdir(), 'edgehall-hash-tar-')), 'pkg.tar'));
    const r = edgehall(['hash', dir, tar, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [d, t] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(d.package_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d.package_hash).toBe(t.package_hash);
    expect(d.records).toEqual(t.records);
    expect(d.records.map((x: { path: string }) => x.path)).toEqual(['README.md', 'code/x.py']);
    expect(d.excluded_entries).toEqual(t.excluded_entries);
    expect(edgehall(['hash', dir]).stdout).toContain(`${d.package_hash}  ${dir}  (2 files hashed, 2 excluded)`);
  });

  it("'./' entries: '.' components are always dropped, so --strip-prefix ./ changes nothing", () => {
    const dir = pkg();
    const tar = tarOf(dir, join(mkdtempSync(join(tmpdir(), 'edgehall-hash-tar-')), 'pkg.tar'));
    const plain = JSON.parse(edgehall(['hash', tar, '--json']).stdout);
    const named = JSON.parse(edgehall(['hash', tar, '--strip-prefix', './', '--json']).stdout);
    expect(named.package_hash).toBe(plain.package_hash);
    expect(plain.records[0].path).toBe('README.md');
  });

  it('refuses a symbolic link inside a directory, as sign does', () => {
    const dir = pkg();
    symlinkSync(join(dir, 'README.md'), join(dir, 'code', 'link.md'));
    const r = edgehall(['hash', dir, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'PACKAGE_LINK_ENTRY' });
  });

  it('--max-file-bytes / --max-entries tighten the limits for archives and directories; bad values exit 2', () => {
    const dir = pkg();
    const tar = tarOf(dir, join(mkdtempSync(join(tmpdir(), 'edgehall-hash-tar-')), 'pkg.tar'));
    const r = edgehall(['hash', tar, dir, '--max-file-bytes', '4', '--json']);
    expect(r.code).toBe(2);
    const [t, d] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(t.error.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(t.error.message).toMatch(/--max-file-bytes/);
    expect(d.error).toMatchObject({ code: 'PACKAGE_LIMIT_EXCEEDED', message: expect.stringMatching(/--max-file-bytes \(4\)/) });
    expect(edgehall(['hash', dir, '--max-entries=2']).stderr).toMatch(/PACKAGE_LIMIT_EXCEEDED.*--max-entries/);
    expect(edgehall(['hash', tar, '--max-entries', '2', '--json']).stdout).toMatch(/TAR_LIMIT_EXCEEDED/);
    expect(edgehall(['hash', tar, '--max-file-bytes', '1K']).code).toBe(0);
    expect(edgehall(['hash', tar, '--max-file-bytes', '-3']).code).toBe(2);
    expect(edgehall(['hash', tar, '--max-total-bytes', 'lots']).stderr).toMatch(/--max-total-bytes takes a positive whole number/);
  });

  it(`a file over the upload bound (${DEFAULT_TAR_LIMITS.maxFileBytes} B) hashes locally; --max-file-bytes tightens it again`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgehall-hash-big-'));
    const big = join(dir, 'model.bin');
    writeFileSync(big, '');
    truncateSync(big, DEFAULT_TAR_LIMITS.maxFileBytes + 1); // sparse: cheap on disk
    // The tar is streamed through a pipe: nothing of its size is written.
    const piped = spawnSync('sh', ['-c', `tar -C ${JSON.stringify(dir)} -cf - model.bin | ${JSON.stringify(process.execPath)} --import tsx -e ${JSON.stringify(RUNNER)} hash - --json`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).records).toEqual([{ path: 'model.bin', size: DEFAULT_TAR_LIMITS.maxFileBytes + 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const d = edgehall(['hash', dir, '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).package_hash).toBe(JSON.parse(piped.stdout).package_hash);
    expect(edgehall(['hash', dir, '--max-file-bytes', String(DEFAULT_TAR_LIMITS.maxFileBytes)]).code).toBe(2);
  });
});
