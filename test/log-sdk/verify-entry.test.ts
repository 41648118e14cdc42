// edgehall/verify carries the transparency-log verifiers (the same functions the root entry
// exports): a checkpoint signed and proofs built with the root entry verify through it, and it
// refuses what they refuse, with the same codes.
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as verify from '../../src/verify.js';
import { createEd25519Signer, exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';

const LOG_EXPORTS = [
  'verifyInclusion',
  'verifyConsistency',
  'verifyCheckpoint',
  'LOG_PROOF_MALFORMED',
  'LOG_INCLUSION_INVALID',
  'LOG_CONSISTENCY_INVALID',
  'LOG_CHECKPOINT_MALFORMED',
  'LOG_CHECKPOINT_ORIGIN_MISMATCH',
  'LOG_CHECKPOINT_KEY_UNKNOWN',
  'LOG_CHECKPOINT_SIGNATURE_INVALID',
  'LOG_CHECKPOINT_KEYS_INVALID',
  'LOG_CRYPTO_UNAVAILABLE',
] as const;

describe('edgehall/verify: transparency-log verifiers', () => {
  it('exports the log verifiers and codes, identical to the root entry’s', () => {
    for (const name of LOG_EXPORTS) {
      expect(verify[name], name).toBeDefined();
      expect(verify[name], name).toBe((root as Record<string, unknown>)[name]);
    }
    // Proof generation and signing stay out of the small entry.
    for (const name of ['merkleRoot', 'inclusionProof', 'consistencyProof', 'signCheckpoint', 'formatCheckpoint']) {
      expect(name in verify, name).toBe(false);
      expect(typeof (root as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('verifies a checkpoint, an inclusion proof and a consistency proof made with the root entry', async () => {
    const leaves = Array.from({ length: 13 }, (_, i) => root.sha256(new Uint8Array([i])));
    const pair = await generateEd25519KeyPair();
    const jwks = { keys: [exportEd25519PublicJwk(pair.publicKey, { kid: 'k1' })] };
    const origin = root.logOrigin('hall.example.com', 'acme');
    const note = await root.signCheckpoint(root.formatCheckpoint({ origin, tree_size: 13, root_hash: root.merkleRoot(leaves) }), origin, await createEd25519Signer(pair.seed));
    const cp = await verify.verifyCheckpoint(note, { jwks, origin });
    expect(cp).toMatchObject({ ok: true, origin: 'hall.example.com/log/acme', tree_size: 13 });
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const proof = root.inclusionProof(leaves, 5).map(root.toBase64Std);
    expect(verify.verifyInclusion(hex(leaves[5]!), 5, 13, proof, cp.root_hash!)).toEqual({ ok: true });
    expect(verify.verifyInclusion(hex(leaves[6]!), 5, 13, proof, cp.root_hash!).code).toBe(verify.LOG_INCLUSION_INVALID);
    const old = root.merkleRoot(leaves, 8);
    expect(verify.verifyConsistency(8, 13, old, cp.root_hash!, root.consistencyProof(leaves, 8))).toEqual({ ok: true });
    expect(verify.verifyConsistency(9, 13, old, cp.root_hash!, root.consistencyProof(leaves, 8)).ok).toBe(false);
    expect((await verify.verifyCheckpoint(note.replace('\n13\n', '\n12\n'), { jwks })).code).toBe(verify.LOG_CHECKPOINT_SIGNATURE_INVALID);
  });
});
