// The tenant log's stored-node Merkle tree (worker/log/tree-store.ts, what the per-tenant object
// serves roots and proofs from) over 300 random leaves: every inclusion proof and every consistency
// proof of every tree size 1..300 verifies with edgehall/verify's verifiers (45,150 of each), each
// with one flipped bit — cycling through every hash of the proof, the leaf and the roots — refused,
// and roots and proofs read O(log n) stored nodes. (test/log checks it against the from-scratch
// definitions for sizes up to 40.)
import { describe, expect, it } from 'vitest';
import { leafHash, merkleRoot, toBase64Std } from '../../src/log/index.js';
import { LOG_CONSISTENCY_INVALID, LOG_INCLUSION_INVALID, LOG_PROOF_MALFORMED, verifyConsistency, verifyInclusion } from '../../src/verify.js';
import { MerkleTreeStore, type NodeStore } from '../../worker/log/tree-store.js';
import { mulberry32 } from '../support/prng.js';

const MAX = 300;
const rand = mulberry32(0x9162);
const leaves = Array.from({ length: MAX }, () => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
const nodes = new Map<string, Uint8Array>();
let reads = 0;
const store: NodeStore = {
  get: (level, index) => {
    reads++;
    return nodes.get(`${level}/${index}`) ?? null;
  },
  put: (level, index, hash) => void nodes.set(`${level}/${index}`, hash),
};
const tree = new MerkleTreeStore(store);
leaves.forEach((l, i) => tree.append(i, l));

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const out = h.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

const FAILS = [LOG_INCLUSION_INVALID, LOG_CONSISTENCY_INVALID, LOG_PROOF_MALFORMED];

describe('the stored-node tree', () => {
  it('has the roots of the definition for every size 0..300', () => {
    for (let n = 0; n <= MAX; n++) expect(toBase64Std(tree.root(n)), `size ${n}`).toBe(toBase64Std(merkleRoot(leaves, n)));
    expect(leafHash(leaves[0]!)).toEqual(tree.root(1));
  });

  it('reads O(log n) stored nodes per root and proof', () => {
    for (const n of [1, 2, 3, 100, 255, 256, 257, 300]) {
      const bound = 2 * Math.ceil(Math.log2(n + 1)) + 2;
      const count = (f: () => unknown) => {
        reads = 0;
        f();
        return reads;
      };
      for (const i of [0, n >> 1, n - 1]) expect(count(() => tree.inclusionProof(i, n)), `inclusion ${i} of ${n}`).toBeLessThanOrEqual(bound);
      for (const m of [1, Math.max(1, n >> 1), n]) expect(count(() => tree.consistencyProof(m, n)), `consistency ${m} -> ${n}`).toBeLessThanOrEqual(bound);
      expect(count(() => tree.root(n))).toBeLessThanOrEqual(bound);
    }
  });
});

describe('every proof of every tree of 1..300 leaves', () => {
  // Every proof is verified; each also gets one flipped bit, cycling through every position of its
  // proof, the leaf and the root, so across the 45,150 proofs every position of every length is hit.
  it('every inclusion proof verifies; one flipped bit in a proof hash, the leaf or the root fails', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        if (!verifyInclusion(leaves[i]!, i, n, proof, root).ok) expect.fail(`leaf ${i} of ${n} did not verify`);
        const bit = Math.floor(rand() * 256);
        const at = checked % (proof.length + 2);
        const v =
          at < proof.length
            ? verifyInclusion(leaves[i]!, i, n, proof.map((h, j) => (j === at ? flipBit(h, bit) : h)), root)
            : at === proof.length
              ? verifyInclusion(flipBit(leaves[i]!, bit), i, n, proof, root)
              : verifyInclusion(leaves[i]!, i, n, proof, flipBit(root, bit));
        if (v.ok || !FAILS.includes(v.code!)) expect.fail(`bit ${bit} flipped at position ${at} of leaf ${i}/${n} verified`);
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });

  it('every consistency proof verifies; one flipped bit in a proof hash or either root fails', () => {
    let checked = 0;
    const roots = Array.from({ length: MAX + 1 }, (_, n) => tree.root(n));
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        if (!verifyConsistency(m, n, roots[m]!, roots[n]!, proof).ok) expect.fail(`${m} -> ${n} did not verify`);
        const bit = Math.floor(rand() * 256);
        const at = checked % (proof.length + 2);
        const v =
          at < proof.length
            ? verifyConsistency(m, n, roots[m]!, roots[n]!, proof.map((h, j) => (j === at ? flipBit(h, bit) : h)))
            : at === proof.length
              ? verifyConsistency(m, n, flipBit(roots[m]!, bit), roots[n]!, proof)
              : verifyConsistency(m, n, roots[m]!, flipBit(roots[n]!, bit), proof);
        if (v.ok || !FAILS.includes(v.code!)) expect.fail(`bit ${bit} flipped at position ${at} of ${m} -> ${n} verified`);
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });
});

