// One pass over an uploaded .tar/.tgz: the tar reader hashes every file and captures the root
// manifest.json, then the manifest is checked against the hash (pyhall's order). A tar rejection
// is a denial with its TAR_* code; nothing here throws on hostile input.
import { TarError, quoteTarName } from './errors.js';
import { ingestPackage, type IngestOptions, type PackageIngestStats } from './ingest.js';
import type { PackageRecord } from './package-hash.js';
import type { PackageSource } from './tar/source.js';
import { verifyManifest, type ManifestVerdict } from './manifest/verify.js';
import { ATTEST_EXCLUDED_CONTENT, ATTEST_INPUT_INVALID } from './manifest/codes.js';

/** The upload could not be read at all (I/O error of the source stream), as opposed to a bad archive. */
export const ATTEST_SOURCE_UNREADABLE = 'ATTEST_SOURCE_UNREADABLE';

export interface VerifyArchiveOptions {
  workerId: string;
  speciesId: string;
  /** Root folder removed from every entry (`./`, `package/`); never guessed. */
  stripPrefix?: string;
  /** HMAC secret; null/empty means none is configured (→ ATTEST_SIGNATURE_MISSING for HMAC manifests). */
  secret?: string | Uint8Array | null;
  /** Ed25519 namespace keys (JWKS whose keys carry `ns`). */
  keys?: unknown;
  /** A manifest supplied separately; it replaces the archive's own root manifest.json. */
  manifest?: Uint8Array | null;
  limits?: IngestOptions['limits'];
  onProgress?: IngestOptions['onProgress'];
  sha256?: IngestOptions['sha256'];
  now?: () => Date;
  /**
   * Refuse what pyhall would accept but a registry should not (default false, pyhall's verdicts):
   * any file the package hash leaves out other than the root `manifest.json` (deny
   * ATTEST_EXCLUDED_CONTENT, the entries listed in `excluded_entries` and the message), and names
   * equal under Unicode NFC or case folding (deny TAR_NAME_COLLISION). The Hall sets it for
   * `/attest/verify` and attestation registration.
   */
  strictContent?: boolean;
}

/** Names listed in an ATTEST_EXCLUDED_CONTENT message; the full list is in `excluded_entries`. */
const LISTED_EXCLUDED = 10;

function excludedContentMessage(extra: string[]): string {
  const shown = extra.slice(0, LISTED_EXCLUDED).map(quoteTarName).join(', ');
  const more = extra.length > LISTED_EXCLUDED ? ` and ${extra.length - LISTED_EXCLUDED} more` : '';
  return (
    `the archive carries ${extra.length} file${extra.length === 1 ? '' : 's'} that the package hash leaves out (${shown}${more}), ` +
    'so the signature would not cover them. Remove them (caches, *.pyc, .git, nested manifest files) and repack; only the root manifest.json may be left out.'
  );
}

export interface ArchiveVerdict extends ManifestVerdict {
  /** The package hash computed from the archive (present whenever the archive was readable). */
  package_hash?: string;
  records?: PackageRecord[];
  excluded_entries?: string[];
  /** Where the manifest came from: the archive root, the caller, or nowhere. */
  manifest_source?: 'archive' | 'external' | 'none';
  stats?: PackageIngestStats;
}

export async function verifyArchive(source: PackageSource, opts: VerifyArchiveOptions): Promise<ArchiveVerdict> {
  const external = opts.manifest !== undefined;
  let ingest;
  try {
    ingest = await ingestPackage(source, {
      stripPrefix: opts.stripPrefix,
      limits: opts.limits,
      onProgress: opts.onProgress,
      sha256: opts.sha256,
      captureRootFile: external ? null : 'manifest.json',
      refuseNameCollisions: opts.strictContent === true,
    });
  } catch (err) {
    if (err instanceof TarError) return { ok: false, deny_code: err.code, message: err.message };
    // A bad strip prefix or limit is the caller's mistake, not the upload's.
    if (err instanceof TypeError && /strip prefix|tar limit/.test(err.message)) {
      return { ok: false, deny_code: ATTEST_INPUT_INVALID, message: `${err.message}.` };
    }
    return {
      ok: false,
      deny_code: ATTEST_SOURCE_UNREADABLE,
      message: `the upload could not be read (${(err as Error)?.message ?? String(err)}); retry the upload.`,
    };
  }
  const base = {
    package_hash: ingest.package_hash,
    records: ingest.records,
    excluded_entries: ingest.excluded_entries,
    stats: ingest.stats,
  };
  if (opts.strictContent === true) {
    const extra = ingest.excluded_entries.filter((p) => p !== 'manifest.json');
    if (extra.length > 0) return { ok: false, deny_code: ATTEST_EXCLUDED_CONTENT, message: excludedContentMessage(extra), ...base };
  }
  const manifestBytes = external ? (opts.manifest ?? null) : ingest.manifest;
  const verdict = await verifyManifest({
    manifestBytes,
    packageHash: ingest.package_hash,
    workerId: opts.workerId,
    speciesId: opts.speciesId,
    secret: opts.secret,
    keys: opts.keys,
    now: opts.now,
  });
  return {
    ...verdict,
    package_hash: ingest.package_hash,
    records: ingest.records,
    excluded_entries: ingest.excluded_entries,
    manifest_source: manifestBytes === null ? 'none' : external ? 'external' : 'archive',
    stats: ingest.stats,
  };
}
