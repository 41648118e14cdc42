import { describe, expect, it } from 'vitest';
import {
  buildReceipt,
  signReceipt,
  verifyReceipt,
  verifyChain,
  hashReceipt,
  generateUuidV7,
  isUuidV7,
  receiptShapeProblems,
  ReceiptSchema,
  type Receipt,
  type ReceiptFields,
  type UnsignedReceipt,
} from '../../src/receipts/index.js';
import {
  createEd25519Signer,
  exportEd25519PublicJwk,
  generateEd25519KeyPair,
  setEd25519Backend,
} from '../../src/crypto/index.js';
import { canonicalJson, sha256Hex, utf8 } from '../../src/util/index.js';

const pair = await generateEd25519KeyPair();
const jwk = exportEd25519PublicJwk(pair.publicKey);
const kid = jwk.kid!;
const jwks = { keys: [jwk] };
const signer = await createEd25519Signer(pair.seed);

function fields(seq: number, prev: string | null, over: Partial<ReceiptFields> = {}): ReceiptFields {
  return {
    tenant_id: 'demo',
    seq,
    prev_receipt_hash: prev,
    decision_id: `dec-${seq}`,
    correlation_id: `corr-${seq}`,
    worker_id: 'org.acme.summarizer.i-1',
    worker_species_id: 'wrk.doc.summarizer',
    capability_id: 'cap.doc.summarize',
    policy_decision: 'ALLOW',
    deny_code: null,
    controls_verified: ['ctrl.obs.audit_log_append_only'],
    artifact_hash: 'sha256:' + 'ab'.repeat(32),
    rules_version: 'rules-v1',
    approval_id: null,
    signing_key_id: kid,
    dry_run: false,
    ...over,
  };
}

async function chain(n: number, tenant = 'demo'): Promise<Receipt[]> {
  const out: Receipt[] = [];
  let prev: string | null = null;
  for (let s = 1; s <= n; s++) {
    const r = await signReceipt(buildReceipt(fields(s, prev, { tenant_id: tenant })), signer);
    out.push(r);
    prev = r.receipt_hash;
  }
  return out;
}

describe('UUIDv7', () => {
  it('has version 7, the variant bits and the time prefix', () => {
    const t = Date.UTC(2026, 0, 1);
    const id = generateUuidV7(t);
    expect(isUuidV7(id)).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
    expect(new Set(Array.from({ length: 1000 }, () => generateUuidV7())).size).toBe(1000);
  });
});

