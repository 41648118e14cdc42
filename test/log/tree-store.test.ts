// The log's stored-node Merkle tree (worker/log/tree-store.ts) against the from-scratch RFC 9162
// definitions in src/log/merkle.ts: same roots and proofs for every size and index 1..40, and the
// proofs verify with the SDK verifiers (what an auditor runs).
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from '../../src/log/index.js';
import { MerkleTreeStore, TreeRangeError, type NodeStore } from '../../worker/log/tree-store.js';

function mapStore(): NodeStore & { size: number } {
  const m = new Map<string, Uint8Array>();
  return {
    get: (l, i) => m.get(`${l}/${i}`) ?? null,
    put: (l, i, h) => void m.set(`${l}/${i}`, h),
    get size() {
      return m.size;
    },
  };
}

const leaves = Array.from({ length: 40 }, (_, i) => crypto.getRandomValues(new Uint8Array(32)).map((b) => b ^ i));
const hex = (a: Uint8Array[]) => a.map((h) => [...h].map((b) => b.toString(16).padStart(2, '0')).join(''));

describe('MerkleTreeStore', () => {
  const nodes = mapStore();
  const tree = new MerkleTreeStore(nodes);
  leaves.forEach((leaf, i) => tree.append(i, leaf));

  it('stores about two nodes a leaf', () => {
    expect(nodes.size).toBeLessThanOrEqual(2 * leaves.length);
  });

  it('roots equal merkleRoot for every size 0..40', () => {
    for (let n = 0; n <= leaves.length; n++) expect(hex([tree.root(n)])).toEqual(hex([merkleRoot(leaves, n)]));
  });

  it('inclusion proofs equal the definition and verify, for every index of every size', () => {
    for (let n = 1; n <= leaves.length; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(hex(proof)).toEqual(hex(inclusionProof(leaves, i, n)));
        expect(verifyInclusion(leaves[i]!, i, n, proof, root)).toEqual({ ok: true });
      }
    }
  });

  it('consistency proofs equal the definition and verify, for every pair of sizes', () => {
    for (let n = 1; n <= leaves.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(hex(proof)).toEqual(hex(consistencyProof(leaves, m, n)));
        expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toEqual({ ok: true });
      }
    }
  });

  it('refuses leaves and sizes outside the tree', () => {
    expect(() => tree.inclusionProof(5, 5)).toThrow(TreeRangeError);
    expect(() => tree.inclusionProof(-1, 5)).toThrow(TreeRangeError);
    expect(() => tree.consistencyProof(0, 5)).toThrow(TreeRangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(TreeRangeError);
  });
});
