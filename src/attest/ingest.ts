// One pass over an uploaded .tar/.tgz: read entries, apply the ingestion policy (no links, no
// special files, no traversal, no duplicates), hash every file body as it streams, capture the
// root manifest, and return pyhall's canonical package hash with the records behind it.
import { TarError, quoteTarName } from './errors.js';
import { resolveTarLimits, type TarLimits } from './limits.js';
import {
  isExcludedPackagePath,
  sortPackagePaths,
  packageHashFromRecords,
  type PackageRecord,
} from './package-hash.js';
import { BUFFERED_DIGEST_MAX_BYTES, createFileDigest, type Sha256Factory } from './tar/digest.js';
import { normaliseStripPrefix, packagePathOf } from './tar/entry-path.js';
import { TarReader, type TarBodySink, type TarEntry } from './tar/reader.js';
import { tarChunks, type PackageSource, type SourceStats } from './tar/source.js';

export interface IngestOptions {
  /** Removed from every entry name (`./`, `package/`); must be present on every entry. Default none. */
  stripPrefix?: string;
  limits?: Partial<TarLimits>;
  /** Root file whose bytes are returned as `manifest` (still excluded from the hash); null: none. */
  captureRootFile?: string | null;
  /** Called with the running count of input (compressed) bytes, for progress bars. */
  onProgress?: (bytesIn: number) => void;
  /** A native synchronous SHA-256 to use for every file (e.g. node:crypto's createHash in the CLI). */
  sha256?: Sha256Factory;
  /**
   * Files up to this size are buffered once and hashed by native WebCrypto (default 1 MiB); larger
   * ones stream through a slower JS hash outside workerd. Raising it trades memory for speed.
   */
  digestBufferBytes?: number;
}

export interface PackageIngestStats {
  /** Archive members (files, directories, ...), not counting pax / long-name headers. */
  entries: number;
  bytes_in: number;
  bytes_inflated: number;
  compression: 'none' | 'gzip';
}

export interface PackageIngestResult {
  /** Lowercase hex, no `sha256:` prefix: the value a manifest's `package_hash` holds. */
  package_hash: string;
  /** Hashed files, in hash order. */
  records: PackageRecord[];
  /** Files present in the archive but left out of the hash, in the same order. */
  excluded_entries: string[];
  /** Raw bytes of the root `captureRootFile` (default `manifest.json`), or null if absent. */
  manifest: Uint8Array | null;
  stats: PackageIngestStats;
}

const FILE = 1;
const DIR = 0;

function specialKind(e: TarEntry): string {
  switch (e.typeflag) {
    case 'S':
      return 'sparse file (GNU S)';
    case 'M':
      return 'multi-volume continuation (GNU M)';
    case 'V':
      return 'volume label (GNU V)';
    case 'D':
      return 'directory dump (GNU D)';
    case 'N':
      return 'old GNU long-name entry (N)';
  }
  return e.type === 'other' ? `entry of unsupported type ${JSON.stringify(e.typeflag)}` : e.type.replace('-', ' ');
}

/**
 * Streams an archive once and returns its canonical package hash, records and root manifest.
 * `source` may be `request.body` directly (null, for an empty request, is an empty upload).
 */
