// Building and signing awp.v1 manifests (the `edgehall sign` side). A manifest built here has
// pyhall's fields and types, so an HMAC manifest verifies in pyhall and the reverse.
import { toBase64Url, utf8 } from '../../util/bytes.js';
import { EdgehallError } from '../../util/errors.js';
import { isSha256Hex } from '../../util/sha256.js';
import { pyJsonString } from '../../util/pyjson.js';
import { hmacSha256Hex } from '../../crypto/hmac.js';
import { createEd25519Signer } from '../../crypto/ed25519.js';
import type { ImportedPrivateKey } from '../../crypto/jwk.js';
import { ATTEST_KEY_NAMESPACE_MISMATCH, ATTEST_NAMESPACE_INVALID } from './codes.js';
import { AWP_SCHEMA_VERSION, manifestSigningPayload } from './payload.js';
import { signerNamespaceFromWorkerId, trustStatement } from './namespace.js';
import type { Ed25519Manifest, HmacManifest, UnsignedManifest } from './schema.js';

export interface BuildManifestOptions {
  /** Canonical package hash, 64 lowercase hex digits. */
  packageHash: string;
  workerId: string;
  speciesId: string;
  workerVersion: string;
  /** Origin label, pyhall's 'local' | 'ci' | 'agent' (any string is accepted). Default 'local'. */
  buildSource?: string;
  /** Build time; defaults to now. Stored to the second, as pyhall does. */
  now?: Date;
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The nine unsigned fields (pyhall's build_manifest before signing). */
export function buildManifest(opts: BuildManifestOptions): UnsignedManifest {
  const { packageHash, workerId, speciesId, workerVersion } = opts;
  if (!isSha256Hex(packageHash)) {
    throw new EdgehallError('ATTEST_INPUT_INVALID', 'packageHash must be 64 lowercase hex digits (no sha256: prefix).');
  }
  for (const [name, v] of [['workerId', workerId], ['speciesId', speciesId], ['workerVersion', workerVersion]] as const) {
    if (typeof v !== 'string' || v.length === 0) {
      throw new EdgehallError('ATTEST_INPUT_INVALID', `${name} must be a non-empty string.`);
    }
  }
  const ns = signerNamespaceFromWorkerId(workerId);
  if (ns === null) {
    throw new EdgehallError(
      ATTEST_NAMESPACE_INVALID,
      `cannot derive a signer namespace from worker_id '${workerId}': it must begin with 'org.<name>.' or 'x.<name>.' (lowercase letters, digits, hyphens), not 'wrk.' or another protocol prefix.`,
    );
  }
  const now = isoSeconds(opts.now ?? new Date());
  return {
    schema_version: AWP_SCHEMA_VERSION,
    worker_id: workerId,
    worker_species_id: speciesId,
    worker_version: workerVersion,
    package_hash: packageHash,
    built_at_utc: now,
    attested_at_utc: now,
    build_source: opts.buildSource ?? 'local',
    trust_statement: trustStatement(ns, now, packageHash),
  };
}

/** Adds `signature_hmac_sha256` (pyhall-compatible). */
export function signManifestHmac(manifest: UnsignedManifest, secret: string | Uint8Array): HmacManifest {
  if (secret === undefined || secret === null || secret.length === 0) {
    throw new EdgehallError('ATTEST_INPUT_INVALID', 'the HMAC secret is empty: set it in the environment variable you pass with --secret-env.');
  }
  return { ...manifest, signature_hmac_sha256: hmacSha256Hex(secret, manifestSigningPayload(manifest)) };
}

/**
 * Adds `signing_key_id` and `signature_ed25519` (base64url over the same seven-field payload).
 * A key bound to another namespace (its JWK `ns`) is refused before anything is signed.
 */
export async function signManifestEd25519(
  manifest: UnsignedManifest,
  key: Pick<ImportedPrivateKey, 'seed' | 'kid' | 'ns'>,
): Promise<Ed25519Manifest> {
  const ns = signerNamespaceFromWorkerId(manifest.worker_id);
  if (key.ns !== null && key.ns !== ns) {
    throw new EdgehallError(
      ATTEST_KEY_NAMESPACE_MISMATCH,
      `key '${key.kid}' is registered for ${key.ns}, but worker '${manifest.worker_id}' is in ${ns ?? 'no namespace'}; sign with a key of that namespace.`,
    );
  }
  const signer = await createEd25519Signer(key.seed);
  const sig = await signer.sign(manifestSigningPayload(manifest));
  return { ...manifest, signing_key_id: key.kid, signature_ed25519: toBase64Url(sig) };
}

/**
 * pyhall's write_manifest text: `json.dumps(manifest, indent=2, sort_keys=True) + "\n"`
 * (ASCII-escaped). Manifests are flat objects of strings.
 */
export function serializeManifest(manifest: Readonly<Record<string, string>>): string {
  const keys = Object.keys(manifest).sort();
  const body = keys.map((k) => `  ${pyJsonString(k)}: ${pyJsonString(manifest[k]!)}`).join(',\n');
  return `{\n${body}\n}\n`;
}

/** serializeManifest as UTF-8 bytes (the content of manifest.json). */
export function serializeManifestBytes(manifest: Readonly<Record<string, string>>): Uint8Array {
  return utf8(serializeManifest(manifest));
}
