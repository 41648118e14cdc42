// Manifest verification with pyhall's check order:
//   manifest readable → identity → package hash → signature present → signature valid.
// The package hash is an input (computed by the tar reader or directory hasher), so this file
// stays small enough for the browser verify bundle (no zod, no tar code).
import { fromBase64Url, fromHex, decodeUtf8Strict, utf8 } from '../../util/bytes.js';
import { hmacSha256VerifyAsync } from '../../crypto/webcrypto.js';
import { createEd25519Verifier } from '../../crypto/ed25519-verify.js';
import { readJwksAsync, type ImportedPublicKey } from '../../crypto/jwk-core.js';
import * as C from './codes.js';
import { parsePyJson, isPyDict, pyTruthy, pyStr, type PyDict } from './pyjson-parse.js';
import { parsedManifestSigningPayload } from './payload.js';
import { pyhallNamespaceFromWorkerId, signerNamespaceFromWorkerId, trustStatement } from './namespace.js';

/** A manifest larger than this is refused before parsing (an awp.v1 manifest is < 2 KB). */
export const MAX_MANIFEST_BYTES = 256 * 1024;

export interface VerifyManifestOptions {
  /** The raw bytes of manifest.json; null when there is none. */
  manifestBytes: Uint8Array | null | undefined;
  /** The package hash computed from the package itself: 64 lowercase hex digits, no prefix. */
  packageHash: string;
  /** The worker the caller expects (exact, case-sensitive). */
  workerId: string;
  /** The worker species the caller expects. */
  speciesId: string;
  /** HMAC secret (a string is used as UTF-8, as pyhall does). Null or empty: none configured. */
  secret?: string | Uint8Array | null;
  /** Ed25519 namespace keys: a JWKS whose keys carry `ns`, or already imported keys. */
  keys?: unknown;
  /** Clock for verified_at_utc (tests pin it). */
  now?: () => Date;
}

export interface ManifestVerdict {
  ok: boolean;
  deny_code: string | null;
  /** One sentence: what failed and what to do. Never contains the secret. */
  message?: string;
  /** On success, the verified package hash (lowercase hex, no prefix). */
  package_hash?: string;
  trust_statement?: string;
  namespace?: string;
  attested_at_utc?: string;
  verified_at_utc?: string;
  manifest_schema?: string | null;
  signature_type?: 'hmac-sha256' | 'ed25519';
  signing_key_id?: string;
}

