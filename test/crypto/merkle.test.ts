// RFC 9162 Merkle tree hashing and proofs: the Certificate Transparency reference tree, every
// transparency-dev/merkle verification probe, and seeded property tests over random trees.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  inclusionProofLength,
  leafHash,
  merkleRoot,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
  LOG_CONSISTENCY_INVALID,
  LOG_INCLUSION_INVALID,
  LOG_PROOF_MALFORMED,
  toBase64Std,
  fromBase64Std,
} from '../../src/log/index.js';
import { fromHex, toHex } from '../../src/util/index.js';
import { mulberry32 } from '../support/prng.js';

const vec = (name: string) => JSON.parse(readFileSync(new URL(`./vectors/merkle/${name}`, import.meta.url), 'utf8'));
const ref = vec('reference-tree.json') as {
  leaves_hex: string[];
  roots_hex: string[];
  inclusion: { leaf_index: number; tree_size: number; proof_hex: string[] }[];
  consistency: { from_size: number; to_size: number; proof_hex: string[] }[];
};
const refLeaves = ref.leaves_hex.map(fromHex);
const FAIL_CODES = [LOG_INCLUSION_INVALID, LOG_CONSISTENCY_INVALID, LOG_PROOF_MALFORMED];

describe('RFC 6962 reference tree (Certificate Transparency vectors)', () => {
  it('computes the root of every size 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(toHex(merkleRoot(refLeaves, n)), `size ${n}`).toBe(ref.roots_hex[n]);
    expect(toHex(emptyRoot())).toBe(ref.roots_hex[0]);
    expect(toHex(leafHash(refLeaves[0]!))).toBe(ref.roots_hex[1]);
    expect(toHex(nodeHash(leafHash(refLeaves[0]!), leafHash(refLeaves[1]!)))).toBe(ref.roots_hex[2]);
  });

  it('generates and verifies the published inclusion proofs', () => {
    for (const c of ref.inclusion) {
      const proof = inclusionProof(refLeaves, c.leaf_index, c.tree_size);
      expect(proof.map(toHex), `leaf ${c.leaf_index} of ${c.tree_size}`).toEqual(c.proof_hex);
      const root = fromHex(ref.roots_hex[c.tree_size]!);
      expect(verifyInclusion(refLeaves[c.leaf_index]!, c.leaf_index, c.tree_size, c.proof_hex.map(fromHex), root)).toEqual({ ok: true });
      // The wire spelling (base64) is accepted too.
      expect(verifyInclusion(refLeaves[c.leaf_index]!, c.leaf_index, c.tree_size, proof.map(toBase64Std), toBase64Std(root)).ok).toBe(true);
    }
  });

  it('generates and verifies the published consistency proofs', () => {
    for (const c of ref.consistency) {
      const proof = consistencyProof(refLeaves, c.from_size, c.to_size);
      expect(proof.map(toHex), `${c.from_size} -> ${c.to_size}`).toEqual(c.proof_hex);
      const v = verifyConsistency(c.from_size, c.to_size, fromHex(ref.roots_hex[c.from_size]!), fromHex(ref.roots_hex[c.to_size]!), proof);
      expect(v).toEqual({ ok: true });
    }
  });

  it('every inclusion and consistency proof of the 8-leaf tree verifies', () => {
    for (let n = 1; n <= 8; n++) {
      const root = fromHex(ref.roots_hex[n]!);
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(refLeaves[i]!, i, n, inclusionProof(refLeaves, i, n), root).ok).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, fromHex(ref.roots_hex[m]!), root, consistencyProof(refLeaves, m, n)).ok).toBe(true);
      }
    }
  });
});

