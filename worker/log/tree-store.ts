// The RFC 9162 Merkle tree of one tenant log, kept as the hashes of its complete subtrees: node
// (level L, index i) is the root over leaves [i·2^L, (i+1)·2^L). Appending leaf n stores its leaf
// hash and each subtree it completes (≤ 1 + log₂ n hashes, 2 per leaf on average), so the root of
// any size, an inclusion proof and a consistency proof read O(log n) stored nodes (the one
// incomplete subtree on a tree's right edge is folded from its ≤ log₂ n complete parts) and never
// rehash leaves. Same hashing as src/log/merkle.ts (leaf 0x00, node 0x01); a test checks both agree.
import { emptyRoot, leafHash, nodeHash } from '../../src/log/merkle.js';

/** Where the nodes live (the object's SQLite table; a Map in tests). */
export interface NodeStore {
  get(level: number, index: number): Uint8Array | null;
  put(level: number, index: number, hash: Uint8Array): void;
}

/** Asked for a leaf or a tree size the log does not hold. */
export class TreeRangeError extends Error {}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class MerkleTreeStore {
  constructor(private readonly nodes: NodeStore) {}

  private node(level: number, index: number): Uint8Array {
    const h = this.nodes.get(level, index);
    if (!h) throw new Error(`tree node (${level}, ${index}) is missing: the log's tree is incomplete`);
    return h;
  }

  /** Adds leaf number `index` (the tree had `index` leaves): its leaf hash and the subtrees it completes. */
  append(index: number, leaf: Uint8Array): void {
    let hash = leafHash(leaf);
    let level = 0;
    let i = index;
    this.nodes.put(0, i, hash);
    // A right child completes its parent: climb while the node just stored is one.
    while (i % 2 === 1) {
      hash = nodeHash(this.node(level, i - 1), hash);
      level += 1;
      i = (i - 1) / 2;
      this.nodes.put(level, i, hash);
    }
  }

  /**
   * The root over leaves [lo, hi), where lo is a multiple of the largest power of two ≤ hi − lo
   * (true of every subtree RFC 9162's recursion visits): the complete parts of hi − lo, largest
   * first, folded right to left.
   */
  private rangeRoot(lo: number, hi: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let start = lo;
    let left = hi - lo;
    for (let level = 53; level >= 0 && left > 0; level--) {
      const size = 2 ** level;
      if (left < size) continue;
      parts.push(this.node(level, start / size));
      start += size;
      left -= size;
    }
    let root = parts[parts.length - 1]!;
    for (let j = parts.length - 2; j >= 0; j--) root = nodeHash(parts[j]!, root);
    return root;
  }

  /** The root of the tree over the first `size` leaves (the caller checks size ≤ the tree's size). */
  root(size: number): Uint8Array {
    return size === 0 ? emptyRoot() : this.rangeRoot(0, size);
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf side first. */
  inclusionProof(index: number, size: number): Uint8Array[] {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
      throw new TreeRangeError(`leaf ${index} is not in a tree of ${size} leaves`);
    }
    const path: Uint8Array[] = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (index < lo + k) {
        path.push(this.rangeRoot(lo + k, hi));
        hi = lo + k;
      } else {
        path.push(this.rangeRoot(lo, lo + k));
        lo += k;
      }
    }
    return path.reverse();
  }

  /** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]); empty when m = n. */
  consistencyProof(m: number, n: number): Uint8Array[] {
    if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 1 && m <= n)) {
      throw new TreeRangeError(`there is no consistency proof from ${m} to ${n} leaves (it needs 1 ≤ from ≤ to)`);
    }
    const proof: Uint8Array[] = [];
    let mm = m;
    let lo = 0;
    let hi = n;
    let whole = true;
    while (mm !== hi - lo) {
      const k = splitPoint(hi - lo);
      if (mm <= k) {
        proof.push(this.rangeRoot(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.rangeRoot(lo, lo + k));
        mm -= k;
        lo += k;
        whole = false;
      }
    }
    if (!whole) proof.push(this.rangeRoot(lo, hi));
    return proof.reverse();
  }
}
