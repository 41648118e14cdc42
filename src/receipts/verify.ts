// Receipt and chain verification: web-standard, no zod (browser verify bundle).
import { fromBase64Url, utf8 } from '../util/bytes.js';
import { readJwksAsync } from '../crypto/jwk-core.js';
import { createEd25519Verifier, ed25519BackendEpoch, type Ed25519Verifier } from '../crypto/ed25519-verify.js';
import { hashReceiptAsync, receiptShapeProblems } from './core.js';
import * as C from './codes.js';

export interface ReceiptVerdict {
  ok: boolean;
  code?: string;
  message?: string;
}

export interface ChainVerdict {
  ok: boolean;
  /** Receipts verified, in order, before the first problem (all of them when ok). */
  verified: number;
  /** The first seq at which the chain is not valid (see docs/receipts.md for each code). */
  broken_at_seq?: number;
  /** Position of the offending receipt in the input array. */
  index?: number;
  code?: string;
  message?: string;
  /** receipt_hash of the last verified receipt (continue a segment from here). */
  head_hash?: string | null;
}

export interface VerifyChainOptions {
  /** seq of the first receipt (default 1). Use after_seq + 1 when verifying a segment. */
  expectFirstSeq?: number;
  /** prev_receipt_hash the first receipt must carry (default: null when starting at seq 1, unchecked otherwise). */
  expectPrevHash?: string | null;
  /** The tenant every receipt must belong to (default: the first receipt's). */
  tenantId?: string;
  /** The shard every receipt must belong to (default: the first receipt's; a receipt without `shard` is shard 0). */
  shard?: number;
}

/** The verdict of a chain (receipts or admin log) broken at `at`, after `index` verified links. */
export function brokenChain(index: number, at: number, code: string, message: string, headHash: string | null | undefined): ChainVerdict {
  return { ok: false, verified: index, broken_at_seq: at, index, code, message, head_hash: headHash ?? null };
}

/** A kid → verifier lookup over a key set, importing each key once. */
export type KeyLookup = (kid: string) => Promise<Ed25519Verifier | null>;

// Lookups of the key sets seen lately, by backend epoch and JSON text: a worker that checks every
// call against the same key set reads and imports it once, and a changed key set (same object or
// not) is a new entry. Only settled values are shared: workerd must not await a promise another
// request created, so concurrent first calls each read the set (it is cheap).
const LOOKUPS_KEPT = 8;
const LOOKUP_TEXT_MAX = 64 * 1024;
const lookups = new Map<string, KeyLookup>();

/** Reads `jwks` (throws when it is unusable) and returns a cached kid → verifier lookup. */
export async function keyLookupFrom(jwks: unknown): Promise<KeyLookup> {
  let text: string | undefined;
  try {
    text = typeof jwks === 'string' ? jwks : JSON.stringify(jwks);
  } catch {
    text = undefined; // not JSON-able: readJwksAsync says why
  }
  if (text === undefined || text.length > LOOKUP_TEXT_MAX) return lookupOf(jwks);
  const key = `${ed25519BackendEpoch()}:${text}`;
  const hit = lookups.get(key);
  if (hit) return hit;
  const lookup = await lookupOf(jwks);
  if (lookups.size >= LOOKUPS_KEPT) lookups.delete(lookups.keys().next().value!);
  lookups.set(key, lookup);
  return lookup;
}

async function lookupOf(jwks: unknown): Promise<KeyLookup> {
  const keys = await readJwksAsync(jwks);
  const ready = new Map<string, Ed25519Verifier | null>();
  return async (kid) => {
    if (ready.has(kid)) return ready.get(kid)!;
    const k = keys.find((x) => x.kid === kid);
    const v = k ? await createEd25519Verifier(k.publicKey) : null;
    ready.set(kid, v);
    return v;
  };
}

async function verifyWith(receipt: unknown, lookup: KeyLookup): Promise<ReceiptVerdict> {
  try {
    return await verifyWithUnsafe(receipt, lookup);
  } catch (err) {
    // Only the runtime can make this throw (no WebCrypto / no Ed25519): still a refusal, never a pass.
    return { ok: false, code: C.RECEIPT_CRYPTO_UNAVAILABLE, message: (err as Error)?.message ?? String(err) };
  }
}

async function verifyWithUnsafe(receipt: unknown, lookup: KeyLookup): Promise<ReceiptVerdict> {
  const problems = receiptShapeProblems(receipt);
  if (problems.length > 0) {
    return { ok: false, code: C.RECEIPT_SCHEMA_INVALID, message: `the receipt is malformed (${problems.join('; ')}).` };
  }
  const r = receipt as { receipt_hash: string; signature: string; signing_key_id: string };
  let hash: string;
  try {
    hash = await hashReceiptAsync(r);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'CRYPTO_UNAVAILABLE') throw err;
    return { ok: false, code: C.RECEIPT_SCHEMA_INVALID, message: `the receipt cannot be canonicalised: ${(err as Error).message}.` };
  }
  if (hash !== r.receipt_hash) {
    return { ok: false, code: C.RECEIPT_HASH_MISMATCH, message: 'receipt_hash does not match the receipt content: a field was changed after the Hall issued it.' };
  }
  const verifier = await lookup(r.signing_key_id);
  if (!verifier) {
    return { ok: false, code: C.RECEIPT_KEY_UNKNOWN, message: `signing key '${r.signing_key_id}' is not in the key set: fetch /.well-known/wcp-keys.json from the Hall that issued the receipt.` };
  }
  if (!(await verifier.verify(utf8(r.receipt_hash), fromBase64Url(r.signature)))) {
    return { ok: false, code: C.RECEIPT_SIGNATURE_INVALID, message: 'the Ed25519 signature over receipt_hash does not verify with the named key.' };
  }
  return { ok: true };
}