function deny(code: string, message: string): ManifestVerdict {
  return { ok: false, deny_code: code, message };
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Keys supplied as a JWKS or as imported keys; null when none were supplied. */
async function keyList(keys: unknown): Promise<ImportedPublicKey[] | null> {
  if (keys === undefined || keys === null) return null;
  if (Array.isArray(keys)) return keys as ImportedPublicKey[];
  return readJwksAsync(keys);
}

function secretPresent(secret: VerifyManifestOptions['secret']): secret is string | Uint8Array {
  return secret !== undefined && secret !== null && secret.length > 0;
}

function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

/**
 * Verifies a manifest against a package hash. Never throws: every failure is a deny code.
 * HMAC manifests behave exactly as pyhall's PackageAttestationVerifier (where pyhall raises,
 * this denies with ATTEST_MANIFEST_INVALID, ATTEST_SIGNATURE_MALFORMED or
 * ATTEST_NAMESPACE_INVALID). Ed25519 manifests are checked against namespace-bound keys.
 */
export async function verifyManifest(opts: VerifyManifestOptions): Promise<ManifestVerdict> {
  try {
    return await verifyManifestUnsafe(opts);
  } catch (err) {
    // Defence in depth: an unexpected exception is still a denial, never a pass.
    const code = (err as { code?: unknown })?.code;
    const mapped =
      code === 'CRYPTO_UNAVAILABLE' || code === 'ED25519_UNAVAILABLE'
        ? C.ATTEST_CRYPTO_UNAVAILABLE
        : typeof code === 'string' && code.startsWith('JWKS_')
          ? C.ATTEST_INPUT_INVALID
          : C.ATTEST_MANIFEST_INVALID;
    return deny(mapped, `manifest verification failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

async function verifyManifestUnsafe(opts: VerifyManifestOptions): Promise<ManifestVerdict> {
  const { manifestBytes, packageHash, workerId, speciesId } = opts;
  if (typeof workerId !== 'string' || typeof speciesId !== 'string' || typeof packageHash !== 'string' || !HEX64.test(packageHash)) {
    return deny(C.ATTEST_INPUT_INVALID, 'workerId and speciesId must be strings and packageHash 64 lowercase hex digits.');
  }

  // 1. Manifest present and readable (pyhall: absent, non-UTF-8, BOM or bad JSON all deny here).
  if (manifestBytes === null || manifestBytes === undefined) {
    return deny(C.ATTEST_MANIFEST_MISSING, 'no manifest.json: add one at the package root (edgehall sign) or pass it separately.');
  }
  if (manifestBytes.length > MAX_MANIFEST_BYTES) {
    return deny(C.ATTEST_MANIFEST_INVALID, `manifest.json is larger than ${MAX_MANIFEST_BYTES} bytes; an awp.v1 manifest is a small JSON object.`);
  }
  let parsed;
  try {
    parsed = parsePyJson(decodeUtf8Strict(manifestBytes));
  } catch (err) {
    return deny(C.ATTEST_MANIFEST_MISSING, `manifest.json is unreadable (${(err as Error).message}); it must be UTF-8 JSON without a BOM.`);
  }
  if (!isPyDict(parsed)) {
    return deny(C.ATTEST_MANIFEST_INVALID, 'manifest.json must be a JSON object.');
  }
  const m: PyDict = parsed;

  // 2. Identity.
  if (m.get('worker_id') !== workerId || m.get('worker_species_id') !== speciesId) {
    return deny(C.ATTEST_MANIFEST_ID_MISMATCH, 'the manifest names another worker_id or worker_species_id than the one being verified.');
  }

  // 3. Package hash: bare lowercase hex, exactly equal.
  const declared = m.get('package_hash');
  if (typeof declared !== 'string' || declared !== packageHash) {
    return deny(C.ATTEST_HASH_MISMATCH, 'the package content does not match the manifest package_hash: the package changed after signing, or the manifest belongs to another package.');
  }

  // 4. Signature present, for the verification material configured.
  const edSig = m.get('signature_ed25519');
  const hmacSig = m.get('signature_hmac_sha256');
  const attestedRaw = m.has('attested_at_utc') ? m.get('attested_at_utc') : 'unknown';
  const attestedAt = pyStr(attestedRaw);
  const schema = m.get('schema_version');
  const success = (namespace: string, extra: Partial<ManifestVerdict>): ManifestVerdict => ({
    ok: true,
    deny_code: null,
    package_hash: packageHash,
    trust_statement: trustStatement(namespace, attestedAt, packageHash),
    namespace,
    attested_at_utc: attestedAt,
    verified_at_utc: isoSeconds(opts.now ? opts.now() : new Date()),
    manifest_schema: typeof schema === 'string' ? schema : null,
    ...extra,
  });

  if (opts.keys !== undefined && opts.keys !== null && pyTruthy(edSig)) {
    // A malformed key set throws JWKS_INVALID here: denied ATTEST_INPUT_INVALID by the caller.
    return verifyEd25519(m, edSig, (await keyList(opts.keys))!, workerId, success);
  }
  if (!pyTruthy(hmacSig) || !secretPresent(opts.secret)) {
    const why = pyTruthy(edSig)
      ? 'the manifest is Ed25519-signed but no namespace keys were supplied (pass keys / --keys).'
      : !pyTruthy(hmacSig)
        ? 'the manifest carries no signature: sign it (edgehall sign) before verifying.'
        : 'no HMAC secret is configured: set the secret (e.g. --secret-env VAR) to verify an HMAC manifest.';
    return deny(C.ATTEST_SIGNATURE_MISSING, why);
  }

  // 5. HMAC-SHA256, compared in constant time. pyhall's compare_digest raises on a non-string
  //    or non-ASCII signature; both are denied here.
  if (typeof hmacSig !== 'string' || !isAscii(hmacSig)) {
    return deny(C.ATTEST_SIGNATURE_MALFORMED, 'signature_hmac_sha256 must be a string of 64 lowercase hex digits.');
  }
  // pyhall compares the hex strings; only exact lowercase hex can equal its hexdigest(). The
  // comparison itself is the platform's constant-time HMAC verify.
  const key = typeof opts.secret === 'string' ? utf8(opts.secret) : opts.secret;
  const valid = HEX64.test(hmacSig) && (await hmacSha256VerifyAsync(key, parsedManifestSigningPayload(m), fromHex(hmacSig)));
  if (!valid) {
    return deny(C.ATTEST_SIG_INVALID, 'the HMAC signature does not verify: a signed field was changed, or the secret differs from the signer\'s.');
  }
  const ns = pyhallNamespaceFromWorkerId(workerId);
  if (ns === null) {
    return deny(C.ATTEST_NAMESPACE_INVALID, "worker_id must begin with 'org.<name>.' or 'x.<name>.' (a tenant signer namespace); 'wrk.', 'cap.' and other protocol prefixes cannot sign.");
  }
  return success(ns, { signature_type: 'hmac-sha256' });
}

async function verifyEd25519(
  m: PyDict,
  edSig: unknown,
  keys: ImportedPublicKey[],
  workerId: string,
  success: (ns: string, extra: Partial<ManifestVerdict>) => ManifestVerdict,
): Promise<ManifestVerdict> {
  const ns = signerNamespaceFromWorkerId(workerId);
  if (ns === null) {
    return deny(C.ATTEST_NAMESPACE_INVALID, "worker_id must begin with 'org.<name>.' or 'x.<name>.' (lowercase letters, digits, hyphens) to be checked against namespace keys.");
  }
  const kid = m.get('signing_key_id');
  let sig: Uint8Array | null = null;
  if (typeof edSig === 'string') {
    try {
      sig = fromBase64Url(edSig);
    } catch {
      sig = null;
    }
  }
  if (sig === null || sig.length !== 64 || typeof kid !== 'string' || kid.length === 0) {
    return deny(C.ATTEST_SIGNATURE_MALFORMED, 'an Ed25519 manifest needs signature_ed25519 (64 bytes, base64url) and a non-empty signing_key_id.');
  }
  const byKid = keys.filter((k) => k.kid === kid);
  if (byKid.length === 0) {
    return deny(C.ATTEST_KEY_UNKNOWN, `signing key '${kid}' is not among the supplied keys: register it for the worker's namespace.`);
  }
  const candidates = byKid.filter((k) => k.ns === ns);
  if (candidates.length === 0) {
    return deny(C.ATTEST_KEY_NAMESPACE_MISMATCH, `signing key '${kid}' is not registered for namespace ${ns}: a key may only sign for its own namespace.`);
  }
  const payload = parsedManifestSigningPayload(m);
  for (const k of candidates) {
    const v = await createEd25519Verifier(k.publicKey);
    if (await v.verify(payload, sig)) return success(ns, { signature_type: 'ed25519', signing_key_id: kid });
  }
  return deny(C.ATTEST_SIG_INVALID, 'the Ed25519 signature does not verify: a signed field was changed after signing.');
}
