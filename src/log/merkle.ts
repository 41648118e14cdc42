// RFC 9162 (RFC 6962) Merkle tree over a log's leaves — in edgehall the 32 raw bytes of each
// receipt_hash in seq order. leaf hash = SHA-256(0x00 ‖ leaf), node = SHA-256(0x01 ‖ left ‖ right),
// the empty tree's root = SHA-256(""). Synchronous (the project's @noble SHA-256, already part of
// the verify bundle): generation is O(n) hashes, verification O(log n) and never throws.
import { EdgehallError } from '../util/errors.js';
import { sha256 } from '../util/sha256.js';
import { fromHex } from '../util/bytes.js';
import { fromBase64Std } from './base64.js';
import { LOG_CONSISTENCY_INVALID, LOG_INCLUSION_INVALID, LOG_PROOF_MALFORMED, LOG_RANGE_INVALID } from './codes.js';

/** A 32-byte hash as bytes, or in its wire spelling (standard padded base64). */
export type LogHash = Uint8Array | string;

/** What to prove included: the raw leaf (bytes, or a receipt_hash as 64 lowercase hex), or its leaf hash. */
export type InclusionLeaf = Uint8Array | string | { leafHash: LogHash };

export interface LogVerdict {
  ok: boolean;
  code?: string;
  message?: string;
}

/** No valid proof for a tree below 2^53 leaves is longer than this; longer input is refused before any hashing. */
export const MAX_PROOF_HASHES = 128;

const LEAF_PREFIX = new Uint8Array([0]);

/** SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(leaf.length + 1);
  buf.set(LEAF_PREFIX, 0);
  buf.set(leaf, 1);
  return sha256(buf);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** The root of the empty tree, SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

// ---- generation (the Hall and tests): O(n) hashes, recursion depth O(log n) ----

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(hashes: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return hashes[lo]!;
  const k = splitPoint(hi - lo);
  return nodeHash(subtreeRoot(hashes, lo, lo + k), subtreeRoot(hashes, lo + k, hi));
}

function checkSize(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new EdgehallError(LOG_RANGE_INVALID, `${name} must be an integer from ${min} to ${max} (got ${String(value)}): ask only for trees the log holds.`);
  }
}

function leafHashes(leaves: readonly Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const leaf = leaves[i];
    if (!(leaf instanceof Uint8Array)) throw new EdgehallError(LOG_RANGE_INVALID, `leaf ${i} is not bytes: pass each receipt_hash as its 32 raw bytes.`);
    out[i] = leafHash(leaf);
  }
  return out;
}

/** The root of the tree over `leaves[0 .. treeSize)` (default: all of them). */
export function merkleRoot(leaves: readonly Uint8Array[], treeSize: number = leaves.length): Uint8Array {
  checkSize('treeSize', treeSize, 0, leaves.length);
  if (treeSize === 0) return emptyRoot();
  return subtreeRoot(leafHashes(leaves, treeSize), 0, treeSize);
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:treeSize]): the audit path of leaf `index`, leaf side first. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number, treeSize: number = leaves.length): Uint8Array[] {
  checkSize('treeSize', treeSize, 1, leaves.length);
  checkSize('index', index, 0, treeSize - 1);
  const hashes = leafHashes(leaves, treeSize);
  const path: Uint8Array[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const k = splitPoint(hi - lo);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(subtreeRoot(hashes, lo + k, hi));
    } else {
      walk(m - k, lo + k, hi);
      path.push(subtreeRoot(hashes, lo, lo + k));
    }
  };
  walk(index, 0, treeSize);
  return path;
}

/** RFC 9162 §2.1.4.1 PROOF(fromSize, D[0:toSize]); empty when the sizes are equal. */
export function consistencyProof(leaves: readonly Uint8Array[], fromSize: number, toSize: number = leaves.length): Uint8Array[] {
  checkSize('toSize', toSize, 1, leaves.length);
  checkSize('fromSize', fromSize, 1, toSize);
  const hashes = leafHashes(leaves, toSize);
  const proof: Uint8Array[] = [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
    if (m === hi - lo) {
      if (!whole) proof.push(subtreeRoot(hashes, lo, hi));
      return;
    }
    const k = splitPoint(hi - lo);
    if (m <= k) {
      sub(m, lo, lo + k, whole);
      proof.push(subtreeRoot(hashes, lo + k, hi));
    } else {
      sub(m - k, lo + k, hi, false);
      proof.push(subtreeRoot(hashes, lo, lo + k));
    }
  };
  sub(fromSize, 0, toSize, true);
  return proof;
}

// ---- verification (auditors, browsers): O(log n), coded verdicts, never throws ----

// Arithmetic, not bit operators: tree sizes may pass 2^32.
const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

function malformed(message: string): LogVerdict {
  return { ok: false, code: LOG_PROOF_MALFORMED, message };
}