describe('receipts', () => {
  it('build + sign + verify; hash and signature follow the DESIGN contract', async () => {
    const r = await signReceipt(buildReceipt(fields(1, null)), signer);
    expect(await verifyReceipt(r, jwks)).toEqual({ ok: true });
    const { receipt_hash, signature, ...body } = r;
    expect(receipt_hash).toBe(sha256Hex(utf8(canonicalJson(body))));
    expect(hashReceipt(r)).toBe(receipt_hash);
    expect(r.receipt_version).toBe('edgehall.receipt.v1');
    // signature is over the ASCII hex of the hash, checked with raw WebCrypto
    // Cast: TS 5.9's lib wants ArrayBuffer-backed views; these bytes are never on a SharedArrayBuffer.
    const key = await crypto.subtle.importKey('raw', pair.publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    const sig = Uint8Array.from(atob(signature.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, utf8(receipt_hash) as Uint8Array<ArrayBuffer>)).toBe(true);
    expect(ReceiptSchema.safeParse(r).success).toBe(true);
  });

  it('refuses a malformed receipt, a tampered field, an unknown key and a bad signature', async () => {
    const r = await signReceipt(buildReceipt(fields(1, null)), signer);
    expect((await verifyReceipt({ ...r, seq: 0 }, jwks)).code).toBe('RECEIPT_SCHEMA_INVALID');
    expect((await verifyReceipt('nope', jwks)).code).toBe('RECEIPT_SCHEMA_INVALID');
    expect((await verifyReceipt({ ...r, policy_decision: 'DENY' }, jwks)).code).toBe('RECEIPT_HASH_MISMATCH');
    expect((await verifyReceipt({ ...r, extra: 1 }, jwks)).code).toBe('RECEIPT_HASH_MISMATCH');
    const other = await generateEd25519KeyPair();
    expect((await verifyReceipt(r, { keys: [exportEd25519PublicJwk(other.publicKey)] })).code).toBe('RECEIPT_KEY_UNKNOWN');
    // right kid, wrong key material
    expect((await verifyReceipt(r, { keys: [exportEd25519PublicJwk(other.publicKey, { kid })] })).code).toBe('RECEIPT_SIGNATURE_INVALID');
    const flipped = r.signature[0] === 'A' ? 'B' + r.signature.slice(1) : 'A' + r.signature.slice(1);
    expect((await verifyReceipt({ ...r, signature: flipped }, jwks)).code).toBe('RECEIPT_SIGNATURE_INVALID');
    expect((await verifyReceipt(r, { nokeys: true })).code).toBe('RECEIPT_KEYS_INVALID');
    // a re-hashed forgery still fails on the signature
    const forged = { ...r, policy_decision: 'DENY' as const };
    forged.receipt_hash = hashReceipt(forged);
    expect((await verifyReceipt(forged, jwks)).code).toBe('RECEIPT_SIGNATURE_INVALID');
  });

  it('a key set read once is reused, but a key set changed in place (a key withdrawn or swapped) is read again', async () => {
    const r = await signReceipt(buildReceipt(fields(1, null)), signer);
    const mine = { keys: [{ ...jwk }] };
    expect(await verifyReceipt(r, mine)).toEqual({ ok: true });
    expect(await verifyReceipt(r, mine)).toEqual({ ok: true });
    mine.keys.length = 0;
    expect((await verifyReceipt(r, mine)).code).toBe('RECEIPT_KEY_UNKNOWN');
    const other = await generateEd25519KeyPair();
    mine.keys.push(exportEd25519PublicJwk(other.publicKey, { kid }));
    expect((await verifyReceipt(r, mine)).code).toBe('RECEIPT_SIGNATURE_INVALID');
    mine.keys[0] = { ...jwk };
    expect(await verifyReceipt(r, mine)).toEqual({ ok: true });
    // An unusable key set is refused every time (a failed read is not kept).
    expect((await verifyReceipt(r, { keys: 'x' })).code).toBe('RECEIPT_KEYS_INVALID');
    expect((await verifyReceipt(r, { keys: 'x' })).code).toBe('RECEIPT_KEYS_INVALID');
  });

  it('buildReceipt lists every problem', () => {
    expect(() => buildReceipt(fields(2, null))).toThrow(/prev_receipt_hash/);
    expect(() => buildReceipt({ ...fields(1, null), policy_decision: 'MAYBE' as never, seq: 0 })).toThrow(/2 problems|3 problems/);
  });

  it('hand-written shape check and zod schema agree', async () => {
    const r = await signReceipt(buildReceipt(fields(3, 'cd'.repeat(32))), signer);
    const variants: unknown[] = [
      r,
      { ...r, seq: 1 },
      { ...r, seq: 1.5 },
      { ...r, receipt_id: r.receipt_id.toUpperCase() },
      { ...r, dispatched_at: '2026-01-01 00:00:00' },
      { ...r, worker_id: null, worker_species_id: null, artifact_hash: null, approval_id: 'apr-1', deny_code: 'DENY_X' },
      { ...r, controls_verified: [1] },
      { ...r, controls_verified: Array(300).fill('c') },
      { ...r, signature: 'x' },
      { ...r, receipt_hash: 'AB'.repeat(32) },
      { ...r, tenant_id: '' },
      { ...r, rules_version: '' },
      { ...r, capability_id: 'x'.repeat(600) },
      { ...r, policy_decision: 'REQUIRE_HUMAN' },
      { ...r, receipt_version: 'v2' },
      (({ signing_key_id: _k, ...rest }) => rest)(r),
      (({ dry_run: _d, ...rest }) => rest)(r),
      { ...r, dry_run: true },
      { ...r, dry_run: 'no' },
      { ...r, dry_run: null },
      { ...r, dry_run: true, approval_id: 'apr-1' },
      { ...r, dry_run: false, approval_id: 'apr-1' },
    ];
    for (const v of variants) {
      expect(receiptShapeProblems(v).length === 0, JSON.stringify(v).slice(0, 80)).toBe(ReceiptSchema.safeParse(v).success);
    }
  });
});

describe('dry_run in receipts', () => {
  it('every new receipt carries dry_run: buildReceipt refuses one without it, or with a non-boolean', async () => {
    const { dry_run: _d, ...without } = fields(1, null);
    expect(() => buildReceipt(without as ReceiptFields)).toThrow(/dry_run/);
    expect(() => buildReceipt({ ...fields(1, null), dry_run: 'true' as never })).toThrow(/dry_run/);
    const { dry_run: _d2, ...builtWithout } = buildReceipt(fields(1, null));
    expect(receiptShapeProblems(builtWithout, false)).toEqual(['dry_run: must be true or false']);
    for (const dry of [true, false]) {
      const r = await signReceipt(buildReceipt(fields(1, null, { dry_run: dry })), signer);
      expect(r.dry_run).toBe(dry);
      expect(await verifyReceipt(r, jwks)).toEqual({ ok: true });
      expect(ReceiptSchema.safeParse(r).success).toBe(true);
    }
  });

  it('a dry-run receipt never cites an approval (the Hall cannot build one; a verifier refuses one)', async () => {
    expect(() => buildReceipt(fields(1, null, { dry_run: true, approval_id: 'apr-1' }))).toThrow(/approval_id/);
    // Signed by the key holder anyway: refused as malformed, never a pass.
    const { receipt_hash: _h, signature: _s, ...body } = await signReceipt(buildReceipt(fields(1, null)), signer);
    const forged = await signReceipt({ ...body, dry_run: true, approval_id: 'apr-1' } as UnsignedReceipt, signer);
    const v = await verifyReceipt(forged, jwks);
    expect(v.code).toBe('RECEIPT_SCHEMA_INVALID');
    expect(v.message).toContain('approval_id: must be null on a dry run');
    expect(buildReceipt(fields(1, null, { dry_run: false, approval_id: 'apr-1' })).approval_id).toBe('apr-1');
  });

  it('dry_run is covered by receipt_hash: flipping or dropping it breaks the receipt', async () => {
    const r = await signReceipt(buildReceipt(fields(1, null, { dry_run: true })), signer);
    expect((await verifyReceipt({ ...r, dry_run: false }, jwks)).code).toBe('RECEIPT_HASH_MISMATCH');
    const { dry_run: _d, ...dropped } = r;
    expect((await verifyReceipt(dropped, jwks)).code).toBe('RECEIPT_HASH_MISMATCH');
    const { receipt_hash: _h, signature: _s, ...body } = r;
    expect(r.receipt_hash).toBe(sha256Hex(utf8(canonicalJson(body))));
    expect(canonicalJson(body)).toContain('"dry_run":true');
  });

  it('chains issued before dry_run existed still verify, alone and continued by new receipts', async () => {
    const out: Receipt[] = [];
    let prev: string | null = null;
    for (let s = 1; s <= 5; s++) {
      const built = buildReceipt(fields(s, prev, { dry_run: s === 5 }));
      // seq 1-3 as a v0.1 Hall issued them: no dry_run field at all
      const unsigned = s <= 3 ? ((({ dry_run: _d, ...old }) => old)(built) as UnsignedReceipt) : built;
      const r = await signReceipt(unsigned, signer);
      out.push(r);
      prev = r.receipt_hash;
    }
    expect('dry_run' in out[0]!).toBe(false);
    for (const r of out) expect(ReceiptSchema.safeParse(r).success).toBe(true);
    expect(await verifyChain(out.slice(0, 3), jwks)).toMatchObject({ ok: true, verified: 3 });
    expect(await verifyChain(out, jwks)).toMatchObject({ ok: true, verified: 5 });
    expect(out.map((r) => r.dry_run)).toEqual([undefined, undefined, undefined, false, true]);
  });
});

describe('chains', () => {
  const fifty = chain(50);

  it('a chain of 50 verifies, with both Ed25519 backends', async () => {
    const c = await fifty;
    expect(await verifyChain(c, jwks)).toEqual({ ok: true, verified: 50, head_hash: c[49]!.receipt_hash });
    setEd25519Backend('noble');
    try {
      expect((await verifyChain(c, jwks)).ok).toBe(true);
    } finally {
      setEd25519Backend('auto');
    }
    // a segment, as GET /receipts?after_seq=20 returns it
    expect(await verifyChain(c.slice(20), jwks, { expectFirstSeq: 21, expectPrevHash: c[19]!.receipt_hash })).toMatchObject({ ok: true, verified: 30 });
    expect(await verifyChain(c.slice(20), jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_GAP', broken_at_seq: 1 });
    expect(await verifyChain([], jwks)).toMatchObject({ ok: true, verified: 0 });
  });

  it('tampering at seq k is reported at k', async () => {
    const c = await fifty;
    for (const k of [1, 2, 17, 50]) {
      const t = c.map((r) => ({ ...r }));
      t[k - 1]!.capability_id = 'cap.evil';
      expect(await verifyChain(t, jwks)).toMatchObject({ ok: false, broken_at_seq: k, verified: k - 1, code: 'RECEIPT_HASH_MISMATCH' });
      // re-hashed: signature fails at k
      t[k - 1]!.receipt_hash = hashReceipt(t[k - 1]!);
      expect(await verifyChain(t, jwks)).toMatchObject({ ok: false, broken_at_seq: k, code: 'RECEIPT_SIGNATURE_INVALID' });
    }
  });

  it('detects a gap, reordering, a fork, a wrong prev hash, another tenant and an unknown key', async () => {
    const c = await fifty;
    expect(await verifyChain([...c.slice(0, 9), ...c.slice(10)], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_GAP', broken_at_seq: 10, verified: 9 });
    const swapped = [...c];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(await verifyChain(swapped, jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_ORDER', broken_at_seq: 5 });
    // a fork: a second, validly signed receipt 8 chained to receipt 7
    const fork = await signReceipt(buildReceipt(fields(8, c[6]!.receipt_hash, { decision_id: 'dec-fork' })), signer);
    expect(await verifyChain([...c.slice(0, 8), fork, ...c.slice(8)], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_FORK', broken_at_seq: 8, verified: 8 });
    // the fork on its own branch verifies up to 7 and then breaks on prev hash where the branches rejoin
    expect(await verifyChain([...c.slice(0, 7), fork, ...c.slice(8)], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_PREV_MISMATCH', broken_at_seq: 9 });
    // validly signed receipt with a wrong prev hash
    const wrongPrev = await signReceipt(buildReceipt(fields(3, 'ee'.repeat(32))), signer);
    expect(await verifyChain([c[0]!, c[1]!, wrongPrev], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_PREV_MISMATCH', broken_at_seq: 3 });
    const other = await chain(3, 'other');
    expect(await verifyChain([c[0]!, other[1]!], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_TENANT_MISMATCH', broken_at_seq: 2 });
    expect(await verifyChain(other, jwks, { tenantId: 'demo' })).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_TENANT_MISMATCH', broken_at_seq: 1 });
    const stranger = await generateEd25519KeyPair();
    expect(await verifyChain(c, { keys: [exportEd25519PublicJwk(stranger.publicKey)] })).toMatchObject({ ok: false, code: 'RECEIPT_KEY_UNKNOWN', broken_at_seq: 1, verified: 0 });
    // key rotation: old and new keys listed, receipts signed by either verify
    const next = await generateEd25519KeyPair();
    const nextJwk = exportEd25519PublicJwk(next.publicKey);
    const r4 = await signReceipt(buildReceipt(fields(4, c[2]!.receipt_hash, { signing_key_id: nextJwk.kid! })), next.seed);
    expect(await verifyChain([c[0]!, c[1]!, c[2]!, r4], { keys: [jwk, nextJwk] })).toMatchObject({ ok: true, verified: 4 });
    expect(await verifyChain([c[0]!, c[1]!, c[2]!, r4], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_KEY_UNKNOWN', broken_at_seq: 4 });
  });
});

