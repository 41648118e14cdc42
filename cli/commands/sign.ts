// `edgehall sign <dir|archive> --worker-id ID --species ID --version V [--build-source S]
//   (--secret-env VAR | --key PRIVATE_JWK_FILE) [--strip-prefix P] [--out FILE]`
// Hashes the package (a directory, or a .tar/.tgz in one streaming pass) and prints the signed
// awp.v1 manifest exactly as pyhall's write_manifest would write it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildManifest,
  comparePackagePaths,
  importEd25519PrivateJwk,
  ingestPackage,
  isExcludedPackagePath,
  packageHashFromRecords,
  serializeManifest,
  signManifestEd25519,
  signManifestHmac,
  TarError,
  type PackageRecord,
} from '../../src/attest/index.js';
import { decodeUtf8Strict, EdgehallError } from '../../src/util/index.js';
import { createProgress } from '../progress.js';
import { fileStream, nodeSha256 } from './hash.js';
import { ARCHIVE_OPTIONS, parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'build and sign an awp.v1 manifest for a directory or archive (HMAC or Ed25519)';

const USAGE = `usage: edgehall sign <dir|file.tar|file.tgz> --worker-id ID --species ID --version V
                    [--build-source S] (--secret-env VAR | --key PRIVATE_JWK_FILE)
                    [--strip-prefix P] [--out FILE]

Computes the canonical package hash and prints the signed manifest (pyhall's manifest.json text).
  --secret-env VAR  HMAC-SHA256 with the secret in environment variable VAR (pyhall-compatible)
  --key FILE        Ed25519 with a private JWK from 'edgehall keygen' (its "ns" must be the
                    worker_id's namespace); adds signing_key_id and signature_ed25519
  --build-source S  origin label (pyhall: local | ci | agent); default local
  --strip-prefix P  for archives: root folder to remove from every entry ('package/', './')
  --out FILE        write the manifest to FILE instead of stdout
Exit status: 0 signed, 2 bad usage or a package that cannot be hashed.`;

export class SignInputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

// Same policy as the tar reader: a package is regular files and directories with clean names.
const CONTROL = /[\u0000-\u001f\u007f]/;

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    size += (chunk as Buffer).length;
    h.update(chunk as Buffer);
  }
  return { size, sha256: h.digest('hex') };
}

/** Optional bounds of a directory walk (`edgehall hash <dir>`); none by default. */
export interface DirectoryBounds {
  maxFileBytes?: number;
  maxTotalBytes?: number;
  maxEntries?: number;
}

/** Walks a directory without following links; streams each file through SHA-256. */
export async function hashDirectory(root: string, bounds: DirectoryBounds = {}): Promise<{ package_hash: string; records: PackageRecord[]; excluded_entries: string[] }> {
  const records: PackageRecord[] = [];
  const excluded: string[] = [];
  let entries = 0;
  let total = 0;
  const over = (limit: string, value: number, what: string) =>
    new SignInputError('PACKAGE_LIMIT_EXCEEDED', `${what} is over --${limit} (${value}); pass a larger --${limit} to hash it`);
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await readdir(dir, { encoding: 'buffer' })) as Buffer[];
    for (const raw of names) {
      let name: string;
      try {
        name = decodeUtf8Strict(new Uint8Array(raw));
      } catch {
        throw new SignInputError('PACKAGE_BAD_NAME', `a file name in ${dir} is not valid UTF-8; rename it`);
      }
      if (CONTROL.test(name)) throw new SignInputError('PACKAGE_BAD_NAME', `${JSON.stringify(join(dir, name))} has a control character in its name; rename it`);
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(path);
      if (bounds.maxEntries !== undefined && ++entries > bounds.maxEntries) throw over('max-entries', bounds.maxEntries, `${root} holds more files and folders than allowed`);
      if (st.isFile() && bounds.maxFileBytes !== undefined && st.size > bounds.maxFileBytes) throw over('max-file-bytes', bounds.maxFileBytes, `${path} (${st.size} bytes)`);
      if (st.isFile() && bounds.maxTotalBytes !== undefined && (total += st.size) > bounds.maxTotalBytes) throw over('max-total-bytes', bounds.maxTotalBytes, `the files of ${root} (over ${total} bytes)`);
      if (st.isSymbolicLink()) throw new SignInputError('PACKAGE_LINK_ENTRY', `${path} is a symbolic link; a package holds regular files only`);
      if (st.isDirectory()) await walk(path, relPath);
      else if (st.isFile()) {
        if (isExcludedPackagePath(relPath)) excluded.push(relPath);
        else records.push({ path: relPath, ...(await hashFile(path)) });
      } else throw new SignInputError('PACKAGE_SPECIAL_ENTRY', `${path} is not a regular file or directory`);
    }
  };
  await walk(root, '');
  excluded.sort(comparePackagePaths);
  return { package_hash: packageHashFromRecords(records), records, excluded_entries: excluded };
}

