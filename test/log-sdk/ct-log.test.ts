// edgehall/verify's proof verifiers on a real Certificate Transparency log: Google's Argon 2020
// log answered get-proof-by-hash for entry 10,000 of its 961,984,013-entry tree and
// get-sth-consistency from 3,654,490 entries (Go's sumdb/tlog keeps these answers as test data;
// vectors/argon2020.json). RFC 6962 leaves are the raw MerkleTreeLeaf bytes, as here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromBase64Std } from '../../src/log/index.js';
import { LOG_CONSISTENCY_INVALID, LOG_INCLUSION_INVALID, LOG_PROOF_MALFORMED, verifyConsistency, verifyInclusion } from '../../src/verify.js';

const v = JSON.parse(readFileSync(new URL('./vectors/argon2020.json', import.meta.url), 'utf8')) as {
  sth: { tree_size: number; sha256_root_hash: string };
  entry: { leaf_index: number; leaf_input: string };
  audit_path: string[];
  older: { tree_size: number; sha256_root_hash: string };
  consistency: string[];
};

describe("a real Certificate Transparency log (Google Argon 2020, Go's sumdb/tlog test data)", () => {
  it('entry 10,000 is included in the 961,984,013-leaf tree; another index, a shorter path or a flipped hash is not', () => {
    const leaf = fromBase64Std(v.entry.leaf_input);
    const { tree_size: n, sha256_root_hash: root } = v.sth;
    expect(verifyInclusion(leaf, v.entry.leaf_index, n, v.audit_path, root)).toEqual({ ok: true });
    expect(verifyInclusion(leaf, v.entry.leaf_index + 1, n, v.audit_path, root).code).toBe(LOG_INCLUSION_INVALID);
    expect(verifyInclusion(leaf, v.entry.leaf_index, n, v.audit_path.slice(1), root).code).toBe(LOG_PROOF_MALFORMED);
    const flipped = fromBase64Std(v.audit_path[7]!);
    flipped[31]! ^= 1;
    expect(verifyInclusion(leaf, v.entry.leaf_index, n, v.audit_path.map((h, i) => (i === 7 ? flipped : h)), root).code).toBe(LOG_INCLUSION_INVALID);
  });

  it('the tree of 3,654,490 leaves is a prefix of it; swapped hashes or another older size are not', () => {
    const args = [v.older.tree_size, v.sth.tree_size, v.older.sha256_root_hash, v.sth.sha256_root_hash] as const;
    expect(verifyConsistency(...args, v.consistency)).toEqual({ ok: true });
    const swapped = [v.consistency[1]!, v.consistency[0]!, ...v.consistency.slice(2)];
    expect(verifyConsistency(...args, swapped).code).toBe(LOG_CONSISTENCY_INVALID);
    expect(verifyConsistency(v.older.tree_size + 1, v.sth.tree_size, v.older.sha256_root_hash, v.sth.sha256_root_hash, v.consistency).ok).toBe(false);
  });
});
