// Test keys and receipts made with the SDK's own receipt builder and signer (src/receipts), so the
// scripted Hall sends exactly what the real one does.
import { buildReceipt, signReceipt, type Receipt } from '../../src/receipts/index.js';
import { createEd25519Signer, exportEd25519PublicJwk, generateEd25519KeyPair, type Ed25519Signer } from '../../src/crypto/index.js';

export interface TestKey {
  kid: string;
  signer: Ed25519Signer;
  publicKey: Uint8Array;
  jwk: Record<string, unknown>;
}

export async function testKey(kid: string): Promise<TestKey> {
  const pair = await generateEd25519KeyPair();
  const signer = await createEd25519Signer(pair.seed);
  return { kid, signer, publicKey: pair.publicKey, jwk: exportEd25519PublicJwk(pair.publicKey, { kid }) as unknown as Record<string, unknown> };
}

export interface ReceiptOverrides {
  tenant_id?: string;
  seq?: number;
  prev_receipt_hash?: string | null;
  decision_id?: string;
  policy_decision?: 'ALLOW' | 'DENY' | 'REQUIRE_HUMAN';
}

export async function receiptForTest(o: ReceiptOverrides, key: TestKey): Promise<Receipt & Record<string, unknown>> {
  const unsigned = buildReceipt({
    tenant_id: o.tenant_id ?? 'demo',
    seq: o.seq ?? 1,
    prev_receipt_hash: o.prev_receipt_hash ?? null,
    decision_id: o.decision_id ?? 'dec-1',
    correlation_id: '550e8400-e29b-41d4-a716-446655440000',
    worker_id: 'org.demo.summarizer',
    worker_species_id: 'wrk.doc.summarizer',
    capability_id: 'cap.doc.summarize',
    policy_decision: o.policy_decision ?? 'ALLOW',
    deny_code: null,
    controls_verified: ['ctrl.obs.audit-log-append-only'],
    artifact_hash: null,
    rules_version: 'test',
    approval_id: null,
    signing_key_id: key.kid,
    dry_run: false,
  });
  return (await signReceipt(unsigned, key.signer)) as Receipt & Record<string, unknown>;
}

/** A chain of `n` receipts for one tenant, seq 1..n, each linked to the previous one. */
export async function chainForTest(tenant: string, n: number, key: TestKey): Promise<(Receipt & Record<string, unknown>)[]> {
  const out: (Receipt & Record<string, unknown>)[] = [];
  let prev: string | null = null;
  for (let seq = 1; seq <= n; seq++) {
    const r = await receiptForTest({ tenant_id: tenant, seq, prev_receipt_hash: prev, decision_id: `dec-${seq}` }, key);
    prev = r.receipt_hash;
    out.push(r);
  }
  return out;
}