export async function ingestPackage(source: PackageSource | null, options: IngestOptions = {}): Promise<PackageIngestResult> {
  const limits = resolveTarLimits(options.limits);
  const prefix = normaliseStripPrefix(options.stripPrefix);
  const capture = options.captureRootFile === undefined ? 'manifest.json' : options.captureRootFile;
  const injected = options.sha256;
  const digestBuffer = options.digestBufferBytes ?? BUFFERED_DIGEST_MAX_BYTES;
  if (!(digestBuffer >= 0)) throw new TypeError('digestBufferBytes must be a non-negative number');

  const records: PackageRecord[] = [];
  const excluded: string[] = [];
  const tree = new Map<string, number>();
  let manifest: Uint8Array | null = null;

  // Registers a path as file or directory; its ancestors become directories. Names that
  // normalise to the same path, or a file used as a directory, are refused.
  const claim = (rel: string, kind: number, e: TarEntry) => {
    const prev = tree.get(rel);
    if (prev !== undefined) {
      if (prev === FILE && kind === FILE) {
        throw new TarError('TAR_DUPLICATE_PATH', `Entry ${quoteTarName(e.name)} at byte ${e.offset} names the file ${quoteTarName(rel)} a second time`, { path: rel, offset: e.offset });
      }
      if (prev !== kind) {
        throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset}: ${quoteTarName(rel)} is both a file and a directory`, { path: rel, offset: e.offset });
      }
      return; // a directory listed twice is harmless
    }
    tree.set(rel, kind);
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
      const parent = rel.slice(0, i);
      const p = tree.get(parent);
      if (p === DIR) break; // its own ancestors were registered with it
      if (p === FILE) {
        throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset}: ${quoteTarName(parent)} is a file but is used as a directory`, { path: rel, offset: e.offset });
      }
      tree.set(parent, DIR);
    }
  };

  const onEntry = (e: TarEntry): TarBodySink | null => {
    if (e.type === 'hardlink' || e.type === 'symlink') {
      throw new TarError('TAR_LINK_ENTRY', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a ${e.type} to ${quoteTarName(e.linkname)}`, { path: e.name, offset: e.offset, target: e.linkname });
    }
    if (e.type !== 'file' && e.type !== 'directory') {
      throw new TarError('TAR_SPECIAL_ENTRY', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a ${specialKind(e)}`, { path: e.name, offset: e.offset, typeflag: e.typeflag });
    }
    const rel = packagePathOf(e.name, prefix, limits, e.offset);
    if (e.type === 'directory') {
      if (rel !== '') claim(rel, DIR, e);
      return null;
    }
    if (rel === '' || e.name.endsWith('/')) {
      throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a file named like a directory`, { path: e.name, offset: e.offset });
    }
    claim(rel, FILE, e);
    const excludedFile = isExcludedPackagePath(rel);
    if (excludedFile) excluded.push(rel);
    const captureSink = rel === capture ? captureBody(rel, e.size) : null;
    if (excludedFile) return captureSink;
    const record: PackageRecord = { path: rel, size: e.size, sha256: '' };
    records.push(record);
    const digest = createFileDigest(e.size, injected, digestBuffer);
    return {
      write(bytes) {
        captureSink?.write(bytes);
        return digest.write(bytes);
      },
      end() {
        captureSink?.end();
        const hex = digest.end();
        if (typeof hex === 'string') record.sha256 = hex;
        else return hex.then((h) => void (record.sha256 = h));
      },
    };
  };

  // The root manifest is buffered (bounded by maxManifestBytes) and handed back raw.
  const captureBody = (rel: string, size: number) => {
    if (size > limits.maxManifestBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `${quoteTarName(rel)} is larger than ${limits.maxManifestBytes} bytes`, { limit: 'maxManifestBytes', value: limits.maxManifestBytes, path: rel });
    }
    const buf = new Uint8Array(size);
    let fill = 0;
    return {
      write(bytes: Uint8Array) {
        buf.set(bytes, fill);
        fill += bytes.length;
      },
      end() {
        manifest = buf;
      },
    };
  };

  const stats: SourceStats = { bytes_in: 0, bytes_inflated: 0, compression: 'none' };
  const reader = new TarReader(limits, onEntry);
  const chunks = tarChunks(source, limits, stats, options.onProgress);
  try {
    for await (const chunk of chunks) await reader.push(chunk);
    reader.finish();
  } finally {
    await chunks.return(undefined);
  }

  sortPackagePaths(excluded, (p) => p);
  return {
    package_hash: packageHashFromRecords(records),
    records,
    excluded_entries: excluded,
    manifest,
    stats: { entries: reader.entries, bytes_in: stats.bytes_in, bytes_inflated: stats.bytes_inflated, compression: stats.compression },
  };
}

/** Runs `ingestPackage` and reports a rejection as a value: `{ error }` with the TarError. */
export async function tryIngestPackage(
  source: PackageSource | null,
  options?: IngestOptions,
): Promise<{ ok: true; result: PackageIngestResult } | { ok: false; error: TarError }> {
  try {
    return { ok: true, result: await ingestPackage(source, options) };
  } catch (e) {
    if (e instanceof TarError) return { ok: false, error: e };
    throw e;
  }
}
