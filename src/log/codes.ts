// Stable codes of transparency-log verification (Merkle proofs and signed checkpoints).

/** The proof cannot be a proof for the stated index and sizes: wrong number of hashes, a hash that is not 32 bytes, or impossible sizes. */
export const LOG_PROOF_MALFORMED = 'LOG_PROOF_MALFORMED';
/** The inclusion proof is well formed but does not lead from the leaf to the root. */
export const LOG_INCLUSION_INVALID = 'LOG_INCLUSION_INVALID';
/** The consistency proof is well formed but the newer tree does not extend the older one. */
export const LOG_CONSISTENCY_INVALID = 'LOG_CONSISTENCY_INVALID';
/** The checkpoint is not a well-formed C2SP signed note with a tlog-checkpoint body. */
export const LOG_CHECKPOINT_MALFORMED = 'LOG_CHECKPOINT_MALFORMED';
/** The checkpoint's origin line is not the one the caller expects. */
export const LOG_CHECKPOINT_ORIGIN_MISMATCH = 'LOG_CHECKPOINT_ORIGIN_MISMATCH';
/** No signature line carries the expected key name and key ID. */
export const LOG_CHECKPOINT_KEY_UNKNOWN = 'LOG_CHECKPOINT_KEY_UNKNOWN';
/** A signature by the expected key does not verify over the note text. */
export const LOG_CHECKPOINT_SIGNATURE_INVALID = 'LOG_CHECKPOINT_SIGNATURE_INVALID';
/** The verification key option is unusable (not 32 bytes, or not a JWKS). */
export const LOG_CHECKPOINT_KEYS_INVALID = 'LOG_CHECKPOINT_KEYS_INVALID';
/** The runtime cannot verify Ed25519 (no WebCrypto Ed25519 and no fallback enabled). */
export const LOG_CRYPTO_UNAVAILABLE = 'LOG_CRYPTO_UNAVAILABLE';
/** Thrown by proof generation and formatting when asked for something that does not exist (index or size out of range, bad origin). */
export const LOG_RANGE_INVALID = 'LOG_RANGE_INVALID';
