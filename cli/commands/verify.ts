// `edgehall verify <file.tar|file.tgz> --worker-id ID --species ID [--manifest FILE]
//   [--strip-prefix P] [--secret-env VAR] [--keys JWKS_FILE] [--strict] [--json] [--records]`
// One pass over the archive: canonical package hash, root manifest.json (or --manifest), verdict.
// Exit 0 when ok, 1 when denied, 2 on bad usage or an unreadable input file.
import { readFile, stat } from 'node:fs/promises';
import { verifyArchive, readJwks, type ArchiveVerdict } from '../../src/attest/index.js';
import { createProgress } from '../progress.js';
import { fileStream, nodeSha256 } from './hash.js';
import { ARCHIVE_OPTIONS, parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'verify an archive against its awp.v1 manifest (HMAC or Ed25519 namespace key)';

const USAGE = `usage: edgehall verify <file.tar|file.tgz> --worker-id ID --species ID [--manifest FILE]
                      [--strip-prefix P] [--secret-env VAR] [--keys JWKS_FILE] [--strict] [--json] [--records]

Hashes the archive as pyhall hashes the package on disk and checks the manifest in pyhall's order:
identity, package hash, signature present, signature valid. Without --manifest the archive's own
root manifest.json is used.
  --secret-env VAR   read the HMAC secret from environment variable VAR (never printed). No
                     secret configured means HMAC manifests are denied ATTEST_SIGNATURE_MISSING.
  --keys FILE        JWKS of Ed25519 namespace keys ({"keys":[{"kty":"OKP","crv":"Ed25519","x":..,
                     "kid":..,"ns":"org.acme"}]}) for Ed25519-signed manifests.
  --strict           also deny what pyhall accepts but the Hall refuses: files left out of the
                     hash other than the root manifest.json (ATTEST_EXCLUDED_CONTENT), and names
                     equal under Unicode NFC or case folding (TAR_NAME_COLLISION).
  --json             one JSON object: {"ok":..,"deny_code":..,"package_hash":..,...}
  --records          include the hashed records and excluded entries.
Exit status: 0 verified, 1 denied, 2 bad usage or unreadable file.`;

function usageError(msg: string, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify({ ok: false, deny_code: null, error: { code: 'INVALID_INPUT', message: msg } }) + '\n');
  process.stderr.write(`edgehall verify: ${msg}\n`);
  if (!json) process.stderr.write(USAGE + '\n');
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { ...ARCHIVE_OPTIONS, manifest: 'string', keys: 'string', strict: 'boolean', json: 'boolean', records: 'boolean' });
  const json = argv.includes('--json');
  if (typeof p === 'string') return usageError(p, json);
  if (p.positional.length !== 1) return usageError('give exactly one archive file', json);
  const file = p.positional[0]!;
  const workerId = str(p, 'worker-id');
  const speciesId = str(p, 'species');
  if (!workerId || !speciesId) return usageError('--worker-id and --species are required', json);

  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return usageError(`${file} is not a regular file; pass a .tar or .tgz file`, json);
    size = st.size;
  } catch (e) {
    return usageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`, json);
  }

  let secret: string | null = null;
  const secretEnv = str(p, 'secret-env');
  if (secretEnv !== undefined) {
    secret = process.env[secretEnv] ?? null;
    if (!secret) process.stderr.write(`edgehall verify: warning: environment variable ${secretEnv} is not set or empty; HMAC manifests will be denied ATTEST_SIGNATURE_MISSING\n`);
  }

  let keys: unknown;
  const keysFile = str(p, 'keys');
  if (keysFile !== undefined) {
    try {
      keys = JSON.parse(await readFile(keysFile, 'utf8'));
      readJwks(keys);
    } catch (e) {
      return usageError(`--keys ${keysFile}: ${(e as Error).message}`, json);
    }
  }

  let manifest: Uint8Array | null | undefined;
  const manifestFile = str(p, 'manifest');
  if (manifestFile !== undefined) {
    try {
      manifest = new Uint8Array(await readFile(manifestFile));
    } catch (e) {
      // A manifest that does not exist is pyhall's ATTEST_MANIFEST_MISSING, not a usage error.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') manifest = null;
      else return usageError(`cannot read --manifest ${manifestFile} (${(e as NodeJS.ErrnoException).code ?? e})`, json);
    }
  }

  const progress = createProgress(`verifying ${file}`, { total: size });
  let v: ArchiveVerdict;
  try {
    v = await verifyArchive(await fileStream(file), {
      workerId,
      speciesId,
      secret,
      keys,
      ...(manifest !== undefined ? { manifest } : {}),
      ...(str(p, 'strip-prefix') !== undefined ? { stripPrefix: str(p, 'strip-prefix') } : {}),
      sha256: nodeSha256,
      strictContent: p.values.strict === true,
      onProgress: (n) => progress.update(n),
    });
  } finally {
    progress.finish();
  }

  const { ok, deny_code, records, excluded_entries, stats: _stats, ...rest } = v;
  const out = {
    ok,
    deny_code,
    ...rest,
    file,
    ...(p.values.records ? { records, excluded_entries } : {}),
  };
  // Manifest text can reach the messages (a key id, a namespace): keep terminal escapes out.
  const safe = (t: string | undefined) => (t ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
  else if (v.ok) process.stdout.write(`OK ${file}: ${safe(v.trust_statement)}\n`);
  else process.stdout.write(`DENIED ${file}: ${v.deny_code}: ${safe(v.message)}${v.package_hash ? `\n  package hash: ${v.package_hash}` : ''}\n`);
  return v.ok ? 0 : 1;
}