describe('transparency-dev/merkle verification probes', () => {
  type Inc = { source: string; leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean };
  type Con = { source: string; size1: number; size2: number; root1: string; root2: string; proof: string[] | null; wantErr: boolean };
  const inclusion = vec('inclusion.json').cases as Inc[];
  const consistency = vec('consistency.json').cases as Con[];
  // Equal sizes and equal 12-byte "roots": Go accepts; edgehall refuses every hash that is not 32 bytes.
  const STRICTER = new Set(['testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

  it('has all the probes', () => {
    expect(inclusion.length).toBe(98);
    expect(consistency.length).toBe(98);
  });

  it.each(inclusion.map((c) => [c.source, c] as const))('inclusion %s', (_s, c) => {
    const v = verifyInclusion({ leafHash: c.leafHash }, c.leafIdx, c.treeSize, c.proof ?? [], c.root);
    expect(v.ok).toBe(!c.wantErr);
    if (!v.ok) expect(FAIL_CODES).toContain(v.code);
  });

  it.each(consistency.map((c) => [c.source, c] as const))('consistency %s', (_s, c) => {
    const v = verifyConsistency(c.size1, c.size2, c.root1, c.root2, c.proof ?? []);
    expect(v.ok).toBe(STRICTER.has(c.source) ? false : !c.wantErr);
    if (!v.ok) expect(FAIL_CODES).toContain(v.code);
  });
});

// ---- seeded property tests ----

function randomLeaves(rand: () => number, n: number): Uint8Array[] {
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
}

function flipBit(h: Uint8Array, rand: () => number): Uint8Array {
  const out = h.slice();
  const bit = Math.floor(rand() * 256);
  out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
  return out;
}

/** RFC 9162 §2.1.3.1 PATH, as sides only ('L' = sibling on the left), straight from its definition: an oracle independent of the verifier's walk. */
function pathShape(m: number, n: number): string {
  if (n <= 1) return '';
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? pathShape(m, k) + 'R' : pathShape(m - k, n - k) + 'L';
}

/** RFC 9162 §2.1.4.1 SUBPROOF as sides only ('S' = a subtree root seeds the walk, 'L'/'R' = sibling side); '' start = the old root is prepended. */
function consistencyShape(m: number, n: number, whole: boolean): string {
  if (m === n) return whole ? '' : 'S';
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k ? consistencyShape(m, k, whole) + 'R' : consistencyShape(m - k, n - k, false) + 'L';
}

const leaves = randomLeaves(mulberry32(0x12), 300);
const roots = [emptyRoot(), ...Array.from({ length: 300 }, (_, i) => merkleRoot(leaves, i + 1))];

describe('inclusion proofs over random trees (seeded)', () => {
  it('every proof of every tree of 1..100 leaves verifies, with the length the walk predicts', () => {
    for (let n = 1; n <= 100; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i, n);
        expect(proof.length).toBe(inclusionProofLength(i, n));
        expect(proof.length).toBe(pathShape(i, n).length);
        const v = verifyInclusion(leaves[i]!, i, n, proof, roots[n]!);
        if (!v.ok) throw new Error(`leaf ${i} of ${n}: ${v.code} ${v.message}`);
        // A receipt_hash in its hex spelling is the same leaf.
        if (i === n - 1) expect(verifyInclusion(toHex(leaves[i]!), i, n, proof, roots[n]!).ok).toBe(true);
      }
    }
  });

  it('for sizes 101..300, sampled leaves (first, last and 6 seeded) verify', () => {
    const rand = mulberry32(7);
    for (let n = 101; n <= 300; n++) {
      const picks = new Set([0, n - 1, ...Array.from({ length: 6 }, () => Math.floor(rand() * n))]);
      for (const i of picks) expect(verifyInclusion(leaves[i]!, i, n, inclusionProof(leaves, i, n), roots[n]!).ok, `leaf ${i} of ${n}`).toBe(true);
    }
  });

  it('any flipped bit, wrong leaf or index, truncated or extended proof fails with a code', () => {
    const rand = mulberry32(99);
    let checked = 0;
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rand() * 300);
      const i = Math.floor(rand() * n);
      const proof = inclusionProof(leaves, i, n);
      const root = roots[n]!;
      const refuse = (v: { ok: boolean; code?: string }, what: string) => {
        expect(v.ok, `${what} (leaf ${i} of ${n})`).toBe(false);
        expect(FAIL_CODES).toContain(v.code);
        checked++;
      };
      for (let p = 0; p < proof.length; p++) {
        refuse(verifyInclusion(leaves[i]!, i, n, proof.map((h, j) => (j === p ? flipBit(h, rand) : h)), root), `bit flip in hash ${p}`);
      }
      refuse(verifyInclusion(leaves[i]!, i, n, proof, flipBit(root, rand)), 'bit flip in root');
      refuse(verifyInclusion(flipBit(leaves[i]!, rand), i, n, proof, root), 'bit flip in leaf');
      refuse(verifyInclusion({ leafHash: flipBit(leafHash(leaves[i]!), rand) }, i, n, proof, root), 'bit flip in leaf hash');
      if (n > 1) refuse(verifyInclusion(leaves[(i + 1) % n]!, i, n, proof, root), 'another leaf');
      for (const j of [i - 1, i + 1, n - 1 - i, Math.floor(rand() * n)]) {
        if (j >= 0 && j < n && j !== i) refuse(verifyInclusion(leaves[i]!, j, n, proof, root), `index ${j}`);
      }
      if (proof.length > 0) refuse(verifyInclusion(leaves[i]!, i, n, proof.slice(0, -1), root), 'truncated');
      refuse(verifyInclusion(leaves[i]!, i, n, [...proof, proof[0] ?? root], root), 'extended');
      refuse(verifyInclusion(leaves[i]!, i, n, [root, ...proof], root), 'preceded');
      refuse(verifyInclusion(leaves[i]!, i + n, n, proof, root), 'index past the end');
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('a different tree size fails unless the RFC audit path has the very same shape', () => {
    // The root commits to the tree, not to its size (the signed checkpoint states the size): a
    // proof for leaf i of n leaves also checks against the same root for a size n' whose audit
    // path has the same sides. Anything else must fail.
    const rand = mulberry32(5);
    let refused = 0;
    for (let t = 0; t < 400; t++) {
      const n = 1 + Math.floor(rand() * 300);
      const i = Math.floor(rand() * n);
      const proof = inclusionProof(leaves, i, n);
      for (const m of [n - 1, n + 1, n * 2, Math.floor(n / 2), 1 + Math.floor(rand() * 400)]) {
        if (m <= i || m === n) continue;
        const v = verifyInclusion(leaves[i]!, i, m, proof, roots[n]!);
        expect(v.ok, `leaf ${i}: size ${n} claimed as ${m}`).toBe(pathShape(i, m) === pathShape(i, n));
        if (!v.ok) {
          expect(FAIL_CODES).toContain(v.code);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});

describe('consistency proofs over random trees (seeded)', () => {
  it('every proof between sizes 1..64 verifies', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const v = verifyConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(leaves, m, n));
        if (!v.ok) throw new Error(`${m} -> ${n}: ${v.code} ${v.message}`);
      }
    }
  });

  it('for sizes up to 300, every older size 1..n of sampled n verifies', () => {
    const rand = mulberry32(11);
    for (let t = 0; t < 12; t++) {
      const n = 65 + Math.floor(rand() * 236);
      for (let m = 1; m <= n; m++) expect(verifyConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(leaves, m, n)).ok, `${m} -> ${n}`).toBe(true);
    }
    expect(verifyConsistency(1, 300, roots[1]!, roots[300]!, consistencyProof(leaves, 1, 300)).ok).toBe(true);
    expect(verifyConsistency(299, 300, roots[299]!, roots[300]!, consistencyProof(leaves, 299, 300)).ok).toBe(true);
  });

  it('any flipped bit, wrong size, swapped roots, truncated or extended proof fails with a code', () => {
    const rand = mulberry32(1234);
    let checked = 0;
    for (let t = 0; t < 300; t++) {
      const n = 2 + Math.floor(rand() * 299);
      const m = 1 + Math.floor(rand() * (n - 1));
      const proof = consistencyProof(leaves, m, n);
      const [r1, r2] = [roots[m]!, roots[n]!];
      const refuse = (v: { ok: boolean; code?: string }, what: string) => {
        expect(v.ok, `${what} (${m} -> ${n})`).toBe(false);
        expect(FAIL_CODES).toContain(v.code);
        checked++;
      };
      for (let p = 0; p < proof.length; p++) {
        refuse(verifyConsistency(m, n, r1, r2, proof.map((h, j) => (j === p ? flipBit(h, rand) : h))), `bit flip in hash ${p}`);
      }
      refuse(verifyConsistency(m, n, flipBit(r1, rand), r2, proof), 'bit flip in old root');
      refuse(verifyConsistency(m, n, r1, flipBit(r2, rand), proof), 'bit flip in new root');
      refuse(verifyConsistency(m, n, r2, r1, proof), 'swapped roots');
      refuse(verifyConsistency(m, n, r1, r1, proof), 'new root replaced by old');
      refuse(verifyConsistency(n, m, r2, r1, proof), 'swapped sizes');
      refuse(verifyConsistency(m, n, r1, r2, proof.slice(0, -1)), 'truncated');
      refuse(verifyConsistency(m, n, r1, r2, proof.slice(1)), 'first hash dropped');
      refuse(verifyConsistency(m, n, r1, r2, [...proof, r2]), 'extended');
      refuse(verifyConsistency(m, n, r1, r2, [r1, ...proof]), 'preceded');
      refuse(verifyConsistency(m, n, r1, r2, []), 'empty');
      // A truncated or rewritten log: the new root of a different history.
      const forked = leaves.slice(0, n);
      forked[m + Math.floor(rand() * (n - m))] = flipBit(forked[m]!, rand);
      refuse(verifyConsistency(m, n, r1, merkleRoot(forked), proof), 'rewritten after the old size');
      const rewritten = leaves.slice(0, n);
      rewritten[Math.floor(rand() * m)] = flipBit(rewritten[0]!, rand);
      refuse(verifyConsistency(m, n, r1, merkleRoot(rewritten), consistencyProof(rewritten, m, n)), 'history before the old size rewritten');
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('different sizes fail unless the RFC proof has the very same shape', () => {
    // As for inclusion, roots do not commit to sizes (the signed checkpoints do): 16 -> 22 and
    // 16 -> 23 have proofs of one shape, so one proof checks for both against the same roots.
    const rand = mulberry32(77);
    let refused = 0;
    let coincide = 0;
    for (let t = 0; t < 300; t++) {
      const n = 2 + Math.floor(rand() * 299);
      const m = 1 + Math.floor(rand() * (n - 1));
      const proof = consistencyProof(leaves, m, n);
      for (const [a, b] of [[m - 1, n], [m + 1, n], [m, n - 1], [m, n + 1], [m * 2, n], [m, n * 2]] as const) {
        if (a < 1 || a > b || (a === m && b === n)) continue;
        const v = verifyConsistency(a, b, roots[m]!, roots[n]!, proof);
        const same = consistencyShape(a, b, true) === consistencyShape(m, n, true);
        expect(v.ok, `sizes ${a} -> ${b} with the proof for ${m} -> ${n}`).toBe(same);
        if (v.ok) coincide++;
        else {
          expect(FAIL_CODES).toContain(v.code);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(1000);
    expect(coincide).toBeGreaterThan(0); // the oracle, not luck, decides each case
  });

  it('same size: empty proof and equal roots only; from the empty tree: refused', () => {
    expect(verifyConsistency(5, 5, roots[5]!, roots[5]!, [])).toEqual({ ok: true });
    expect(verifyConsistency(5, 5, roots[5]!, roots[6]!, []).code).toBe(LOG_CONSISTENCY_INVALID);
    expect(verifyConsistency(5, 5, roots[5]!, roots[5]!, [roots[5]!]).code).toBe(LOG_PROOF_MALFORMED);
    expect(verifyConsistency(0, 5, roots[0]!, roots[5]!, []).code).toBe(LOG_PROOF_MALFORMED);
  });
});

describe('hostile input never throws', () => {
  const root = roots[8]!;
  const proof = inclusionProof(leaves, 3, 8);
  const bad: unknown[] = [undefined, null, -1, 1.5, NaN, '3', 'x', {}, [], [1], new Uint8Array(31), new Uint8Array(33), 'A'.repeat(43), 'A'.repeat(42) + '==', 'A'.repeat(44) + '=', '-'.repeat(43) + '='];
  it('refuses every malformed argument with LOG_PROOF_MALFORMED', () => {
    for (const b of bad) {
      const calls = [
        () => verifyInclusion(b as never, 3, 8, proof, root),
        () => verifyInclusion(leaves[3]!, b as never, 8, proof, root),
        () => verifyInclusion(leaves[3]!, 3, b as never, proof, root),
        () => verifyInclusion(leaves[3]!, 3, 8, b as never, root),
        () => verifyInclusion(leaves[3]!, 3, 8, [b as never, ...proof.slice(1)], root),
        () => verifyInclusion(leaves[3]!, 3, 8, proof, b as never),
        () => verifyConsistency(b as never, 8, roots[3]!, root, consistencyProof(leaves, 3, 8)),
        () => verifyConsistency(3, b as never, roots[3]!, root, consistencyProof(leaves, 3, 8)),
        () => verifyConsistency(3, 8, b as never, root, consistencyProof(leaves, 3, 8)),
        () => verifyConsistency(3, 8, roots[3]!, root, b as never),
      ];
      for (const call of calls) {
        const v = call();
        // A Uint8Array of any length is a legal raw leaf; it just is not this leaf.
        if (b instanceof Uint8Array && call === calls[0]) expect(v.code).toBe(LOG_INCLUSION_INVALID);
        else expect(v, String(b)).toMatchObject({ ok: false, code: LOG_PROOF_MALFORMED });
      }
    }
  });

  it('refuses absurd sizes and over-long proofs before hashing', () => {
    expect(verifyInclusion(leaves[0]!, 0, 2 ** 53, proof, root).code).toBe(LOG_PROOF_MALFORMED);
    expect(verifyInclusion(leaves[0]!, -1, 8, proof, root).code).toBe(LOG_PROOF_MALFORMED);
    expect(verifyInclusion(leaves[0]!, 0.5, 8, proof, root).code).toBe(LOG_PROOF_MALFORMED);
    expect(verifyInclusion(leaves[0]!, 0, 8, new Array(100_000).fill(root), root).code).toBe(LOG_PROOF_MALFORMED);
    // Sizes past 2^32 walk correctly (no 32-bit bit operators): a 2^40-leaf tree has 40-hash paths.
    expect(inclusionProofLength(2 ** 40 - 1, 2 ** 40)).toBe(40);
    expect(inclusionProofLength(0, 2 ** 40 + 1)).toBe(41);
  });

  it('proof generation refuses what does not exist', () => {
    expect(() => inclusionProof(leaves, 8, 8)).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => inclusionProof(leaves, 0, 301)).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => consistencyProof(leaves, 0, 8)).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => consistencyProof(leaves, 9, 8)).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => merkleRoot(leaves, -1)).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
  });

  it('standard base64 is strict', () => {
    const h = roots[8]!;
    expect(fromBase64Std(toBase64Std(h))).toEqual(h);
    expect(() => fromBase64Std(toBase64Std(h).replace(/=$/, ''))).toThrow();
    expect(() => fromBase64Std('AB==')).toThrow(); // non-zero trailing bits
    expect(toBase64Std(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });
});