function fail(code: string, message: string): number {
  process.stderr.write(`edgehall sign: ${code}: ${message}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { ...ARCHIVE_OPTIONS, version: 'string', 'build-source': 'string', key: 'string', out: 'string' });
  if (typeof p === 'string') return fail('INVALID_INPUT', `${p}\n${USAGE}`);
  if (p.positional.length !== 1) return fail('INVALID_INPUT', `give exactly one directory or archive\n${USAGE}`);
  const target = p.positional[0]!;
  const workerId = str(p, 'worker-id');
  const speciesId = str(p, 'species');
  const version = str(p, 'version');
  if (!workerId || !speciesId || !version) return fail('INVALID_INPUT', '--worker-id, --species and --version are required');
  const secretEnv = str(p, 'secret-env');
  const keyFile = str(p, 'key');
  if ((secretEnv === undefined) === (keyFile === undefined)) return fail('INVALID_INPUT', 'give exactly one of --secret-env VAR (HMAC) or --key FILE (Ed25519)');

  // Load the signing material before the (possibly long) hashing pass.
  let secret: string | undefined;
  let key: Awaited<ReturnType<typeof importEd25519PrivateJwk>> | undefined;
  if (secretEnv !== undefined) {
    secret = process.env[secretEnv];
    if (!secret) return fail('SECRET_MISSING', `environment variable ${secretEnv} is not set or empty; export the HMAC secret there`);
  } else {
    try {
      key = await importEd25519PrivateJwk(JSON.parse(await readFile(keyFile!, 'utf8')));
    } catch (e) {
      return fail((e as EdgehallError).code ?? 'KEY_UNREADABLE', `--key ${keyFile}: ${(e as Error).message}`);
    }
  }

  let packageHash: string;
  try {
    const st = await lstat(target);
    if (st.isDirectory()) {
      if (str(p, 'strip-prefix') !== undefined) return fail('INVALID_INPUT', '--strip-prefix applies to archives, not directories');
      packageHash = (await hashDirectory(target)).package_hash;
    } else if (st.isFile()) {
      const progress = createProgress(`hashing ${target}`, { total: st.size });
      try {
        const stripPrefix = str(p, 'strip-prefix');
        packageHash = (
          await ingestPackage(await fileStream(target), {
            ...(stripPrefix !== undefined ? { stripPrefix } : {}),
            captureRootFile: null,
            sha256: nodeSha256,
            onProgress: (n) => progress.update(n),
          })
        ).package_hash;
      } finally {
        progress.finish();
      }
    } else return fail('INVALID_INPUT', `${target} is neither a directory nor a regular file`);
  } catch (e) {
    if (e instanceof TarError || e instanceof SignInputError) return fail(e.code, e.message);
    if (e instanceof TypeError && /strip prefix/.test(e.message)) return fail('INVALID_INPUT', e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return fail('FILE_UNREADABLE', `cannot read ${target} (${code})`);
    throw e;
  }

  let text: string;
  try {
    const unsigned = buildManifest({
      packageHash,
      workerId,
      speciesId,
      workerVersion: version,
      ...(str(p, 'build-source') !== undefined ? { buildSource: str(p, 'build-source') } : {}),
    });
    text = serializeManifest(secret !== undefined ? signManifestHmac(unsigned, secret) : await signManifestEd25519(unsigned, key!));
  } catch (e) {
    if (e instanceof EdgehallError) return fail(e.code, e.message);
    throw e;
  }
  const out = str(p, 'out');
  if (out !== undefined) {
    try {
      await writeFile(out, text);
    } catch (e) {
      return fail('FILE_UNWRITABLE', `cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
  } else process.stdout.write(text);
  return 0;
}
