// Test receipts signed the way DESIGN.md specifies: receipt_hash = SHA-256 of the RFC 8785 JSON of
// the receipt without receipt_hash and signature; signature = Ed25519 over the hex hash's ASCII.
import { canonicalJson, sha256Hex, toBase64Url, utf8 } from '../../src/util/index.js';
import { createEd25519Signer, exportEd25519PublicJwk, generateEd25519KeyPair, type Ed25519Signer } from '../../src/crypto/index.js';

export interface TestKey {
  kid: string;
  signer: Ed25519Signer;
  jwk: Record<string, unknown>;
}

export async function testKey(kid: string): Promise<TestKey> {
  const pair = await generateEd25519KeyPair();
  const signer = await createEd25519Signer(pair.seed);
  return { kid, signer, jwk: exportEd25519PublicJwk(pair.publicKey, { kid }) as unknown as Record<string, unknown> };
}

export async function signReceiptForTest(body: Record<string, unknown>, key: TestKey): Promise<Record<string, unknown>> {
  const unsigned = { ...body, signing_key_id: key.kid };
  const receipt_hash = sha256Hex(utf8(canonicalJson(unsigned)));
  const signature = toBase64Url(await key.signer.sign(utf8(receipt_hash)));
  return { ...unsigned, receipt_hash, signature };
}

/** A chain of `n` receipts for one tenant, seq 1..n, each linked to the previous one. */
export async function chainForTest(tenant: string, n: number, key: TestKey): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let prev: string | null = null;
  for (let seq = 1; seq <= n; seq++) {
    const r = await signReceiptForTest(
      {
        receipt_id: `rcpt-${seq}`,
        tenant_id: tenant,
        seq,
        prev_receipt_hash: prev,
        decision_id: `dec-${seq}`,
        correlation_id: `corr-${seq}`,
        capability_id: 'cap.doc.summarize',
        worker_id: 'wrk.doc.summarizer',
        policy_decision: 'ALLOW',
        dispatched_at: '2026-11-22T01:00:00Z',
      },
      key,
    );
    prev = r['receipt_hash'] as string;
    out.push(r);
  }
  return out;
}