function hash32(value: unknown): Uint8Array | null {
  try {
    const bytes = typeof value === 'string' ? fromBase64Std(value) : value;
    return bytes instanceof Uint8Array && bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

function leafHashOf(leaf: unknown): Uint8Array | null {
  if (leaf instanceof Uint8Array) return leafHash(leaf);
  if (typeof leaf === 'string') return /^[0-9a-f]{64}$/.test(leaf) ? leafHash(fromHex(leaf)) : null;
  if (typeof leaf === 'object' && leaf !== null && 'leafHash' in leaf) return hash32((leaf as { leafHash: unknown }).leafHash);
  return null;
}

function proofHashes(proof: unknown): Uint8Array[] | string {
  if (!Array.isArray(proof)) return 'the proof must be an array of hashes.';
  if (proof.length > MAX_PROOF_HASHES) return `the proof has ${proof.length} hashes; no valid proof has more than ${MAX_PROOF_HASHES}.`;
  const out: Uint8Array[] = [];
  for (let i = 0; i < proof.length; i++) {
    const h = hash32(proof[i]);
    if (!h) return `proof hash ${i} is not 32 bytes (bytes, or padded standard base64).`;
    out.push(h);
  }
  return out;
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The sides of RFC 9162's verification walk (§2.1.3.2 step 4, §2.1.4.2 step 6) from (fn, sn):
 * true = the proof hash is the left child (and, for consistency, both running hashes advance),
 * false = it is the right child. Depends on the sizes only, so the proof length is checked
 * before any hashing.
 */
function walkSides(fn: number, sn: number): boolean[] {
  const sides: boolean[] = [];
  while (sn !== 0) {
    if (odd(fn) || fn === sn) {
      sides.push(true);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sides.push(false);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sides;
}

/** The number of hashes in a valid inclusion proof for `index` in a tree of `treeSize` leaves. */
export function inclusionProofLength(index: number, treeSize: number): number {
  return walkSides(index, treeSize - 1).length;
}

/**
 * RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `treeSize` leaves whose
 * root is `root`? `leaf` is the raw leaf (a receipt_hash as bytes or lowercase hex) or
 * `{ leafHash }`; hashes are 32 bytes or padded standard base64.
 */
export function verifyInclusion(leaf: InclusionLeaf, index: number, treeSize: number, proof: readonly LogHash[], root: LogHash): LogVerdict {
  try {
    if (!isSize(index) || !isSize(treeSize)) return malformed('index and treeSize must be non-negative integers below 2^53.');
    if (index >= treeSize) return malformed(`index ${index} is not in a tree of ${treeSize} leaves.`);
    const r0 = leafHashOf(leaf);
    if (!r0) return malformed('the leaf must be bytes, a 64-character lowercase hex receipt_hash, or { leafHash } of 32 bytes.');
    const rootBytes = hash32(root);
    if (!rootBytes) return malformed('the root hash is not 32 bytes (bytes, or padded standard base64).');
    const path = proofHashes(proof);
    if (typeof path === 'string') return malformed(path);
    const sides = walkSides(index, treeSize - 1);
    if (path.length !== sides.length) {
      return malformed(`the proof has ${path.length} hashes; a proof for leaf ${index} of a ${treeSize}-leaf tree has exactly ${sides.length}.`);
    }
    let r = r0;
    for (let i = 0; i < path.length; i++) r = sides[i] ? nodeHash(path[i]!, r) : nodeHash(r, path[i]!);
    if (!sameBytes(r, rootBytes)) {
      return { ok: false, code: LOG_INCLUSION_INVALID, message: `the proof does not lead from the leaf to the root of the ${treeSize}-leaf tree: this leaf is not at index ${index} of that tree, or the proof or root was altered.` };
    }
    return { ok: true };
  } catch (err) {
    return malformed(`the proof could not be read: ${(err as Error)?.message ?? String(err)}.`);
  }
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `toSize` leaves (root `toRoot`) extends the
 * tree of `fromSize` leaves (root `fromRoot`)? Equal sizes need an empty proof and equal roots;
 * a proof from the empty tree is refused as meaningless (as transparency-dev/merkle does).
 */
export function verifyConsistency(fromSize: number, toSize: number, fromRoot: LogHash, toRoot: LogHash, proof: readonly LogHash[]): LogVerdict {
  try {
    if (!isSize(fromSize) || !isSize(toSize)) return malformed('fromSize and toSize must be non-negative integers below 2^53.');
    if (fromSize > toSize) return malformed(`fromSize ${fromSize} is larger than toSize ${toSize}: a log never shrinks.`);
    if (fromSize === 0) return malformed('a consistency proof from the empty tree proves nothing: start from a checkpoint with at least one leaf.');
    const first = hash32(fromRoot);
    const second = hash32(toRoot);
    if (!first || !second) return malformed('both root hashes must be 32 bytes (bytes, or padded standard base64).');
    const path = proofHashes(proof);
    if (typeof path === 'string') return malformed(path);
    if (fromSize === toSize) {
      if (path.length !== 0) return malformed(`the trees have the same size ${toSize}: the proof must be empty (it has ${path.length} hashes).`);
      return sameBytes(first, second)
        ? { ok: true }
        : { ok: false, code: LOG_CONSISTENCY_INVALID, message: `two different roots for the same tree size ${toSize}: the log forked — keep both checkpoints as evidence.` };
    }
    // Step 2: when fromSize is a power of two the older root is itself the first proof node.
    const powerOfTwo = isPowerOfTwo(fromSize);
    const nodes = powerOfTwo ? [first, ...path] : path;
    let fn = fromSize - 1;
    let sn = toSize - 1;
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    const sides = walkSides(fn, sn);
    if (nodes.length !== sides.length + 1) {
      const want = sides.length + (powerOfTwo ? 0 : 1);
      return malformed(`the proof has ${path.length} hashes; a proof from size ${fromSize} to ${toSize} has exactly ${want}.`);
    }
    let fr = nodes[0]!;
    let sr = nodes[0]!;
    for (let i = 0; i < sides.length; i++) {
      const c = nodes[i + 1]!;
      if (sides[i]) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
      } else {
        sr = nodeHash(sr, c);
      }
    }
    if (!sameBytes(fr, first) || !sameBytes(sr, second)) {
      return { ok: false, code: LOG_CONSISTENCY_INVALID, message: `the ${toSize}-leaf tree does not extend the ${fromSize}-leaf tree: the log was truncated or rewritten, or a root or the proof was altered — keep both checkpoints as evidence.` };
    }
    return { ok: true };
  } catch (err) {
    return malformed(`the proof could not be read: ${(err as Error)?.message ?? String(err)}.`);
  }
}
