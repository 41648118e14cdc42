// `edgehall hash <files...> [--strip-prefix P] [--json]`: the canonical package hash of .tar/.tgz
// files, exactly as pyhall hashes the same package on disk. One JSON line per file with --json;
// exit 2 when any file was rejected.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ingestPackage, TarError, type PackageIngestResult } from '../../src/attest/index.js';
import { printedHelp } from '../options.js';
import { createProgress } from '../progress.js';

export const summary = 'canonical package hash of .tar/.tgz archives (pyhall-compatible)';

const USAGE = `usage: edgehall hash <file.tar|file.tgz|->... [--strip-prefix P] [--json] [--records]

Prints the canonical package hash of each archive (pyhall's canonical_package_hash of the
package the archive holds). --strip-prefix removes a root folder such as 'package/' or './'
from every entry; it is never guessed. --json prints one line per file:
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

interface Args {
  files: string[];
  stripPrefix?: string;
  json: boolean;
  records: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { files: [], json: false, records: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
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

/** Hashes one archive file; every failure becomes a coded error value. */
export async function hashArchiveFile(file: string, stripPrefix?: string): Promise<HashOutcome> {
  let size: number | undefined;
  let source: ReadableStream<Uint8Array> | undefined;
  if (file === '-') {
    source = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else {
    try {
      const st = await stat(file);
      if (!st.isFile()) return { file, error: { code: 'FILE_NOT_ARCHIVE', message: `${file} is not a regular file. Pass a .tar or .tgz file.` } };
      size = st.size;
    } catch (e) {
      return { file, error: { code: 'FILE_UNREADABLE', message: `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e}). Check the path and permissions.` } };
    }
  }
  const progress = createProgress(`hashing ${file}`, size === undefined ? {} : { total: size });
  try {
    const result = await ingestPackage(source ?? (await fileStream(file)), {
      ...(stripPrefix !== undefined ? { stripPrefix } : {}),
      sha256: nodeSha256,
      onProgress: (n) => progress.update(n),
    });
    return { file, result };
  } catch (e) {
    if (e instanceof TarError) return { file, error: { code: e.code, message: e.message } };
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
    const out = await hashArchiveFile(file, args.stripPrefix);
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
