// One pass over an uploaded .tar/.tgz: read entries, apply the ingestion policy (no links, no
// special files, no traversal, no duplicates), hash every file body as it streams, capture the
// root manifest, and return pyhall's canonical package hash with the records behind it.
import { TarError, quoteTarName } from './errors.js';
import { resolveTarLimits, type TarLimits } from './limits.js';
import { isExcludedPackageParts, packageHashOfOrderedRecords, type PackageRecord } from './package-hash.js';
import { BUFFERED_DIGEST_MAX_BYTES, createFileDigest, type Sha256Factory } from './tar/digest.js';
import { normaliseStripPrefix, packagePartsOf } from './tar/entry-path.js';
import { PathTree, TREE_DIR, TREE_FILE } from './tar/path-tree.js';
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
  /**
   * Refuse (TAR_NAME_COLLISION) two names that are equal under Unicode NFC or case folding, such
   * as `A.py` and `a.py`, or the NFC and NFD forms of `café.py`. Default false: pyhall hashes them
   * as distinct files, and so does the package hash here. Verification for registration sets it.
   */
  refuseNameCollisions?: boolean;
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

  // Every file's node in the tree → its record, or its path when excluded from the hash.
  const files = new Map<number, PackageRecord | string>();
  // Every path seen, as a tree of components: duplicates, file/directory conflicts and (on
  // request) colliding names are refused in O(path length) per entry, bounded by maxTreeNodes.
  const tree = new PathTree(limits.maxTreeNodes, options.refuseNameCollisions === true);
  let manifest: Uint8Array | null = null;

  const onEntry = (e: TarEntry): TarBodySink | null => {
    if (e.type === 'hardlink' || e.type === 'symlink') {
      throw new TarError('TAR_LINK_ENTRY', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a ${e.type} to ${quoteTarName(e.linkname)}`, { path: e.name, offset: e.offset, target: e.linkname });
    }
    if (e.type !== 'file' && e.type !== 'directory') {
      throw new TarError('TAR_SPECIAL_ENTRY', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a ${specialKind(e)}`, { path: e.name, offset: e.offset, typeflag: e.typeflag });
    }
    const { rel, parts } = packagePartsOf(e.name, prefix, limits, e.offset);
    if (e.type === 'directory') {
      if (parts.length > 0) tree.claim(parts, TREE_DIR, e);
      return null;
    }
    if (parts.length === 0 || e.name.endsWith('/')) {
      throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset} is a file named like a directory`, { path: e.name, offset: e.offset });
    }
    const node = tree.claim(parts, TREE_FILE, e);
    const excludedFile = isExcludedPackageParts(parts, rel);
    const captureSink = rel === capture ? captureBody(rel, e.size) : null;
    if (excludedFile) {
      files.set(node, rel);
      return captureSink;
    }
    const record: PackageRecord = { path: rel, size: e.size, sha256: '' };
    files.set(node, record);
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

  // Hash order straight from the tree (no sort over whole paths).
  const records: PackageRecord[] = [];
  const excluded: string[] = [];
  for (const node of tree.filesInOrder()) {
    const f = files.get(node)!;
    if (typeof f === 'string') excluded.push(f);
    else records.push(f);
  }
  return {
    package_hash: packageHashOfOrderedRecords(records),
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
