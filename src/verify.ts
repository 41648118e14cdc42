// edgehall/verify: receipt, chain, manifest and transparency-log verification only — the small
// entry for browsers and other places that check evidence but never route or sign. Budget: 14 KB
// gzip (minified, browser), held by test/package. Import specific modules, never the barrels: a barrel would drag
// zod, the tar reader or the routing engine into this bundle.
export { verifyManifest, MAX_MANIFEST_BYTES, type VerifyManifestOptions, type ManifestVerdict } from './attest/manifest/verify.js';
export {
  ATTEST_MANIFEST_MISSING,
  ATTEST_MANIFEST_ID_MISMATCH,
  ATTEST_HASH_MISMATCH,
  ATTEST_SIGNATURE_MISSING,
  ATTEST_SIG_INVALID,
  ATTEST_MANIFEST_INVALID,
  ATTEST_SIGNATURE_MALFORMED,
  ATTEST_NAMESPACE_INVALID,
  ATTEST_KEY_UNKNOWN,
  ATTEST_KEY_NAMESPACE_MISMATCH,
  ATTEST_INPUT_INVALID,
  type AttestDenyCode,
} from './attest/manifest/codes.js';
export { readJwks, importEd25519PublicJwk, type Ed25519PublicJwk, type Jwks, type ImportedPublicKey } from './crypto/jwk.js';
export { verifyReceipt, verifyChain, type ReceiptVerdict, type ChainVerdict, type VerifyChainOptions } from './receipts/verify.js';
export { hashReceipt, receiptShapeProblems, RECEIPT_VERSION } from './receipts/core.js';
export {
  RECEIPT_SCHEMA_INVALID,
  RECEIPT_HASH_MISMATCH,
  RECEIPT_KEY_UNKNOWN,
  RECEIPT_KEYS_INVALID,
  RECEIPT_SIGNATURE_INVALID,
  RECEIPT_CHAIN_GAP,
  RECEIPT_CHAIN_ORDER,
  RECEIPT_CHAIN_FORK,
  RECEIPT_CHAIN_PREV_MISMATCH,
  RECEIPT_CHAIN_TENANT_MISMATCH,
} from './receipts/codes.js';
export type { Receipt, UnsignedReceipt } from './receipts/schema.js';
// Transparency log (docs/receipts.md): signed checkpoints, inclusion and consistency proofs.
export { verifyInclusion, verifyConsistency, type LogVerdict, type LogHash, type InclusionLeaf } from './log/merkle.js';
export { verifyCheckpoint, type CheckpointVerdict, type VerifyCheckpointOptions } from './log/checkpoint.js';
export {
  LOG_PROOF_MALFORMED,
  LOG_INCLUSION_INVALID,
  LOG_CONSISTENCY_INVALID,
  LOG_CHECKPOINT_MALFORMED,
  LOG_CHECKPOINT_ORIGIN_MISMATCH,
  LOG_CHECKPOINT_KEY_UNKNOWN,
  LOG_CHECKPOINT_SIGNATURE_INVALID,
  LOG_CHECKPOINT_KEYS_INVALID,
  LOG_CRYPTO_UNAVAILABLE,
} from './log/codes.js';
