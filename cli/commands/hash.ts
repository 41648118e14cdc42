// `edgehall hash <files|dirs...> [--strip-prefix P] [--json]`: the canonical package hash of .tar/.tgz
// files and directories, exactly as pyhall hashes the same package on disk. One JSON line per file
// with --json; exit 2 when any file was rejected. Local files use limits sized for a developer's
// machine (LOCAL_HASH_LIMITS), which --max-file-bytes / --max-total-bytes / --max-entries change;
// uploads to the Hall keep their own bounds (worker/).
import { createHash } from 'node:crypto';
import { lstat, open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ingestPackage, TarError, type PackageIngestResult, type TarLimits } from '../../src/attest/index.js';
import { printedHelp } from '../options.js';
import { createProgress } from '../progress.js';
import { hashDirectory, SignInputError } from './sign.js';

export const summary = 'canonical package hash of .tar/.tgz archives and directories (pyhall-compatible)';

const USAGE = `usage: edgehall hash <file.tar|file.tgz|dir|->... [--strip-prefix P] [--json] [--records]
                     [--max-file-bytes N] [--max-total-bytes N] [--max-entries N]

Prints the canonical package hash of each archive or directory (pyhall's canonical_package_hash
of the package; a directory is hashed as on disk, symbolic links refused, and equals the hash of
a tar of the same files). --strip-prefix removes a root folder such as 'package/' from every
archive entry; it is never guessed ('.' components, as in './a.py', are always dropped).
Limits for local files (sizes in bytes, or with a K/M/G/T suffix, binary):
  --max-file-bytes N   one file (default 64G)
  --max-total-bytes N  the inflated archive / all files of a directory (default 1T)
  --max-entries N      archive entries / files and folders of a directory (default 1000000)
--json prints one line per file:
  {"file":...,"package_hash":...,"records":[...],"excluded_entries":[...]}
  {"file":...,"error":{"code":"TAR_...","message":...}}
--records also lists the hashed and excluded files in the human output. '-' reads standard input.
Exit status: 0 all hashed, 2 any file rejected (or bad usage).`;

/** Native SHA-256 for the CLI: Node's OpenSSL is ~10x the pure-JS hasher. */
export const nodeSha256 = () => createHash('sha256');

/** Reads a file as a web ReadableStream in fixed chunks (memory bounded by one chunk). */
export async function fileStream(path: string, chunkSize = 256 * 1024): Promise<ReadableStream<Uint8Array>> {
  const fh = await open(path, 'r');
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buf = new Uint8Array(chunkSize);
        const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
        if (bytesRead === 0) {
          await fh.close();
          controller.close();
        } else controller.enqueue(bytesRead < chunkSize ? buf.subarray(0, bytesRead) : buf);
      },
      async cancel() {
        await fh.close();
      },
    },
    { highWaterMark: 0 },
  );
}

const GiB = 1024 ** 3;

/** Limits of `edgehall hash` on local files: a multi-GiB model file hashes (memory stays one chunk). */
export const LOCAL_HASH_LIMITS = {
  maxFileBytes: 64 * GiB,
  maxTotalBytes: 1024 * GiB,
  maxEntries: 1_000_000,
  maxTreeNodes: 2_000_000,
  maxPathBytesTotal: 256 * 1024 * 1024,
} as const satisfies Partial<TarLimits>;

type LimitName = 'maxFileBytes' | 'maxTotalBytes' | 'maxEntries';
const LIMIT_FLAGS: Record<string, LimitName> = { 'max-file-bytes': 'maxFileBytes', 'max-total-bytes': 'maxTotalBytes', 'max-entries': 'maxEntries' };

/** A positive integer, optionally with a binary K/M/G/T suffix; null when malformed. */
export function parseByteCount(v: string): number | null {
  const m = /^([0-9]+)([KMGT]i?B?)?$/i.exec(v.trim());
  if (!m) return null;
  const mult = m[2] ? 1024 ** ('KMGT'.indexOf(m[2][0]!.toUpperCase()) + 1) : 1;
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

interface Args {
  files: string[];
  stripPrefix?: string;
  json: boolean;
  records: boolean;
  limits: Partial<Record<LimitName, number>>;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { files: [], json: false, records: false, limits: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const flag = a.startsWith('--') ? a.slice(2).split('=')[0]! : '';
    if (flag in LIMIT_FLAGS) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) return `--${flag} needs a value`;
      const n = parseByteCount(v);
      if (n === null) return `--${flag} takes a positive whole number (bytes; K, M, G, T suffixes allowed), not '${v}'`;
      args.limits[LIMIT_FLAGS[flag]!] = n;
    } else if (a === '--json') args.json = true;
    else if (a === '--records') args.records = true;
    else if (a === '--strip-prefix') {
      const v = argv[++i];
      if (v === undefined) return '--strip-prefix needs a value';
      args.stripPrefix = v;
    } else if (a.startsWith('--strip-prefix=')) args.stripPrefix = a.slice('--strip-prefix='.length);
    else if (a === '--') args.files.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a.startsWith('-') && a !== '-') return `unknown option ${a}`;
    else args.files.push(a);
  }
  if (args.files.length === 0) return 'no files given';
  return args;
}

