// Receipt hashing and structural checks without zod: this file is on the browser verify path
// (12 KB gzip budget). schema.ts holds the zod wire schema; a test keeps the two in step.
import { toHex, utf8 } from '../util/bytes.js';
import { canonicalJson } from '../util/jcs.js';
import { sha256Async } from '../crypto/webcrypto.js';
import { sha256Hex } from '../util/sha256.js';
import { isUuidV7 } from './uuid.js';

const isSha256Hex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** Pinned in every receipt, and therefore in every receipt_hash. */
export const RECEIPT_VERSION = 'edgehall.receipt.v1';
export const RECEIPT_POLICY_DECISIONS = ['ALLOW', 'DENY', 'REQUIRE_HUMAN'] as const;
export const MAX_RECEIPT_STRING = 512;
export const RECEIPT_MAX_CONTROLS = 256;
/** Highest shard number a receipt may name (a sharded tenant's logs are 0 … N − 1; the Hall allows N ≤ 16). */
export const RECEIPT_MAX_SHARD = 65535;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const SIGNATURE_B64URL = /^[A-Za-z0-9_-]{86}$/;

/**
 * `dry_run` (edgehall v0.2): true when the decision was a rehearsal (RouteInput.dry_run) — nothing
 * was dispatched and no approval was opened, cited or consumed; false for a real decision. Every
 * receipt a v0.2 Hall issues carries it (buildReceipt requires it) and, like every field, it is
 * covered by receipt_hash. A dry-run receipt's approval_id is always null. Receipts issued before v0.2 have no dry_run and still verify: for them
 * whether the call was a dry run is not recorded.
 */

/**
 * `shard` (edgehall v0.2, optional): the receipt's log among a sharded tenant's N independent logs
 * (each its own chain: seq and prev_receipt_hash count within the shard). Absent on receipts of an
 * unsharded tenant (and on every receipt issued before shards existed); a verifier reads absent as 0.
 */

/** Fields left out of the hash input: the hash itself and the signature over it. */
const UNHASHED = new Set(['receipt_hash', 'signature']);

/**
 * The bytes behind receipt_hash: the RFC 8785 canonical JSON of the receipt without
 * `receipt_hash` and `signature` (any other field, known or not, is covered).
 */
export function receiptHashInput(receipt: object): Uint8Array {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(receipt)) if (!UNHASHED.has(k)) body[k] = v;
  return utf8(canonicalJson(body));
}

/**
 * receipt_hash: lowercase hex SHA-256 of the RFC 8785 canonical JSON of the receipt without
 * `receipt_hash` and `signature`. Synchronous (@noble/hashes), for the Hall's hot path.
 */
export function hashReceipt(receipt: object): string {
  return sha256Hex(receiptHashInput(receipt));
}

/** hashReceipt through WebCrypto: what the verifiers use (no JavaScript SHA-256 needed). */
export async function hashReceiptAsync(receipt: object): Promise<string> {
  return toHex(await sha256Async(receiptHashInput(receipt)));
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_RECEIPT_STRING;
const isStrOrNull = (v: unknown): boolean => v === null || isStr(v);

/**
 * Problems with a receipt's shape, as "field: what is wrong"; empty when it is well formed.
 * `signed` false checks an unsigned receipt (no receipt_hash / signature).
 */
export function receiptShapeProblems(value: unknown, signed = true): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['(root): a receipt must be a JSON object'];
  const r = value as Record<string, unknown>;
  const p: string[] = [];
  const need = (ok: boolean, field: string, what: string): void => {
    if (!ok) p.push(`${field}: ${what}`);
  };
  need(r.receipt_version === RECEIPT_VERSION, 'receipt_version', `must be "${RECEIPT_VERSION}"`);
  need(isUuidV7(r.receipt_id), 'receipt_id', 'must be a lowercase UUIDv7');
  need(isStr(r.tenant_id), 'tenant_id', 'must be a non-empty string');
  const seqOk = Number.isSafeInteger(r.seq) && (r.seq as number) >= 1;
  need(seqOk, 'seq', 'must be an integer >= 1');
  if (seqOk && r.seq === 1) need(r.prev_receipt_hash === null, 'prev_receipt_hash', 'must be null for seq 1');
  else need(isSha256Hex(r.prev_receipt_hash), 'prev_receipt_hash', 'must be 64 lowercase hex digits after seq 1');
  need(isStr(r.decision_id), 'decision_id', 'must be a non-empty string');
  need(isStr(r.correlation_id), 'correlation_id', 'must be a non-empty string');
  need(typeof r.dispatched_at === 'string' && ISO_UTC.test(r.dispatched_at), 'dispatched_at', 'must be ISO-8601 UTC (…Z)');
  need(isStrOrNull(r.worker_id), 'worker_id', 'must be a string or null');
  need(isStrOrNull(r.worker_species_id), 'worker_species_id', 'must be a string or null');
  need(isStr(r.capability_id), 'capability_id', 'must be a non-empty string');
  need((RECEIPT_POLICY_DECISIONS as readonly unknown[]).includes(r.policy_decision), 'policy_decision', 'must be ALLOW, DENY or REQUIRE_HUMAN');
  need(isStrOrNull(r.deny_code), 'deny_code', 'must be a string or null');
  need(
    Array.isArray(r.controls_verified) && r.controls_verified.length <= RECEIPT_MAX_CONTROLS && r.controls_verified.every(isStr),
    'controls_verified',
    `must be an array of at most ${RECEIPT_MAX_CONTROLS} strings`,
  );
  need(isStrOrNull(r.artifact_hash), 'artifact_hash', 'must be a string or null');
  need(typeof r.rules_version === 'string' && r.rules_version.length <= MAX_RECEIPT_STRING, 'rules_version', 'must be a string');
  need(isStrOrNull(r.approval_id), 'approval_id', 'must be a string or null');
  need(isStr(r.signing_key_id), 'signing_key_id', 'must be a non-empty string');
  // Optional on signed receipts (chains from before dry_run existed), required on new ones.
  need(r.dry_run === undefined ? signed : typeof r.dry_run === 'boolean', 'dry_run', 'must be true or false');
  // Only receipts of a sharded tenant name their log; seq and prev_receipt_hash are per shard.
  need(r.shard === undefined || (Number.isSafeInteger(r.shard) && (r.shard as number) >= 0 && (r.shard as number) <= RECEIPT_MAX_SHARD), 'shard', `must be an integer from 0 to ${RECEIPT_MAX_SHARD}`);
  // A rehearsal never cites an approval (it neither uses nor opens one).
  if (r.dry_run === true) need(r.approval_id === null, 'approval_id', 'must be null on a dry run');
  if (signed) {
    need(isSha256Hex(r.receipt_hash), 'receipt_hash', 'must be 64 lowercase hex digits');
    need(typeof r.signature === 'string' && SIGNATURE_B64URL.test(r.signature), 'signature', 'must be a 64-byte Ed25519 signature in base64url');
  }
  return p;
}
