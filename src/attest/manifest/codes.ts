// Deny codes of manifest verification. The first five are pyhall's (same meaning, same order of
// checks); the rest name the cases where pyhall raises an exception instead of denying, and the
// Ed25519 namespace-key checks pyhall does not have.
export const ATTEST_MANIFEST_MISSING = 'ATTEST_MANIFEST_MISSING';
export const ATTEST_MANIFEST_ID_MISMATCH = 'ATTEST_MANIFEST_ID_MISMATCH';
export const ATTEST_HASH_MISMATCH = 'ATTEST_HASH_MISMATCH';
export const ATTEST_SIGNATURE_MISSING = 'ATTEST_SIGNATURE_MISSING';
export const ATTEST_SIG_INVALID = 'ATTEST_SIG_INVALID';
/** The manifest is JSON but not an object (pyhall: AttributeError), or is too large. */
export const ATTEST_MANIFEST_INVALID = 'ATTEST_MANIFEST_INVALID';
/** The signature is not a string of the expected form (pyhall: TypeError in compare_digest). */
export const ATTEST_SIGNATURE_MALFORMED = 'ATTEST_SIGNATURE_MALFORMED';
/** worker_id has no `org.<name>` / `x.<name>` signer namespace (pyhall: ValueError). */
export const ATTEST_NAMESPACE_INVALID = 'ATTEST_NAMESPACE_INVALID';
/** Ed25519: the manifest's signing_key_id is in no supplied key set. */
export const ATTEST_KEY_UNKNOWN = 'ATTEST_KEY_UNKNOWN';
/** Ed25519: the key exists but is registered for another namespace than the worker's. */
export const ATTEST_KEY_NAMESPACE_MISMATCH = 'ATTEST_KEY_NAMESPACE_MISMATCH';
/** The runtime cannot verify (no WebCrypto, or no Ed25519 and no fallback enabled). */
export const ATTEST_CRYPTO_UNAVAILABLE = 'ATTEST_CRYPTO_UNAVAILABLE';
/** The verifier was called with unusable inputs (not a manifest problem). */
export const ATTEST_INPUT_INVALID = 'ATTEST_INPUT_INVALID';
/**
 * Strict verification only: the archive carries files the package hash leaves out (`__pycache__`,
 * `*.pyc`, `.git`, a nested `manifest.json`, ...) besides the root manifest.json, so the signature
 * would vouch for an archive whose extra content nobody signed. pyhall accepts these.
 */
export const ATTEST_EXCLUDED_CONTENT = 'ATTEST_EXCLUDED_CONTENT';

export type AttestDenyCode =
  | typeof ATTEST_MANIFEST_MISSING
  | typeof ATTEST_MANIFEST_ID_MISMATCH
  | typeof ATTEST_HASH_MISMATCH
  | typeof ATTEST_SIGNATURE_MISSING
  | typeof ATTEST_SIG_INVALID
  | typeof ATTEST_MANIFEST_INVALID
  | typeof ATTEST_SIGNATURE_MALFORMED
  | typeof ATTEST_NAMESPACE_INVALID
  | typeof ATTEST_KEY_UNKNOWN
  | typeof ATTEST_KEY_NAMESPACE_MISMATCH
  | typeof ATTEST_CRYPTO_UNAVAILABLE
  | typeof ATTEST_INPUT_INVALID
  | typeof ATTEST_EXCLUDED_CONTENT;
