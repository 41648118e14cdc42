// `edgehall keygen / sign / verify` end to end: real child processes running the CLI from source
// (bin/edgehall.js would prefer a possibly stale dist/ build).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manifestCases, raisesCode, VECTORS } from './helpers.js';
import { file } from '../support/tar.js';
import { appendToTar, gzip } from './tar-util.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNNER = `import(${JSON.stringify(join(ROOT, 'cli/main.ts'))}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function edgehall(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', RUNNER, ...args], { cwd: VECTORS, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'edgehall-crypto-cli-'));
const W = ['--worker-id', 'org.acme.summarizer.i-1', '--species', 'wrk.doc.summarizer'];
const SCAFFOLD_HASH = 'a6eeb3dd3aafc410838802130e3675527dcceadf6d2b1e817e2b97f62abf3bb6';

describe('edgehall verify over the manifest vectors', () => {
  it('matches expected_verify (json, exit codes) for one case of each verdict', async () => {
    // every vector runs through the same code in archive.test.ts; here one per distinct verdict
    // (each spawn costs a second of tsx start-up)
    const seen = new Set<string>();
    const cases = manifestCases().filter((c) => {
      const key = `${c.expected_verify.deny_code}|${c.expected_verify.reference_raises?.split(':')[0]}|${c.secret === null}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    expect(cases.length).toBeGreaterThanOrEqual(8);
    const results = await Promise.all(
      cases.map((c) =>
        edgehall(
          [
            'verify',
            c.tgz!,
            ...(c.manifest ? ['--manifest', c.manifest] : ['--manifest', join(tmp, 'absent.json')]),
            '--worker-id', c.worker_id,
            '--species', c.worker_species_id,
            ...(c.secret !== null ? ['--secret-env', 'VEC_SECRET'] : []),
            '--json',
          ],
          c.secret !== null ? { VEC_SECRET: c.secret } : {},
        ),
      ),
    );
    cases.forEach((c, i) => {
      const r = results[i]!;
      const out = JSON.parse(r.stdout);
      expect(out.ok, c.name).toBe(c.expected_verify.ok);
      expect(out.deny_code, c.name).toBe(c.expected_verify.reference_raises ? raisesCode(c) : c.expected_verify.deny_code);
      expect(r.code, c.name).toBe(c.expected_verify.ok ? 0 : 1);
      if (c.expected_verify.ok) {
        expect(out.package_hash).toBe(c.expected_verify.package_hash);
        expect(out.trust_statement).toBe(c.expected_verify.trust_statement);
      }
      if (c.secret) expect(r.stdout + r.stderr).not.toContain(c.secret);
    });
  });
});

describe('edgehall keygen / sign / verify', () => {
  it('HMAC: sign an archive, verify it; wrong or missing secret denies; the secret is never printed', async () => {
    const secret = 'cli-secret-Zq9';
    const signed = await edgehall(['sign', 'fixtures/scaffold.tgz', ...W, '--version', '1.0.0', '--build-source', 'ci', '--secret-env', 'S'], { S: secret });
    expect(signed.code).toBe(0);
    const m = JSON.parse(signed.stdout);
    expect(m).toMatchObject({ schema_version: 'awp.v1', package_hash: SCAFFOLD_HASH, build_source: 'ci', worker_version: '1.0.0' });
    expect(m.signature_hmac_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(signed.stdout).not.toContain(secret);
    const mf = join(tmp, 'hmac.json');
    writeFileSync(mf, signed.stdout);
    const ok = await edgehall(['verify', 'fixtures/scaffold.tar', '--manifest', mf, ...W, '--secret-env', 'S', '--json'], { S: secret });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, deny_code: null, package_hash: SCAFFOLD_HASH, signature_type: 'hmac-sha256' });
    expect(ok.stdout + ok.stderr).not.toContain(secret);
    const wrong = await edgehall(['verify', 'fixtures/scaffold.tar', '--manifest', mf, ...W, '--secret-env', 'S', '--json'], { S: 'other' });
    expect([wrong.code, JSON.parse(wrong.stdout).deny_code]).toEqual([1, 'ATTEST_SIG_INVALID']);
    const none = await edgehall(['verify', 'fixtures/scaffold.tar', '--manifest', mf, ...W, '--json']);
    expect([none.code, JSON.parse(none.stdout).deny_code]).toEqual([1, 'ATTEST_SIGNATURE_MISSING']);
    // the manifest inside the archive is used when --manifest is absent
    const tar = appendToTar(new Uint8Array(readFileSync(join(VECTORS, 'fixtures/scaffold.tar'))), [{ name: 'manifest.json', body: new Uint8Array(readFileSync(mf)) }]);
    writeFileSync(join(tmp, 'with-manifest.tgz'), gzip(tar));
    const inside = await edgehall(['verify', join(tmp, 'with-manifest.tgz'), ...W, '--secret-env', 'S', '--json'], { S: secret });
    expect(JSON.parse(inside.stdout)).toMatchObject({ ok: true, manifest_source: 'archive' });
    // no secret in the environment: sign refuses
    const refused = await edgehall(['sign', 'fixtures/scaffold.tgz', ...W, '--version', '1', '--secret-env', 'UNSET_VAR_X']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SECRET_MISSING/);
  });

  it('Ed25519: keygen, sign a directory with the namespace key, verify the archive with --keys; other namespaces are refused', async () => {
    const priv = join(tmp, 'acme.key.json');
    const pub = join(tmp, 'acme.pub.json');
    const kg = await edgehall(['keygen', '--namespace', 'org.acme', '--out-private', priv, '--out-public', pub]);
    expect(kg.code).toBe(0);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const again = await edgehall(['keygen', '--out-private', priv]);
    expect(again.code).toBe(2);
    const pubJwk = JSON.parse(readFileSync(pub, 'utf8'));
    expect(pubJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', ns: 'org.acme' });
    expect(pubJwk.d).toBeUndefined();
    const plain = JSON.parse((await edgehall(['keygen'])).stdout);
    expect(plain.private_jwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // a package as a directory and as an archive: same hash
    const dir = join(tmp, 'pkg');
    mkdirSync(join(dir, 'code'), { recursive: true });
    mkdirSync(join(dir, '__pycache__'), { recursive: true });
    const files: [string, string][] = [['code/worker_logic.py', 'def run():\n    return 1\n'], ['requirements.lock', ''], ['config.schema.json', '{}\n']];
    for (const [p, body] of files) writeFileSync(join(dir, p), body);
    writeFileSync(join(dir, '__pycache__/x.pyc'), 'junk');
    const archive = join(tmp, 'pkg.tar');
    const enc = new TextEncoder();
    writeFileSync(archive, new Uint8Array([...files.flatMap(([p, b]) => [...file(p, enc.encode(b))]), ...new Uint8Array(1024)]));

    const signed = await edgehall(['sign', dir, ...W, '--version', '2.0.0', '--key', priv, '--out', join(tmp, 'ed.json')]);
    expect(signed.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(tmp, 'ed.json'), 'utf8'));
    expect(manifest).toMatchObject({ signing_key_id: pubJwk.kid });
    const hashed = await edgehall(['hash', archive, '--json']);
    expect(JSON.parse(hashed.stdout).package_hash).toBe(manifest.package_hash);

    writeFileSync(join(tmp, 'jwks.json'), JSON.stringify({ keys: [pubJwk] }));
    writeFileSync(join(tmp, 'jwks-evil.json'), JSON.stringify({ keys: [{ ...pubJwk, ns: 'org.evil' }] }));
    const ok = await edgehall(['verify', archive, '--manifest', join(tmp, 'ed.json'), ...W, '--keys', join(tmp, 'jwks.json'), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, signature_type: 'ed25519', namespace: 'org.acme' });
    const evil = await edgehall(['verify', archive, '--manifest', join(tmp, 'ed.json'), ...W, '--keys', join(tmp, 'jwks-evil.json'), '--json']);
    expect([evil.code, JSON.parse(evil.stdout).deny_code]).toEqual([1, 'ATTEST_KEY_NAMESPACE_MISMATCH']);
    // the acme key cannot sign for another namespace's worker
    const cross = await edgehall(['sign', dir, '--worker-id', 'org.evil.tool.i-1', '--species', 'wrk.doc.summarizer', '--version', '1', '--key', priv]);
    expect(cross.code).toBe(2);
    expect(cross.stderr).toMatch(/ATTEST_KEY_NAMESPACE_MISMATCH/);
  });

  it('usage errors exit 2; a hostile archive is a TAR_* denial (exit 1); wrk. worker ids cannot sign', async () => {
    expect((await edgehall(['verify', 'fixtures/scaffold.tar', '--json'])).code).toBe(2);
    expect((await edgehall(['verify', join(tmp, 'nope.tar'), ...W, '--json'])).code).toBe(2);
    expect((await edgehall(['verify', 'fixtures/scaffold.tar', ...W, '--bogus'])).code).toBe(2);
    const evil = appendToTar(new Uint8Array(readFileSync(join(VECTORS, 'fixtures/scaffold.tar'))), [{ name: '../x', body: new Uint8Array(1) }]);
    writeFileSync(join(tmp, 'evil.tar'), evil);
    const r = await edgehall(['verify', join(tmp, 'evil.tar'), ...W, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, deny_code: 'TAR_PATH_TRAVERSAL' });
    const wrk = await edgehall(['sign', 'fixtures/scaffold.tar', '--worker-id', 'wrk.doc.summarizer.i-1', '--species', 'wrk.doc.summarizer', '--version', '1', '--secret-env', 'S'], { S: 'x' });
    expect(wrk.code).toBe(2);
    expect(wrk.stderr).toMatch(/ATTEST_NAMESPACE_INVALID/);
  });
});
