// Stable codes of receipt and chain verification.
export const RECEIPT_SCHEMA_INVALID = 'RECEIPT_SCHEMA_INVALID';
export const RECEIPT_HASH_MISMATCH = 'RECEIPT_HASH_MISMATCH';
export const RECEIPT_KEY_UNKNOWN = 'RECEIPT_KEY_UNKNOWN';
export const RECEIPT_KEYS_INVALID = 'RECEIPT_KEYS_INVALID';
export const RECEIPT_SIGNATURE_INVALID = 'RECEIPT_SIGNATURE_INVALID';
/** A seq is missing (the chain jumps past it). */
export const RECEIPT_CHAIN_GAP = 'RECEIPT_CHAIN_GAP';
/** A seq is missing here but appears later: the receipts are out of order. */
export const RECEIPT_CHAIN_ORDER = 'RECEIPT_CHAIN_ORDER';
/** Two receipts claim the same seq. */
export const RECEIPT_CHAIN_FORK = 'RECEIPT_CHAIN_FORK';
/** prev_receipt_hash is not the previous receipt's receipt_hash. */
export const RECEIPT_CHAIN_PREV_MISMATCH = 'RECEIPT_CHAIN_PREV_MISMATCH';
/** A receipt of another tenant is in the chain. */
export const RECEIPT_CHAIN_TENANT_MISMATCH = 'RECEIPT_CHAIN_TENANT_MISMATCH';
/** A receipt of another shard of the tenant's log is in the chain (each shard is its own chain). */
export const RECEIPT_CHAIN_SHARD_MISMATCH = 'RECEIPT_CHAIN_SHARD_MISMATCH';
/** The runtime cannot verify (no WebCrypto, or no Ed25519 in it and no fallback enabled). */
export const RECEIPT_CRYPTO_UNAVAILABLE = 'RECEIPT_CRYPTO_UNAVAILABLE';