export type HashOutcome = { file: string; result: PackageIngestResult } | { file: string; error: { code: string; message: string } };

/** Hashes a package directory as on disk (links refused), within the local limits. */
export async function hashDirectoryFile(dir: string, limits: Partial<Record<LimitName, number>> = {}): Promise<HashOutcome> {
  const l = { ...LOCAL_HASH_LIMITS, ...limits };
  try {
    const r = await hashDirectory(dir, { maxFileBytes: l.maxFileBytes, maxTotalBytes: l.maxTotalBytes, maxEntries: l.maxEntries });
    return { file: dir, result: { ...r, manifest: null, stats: { entries: r.records.length + r.excluded_entries.length, bytes_in: 0, bytes_inflated: 0, compression: 'none' } } };
  } catch (e) {
    if (e instanceof SignInputError || e instanceof TarError) return { file: dir, error: { code: e.code, message: `${e.message}.`.replace(/\.\.$/, '.') } };
    return { file: dir, error: { code: 'FILE_UNREADABLE', message: `Cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? e}). Check the path and permissions.` } };
  }
}

/** Hashes one archive file (or a directory); every failure becomes a coded error value. */
export async function hashArchiveFile(file: string, stripPrefix?: string, limits: Partial<Record<LimitName, number>> = {}): Promise<HashOutcome> {
  let size: number | undefined;
  let source: ReadableStream<Uint8Array> | undefined;
  if (file === '-') {
    source = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else {
    try {
      const st = await lstat(file);
      if (st.isDirectory()) {
        if (stripPrefix !== undefined) return { file, error: { code: 'INVALID_INPUT', message: `--strip-prefix applies to archives, not to the directory ${file}; hash the folder you mean instead.` } };
        return hashDirectoryFile(file, limits);
      }
      const target = st.isSymbolicLink() ? await stat(file) : st; // a link to an archive is fine
      if (target.isDirectory()) return { file, error: { code: 'PACKAGE_LINK_ENTRY', message: `${file} is a symbolic link to a directory; name the directory itself.` } };
      if (!target.isFile()) return { file, error: { code: 'FILE_NOT_ARCHIVE', message: `${file} is not a regular file or directory. Pass a .tar or .tgz file or a package directory.` } };
      size = target.size;
    } catch (e) {
      return { file, error: { code: 'FILE_UNREADABLE', message: `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e}). Check the path and permissions.` } };
    }
  }
  const progress = createProgress(`hashing ${file}`, size === undefined ? {} : { total: size });
  try {
    const result = await ingestPackage(source ?? (await fileStream(file)), {
      ...(stripPrefix !== undefined ? { stripPrefix } : {}),
      limits: { ...LOCAL_HASH_LIMITS, ...limits },
      sha256: nodeSha256,
      onProgress: (n) => progress.update(n),
    });
    return { file, result };
  } catch (e) {
    if (e instanceof TarError) {
      const flag = Object.entries(LIMIT_FLAGS).find(([, k]) => k === e.details?.limit)?.[0];
      return { file, error: { code: e.code, message: flag ? `${e.message} (--${flag})` : e.message } };
    }
    if (e instanceof TypeError && /strip prefix/.test(e.message)) return { file, error: { code: 'INVALID_INPUT', message: `${e.message}.` } };
    return { file, error: { code: 'INTERNAL_ERROR', message: `Unexpected failure: ${e instanceof Error ? e.message : String(e)}. Please report it.` } };
  } finally {
    progress.finish();
  }
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`edgehall hash: ${args}\n${USAGE}\n`);
    return 2;
  }
  let rejected = false;
  for (const file of args.files) {
    const out = await hashArchiveFile(file, args.stripPrefix, args.limits);
    if ('error' in out) {
      rejected = true;
      if (args.json) process.stdout.write(JSON.stringify({ file, error: out.error }) + '\n');
      else process.stderr.write(`${file}: ${out.error.code}: ${out.error.message}\n`);
      continue;
    }
    const r = out.result;
    if (args.json) {
      process.stdout.write(
        JSON.stringify({ file, package_hash: r.package_hash, records: r.records, excluded_entries: r.excluded_entries }) + '\n',
      );
    } else {
      process.stdout.write(`${r.package_hash}  ${file}  (${r.records.length} files hashed, ${r.excluded_entries.length} excluded)\n`);
      if (args.records) {
        for (const rec of r.records) process.stdout.write(`  ${rec.sha256} ${String(rec.size).padStart(10)}  ${JSON.stringify(rec.path)}\n`);
        for (const x of r.excluded_entries) process.stdout.write(`  ${'(excluded)'.padEnd(64)} ${''.padStart(10)}  ${JSON.stringify(x)}\n`);
      }
    }
  }
  return rejected ? 2 : 0;
}