function keysInvalid(err: unknown): ReceiptVerdict {
  return { ok: false, code: C.RECEIPT_KEYS_INVALID, message: `the key set is unusable: ${(err as Error).message}` };
}

/**
 * Verifies one receipt: shape, receipt_hash (RFC 8785 + SHA-256), and the Ed25519 signature over
 * the ASCII hex hash with the key named by signing_key_id in `jwks`. Never throws.
 */
export async function verifyReceipt(receipt: unknown, jwks: unknown): Promise<ReceiptVerdict> {
  let lookup: KeyLookup;
  try {
    lookup = await keyLookupFrom(jwks);
  } catch (err) {
    return keysInvalid(err);
  }
  return verifyWith(receipt, lookup);
}

/**
 * Verifies a chain segment in the order given: every receipt, consecutive seq, one tenant, and
 * each prev_receipt_hash equal to the previous receipt_hash. Reports the first bad seq.
 */
export async function verifyChain(receipts: readonly unknown[], jwks: unknown, opts: VerifyChainOptions = {}): Promise<ChainVerdict> {
  let lookup: KeyLookup;
  try {
    lookup = await keyLookupFrom(jwks);
  } catch (err) {
    return { verified: 0, ...keysInvalid(err), ok: false };
  }
  if (!Array.isArray(receipts)) {
    return { ok: false, verified: 0, code: C.RECEIPT_SCHEMA_INVALID, message: 'a chain must be an array of receipts.' };
  }
  const firstSeq = opts.expectFirstSeq ?? 1;
  const seqs = new Set<number>();
  for (const x of receipts) {
    const s = (x as { seq?: unknown } | null)?.seq;
    if (typeof s === 'number') seqs.add(s);
  }
  const seen = new Set<number>();
  let expected = firstSeq;
  let prevHash: string | null | undefined = opts.expectPrevHash !== undefined ? opts.expectPrevHash : firstSeq === 1 ? null : undefined;
  let tenant = opts.tenantId;
  let shard = opts.shard;
  const fail = (index: number, at: number, code: string, message: string): ChainVerdict => brokenChain(index, at, code, message, prevHash);

  for (let i = 0; i < receipts.length; i++) {
    const raw = receipts[i];
    const problems = receiptShapeProblems(raw);
    if (problems.length > 0) {
      return fail(i, expected, C.RECEIPT_SCHEMA_INVALID, `receipt at position ${i} is malformed (${problems.join('; ')}).`);
    }
    const r = raw as { seq: number; tenant_id: string; prev_receipt_hash: string | null; receipt_hash: string };
    if (r.seq !== expected) {
      if (r.seq < expected || seen.has(r.seq)) {
        return fail(i, r.seq, C.RECEIPT_CHAIN_FORK, `two receipts claim seq ${r.seq}: the chain forks or a receipt is replayed.`);
      }
      if (seqs.has(expected)) {
        return fail(i, expected, C.RECEIPT_CHAIN_ORDER, `seq ${r.seq} comes where seq ${expected} should: the receipts are out of order.`);
      }
      return fail(i, expected, C.RECEIPT_CHAIN_GAP, `seq ${expected} is missing (the next receipt is seq ${r.seq}).`);
    }
    tenant ??= r.tenant_id;
    if (r.tenant_id !== tenant) {
      return fail(i, r.seq, C.RECEIPT_CHAIN_TENANT_MISMATCH, `seq ${r.seq} belongs to tenant '${r.tenant_id}', not '${tenant}'.`);
    }
    const rShard = (r as { shard?: number }).shard ?? 0;
    shard ??= rShard;
    if (rShard !== shard) {
      return fail(i, r.seq, C.RECEIPT_CHAIN_SHARD_MISMATCH, `seq ${r.seq} belongs to shard ${rShard} of the tenant's log, not shard ${shard}: verify each shard as its own chain.`);
    }
    if (prevHash !== undefined && r.prev_receipt_hash !== prevHash) {
      return fail(i, r.seq, C.RECEIPT_CHAIN_PREV_MISMATCH, `seq ${r.seq}'s prev_receipt_hash is not the receipt_hash of seq ${r.seq - 1}.`);
    }
    const v = await verifyWith(r, lookup);
    if (!v.ok) return fail(i, r.seq, v.code!, `seq ${r.seq}: ${v.message}`);
    seen.add(r.seq);
    prevHash = r.receipt_hash;
    expected++;
  }
  return { ok: true, verified: receipts.length, head_hash: prevHash ?? null };
}
