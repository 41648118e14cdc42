// `edgehall hash` end to end: a real child process running the CLI from source.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
