// Adapter from the client to the SDK's receipt verifiers (src/receipts). Until that module lands,
// a minimal implementation of the DESIGN.md contract stands in here.
// TODO(client): replace with `verifyReceipt` / `verifyChain` from ../receipts once exported.
import { canonicalJson } from '../util/jcs.js';
import { sha256Hex } from '../util/sha256.js';
import { fromBase64Url, utf8 } from '../util/bytes.js';
import { readJwks } from '../crypto/jwk.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import type { HallChainVerdict, HallJwks, ReceiptVerdict } from './receipt-check.js';

export async function verifyReceiptSignature(receipt: unknown, jwks: HallJwks): Promise<ReceiptVerdict> {
  if (!receipt || typeof receipt !== 'object') return { ok: false, reason: 'RECEIPT_MALFORMED', message: 'a receipt must be an object.' };
  const { receipt_hash, signature, ...body } = receipt as Record<string, unknown>;
  const hash = sha256Hex(utf8(canonicalJson(body)));
  if (hash !== receipt_hash) return { ok: false, reason: 'RECEIPT_HASH_MISMATCH', message: 'receipt_hash does not match the receipt body.' };
  const key = readJwks(jwks).find((k) => k.kid === body['signing_key_id']);
  if (!key) return { ok: false, reason: 'RECEIPT_KEY_UNKNOWN', message: 'the signing key is not in the Hall key set.' };
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(String(signature));
  } catch {
    return { ok: false, reason: 'RECEIPT_SIGNATURE_INVALID', message: 'the signature is not base64url.' };
  }
  const ok = await ed25519Verify(key.publicKey, utf8(hash), sig);
  return ok ? { ok: true } : { ok: false, reason: 'RECEIPT_SIGNATURE_INVALID', message: 'the signature does not verify.' };
}

export async function verifyReceiptChain(receipts: readonly unknown[], jwks: HallJwks): Promise<HallChainVerdict> {
  let prev: Record<string, unknown> | null = null;
  let checked = 0;
  for (const r of receipts) {
    const rec = r as Record<string, unknown>;
    const seq = typeof rec['seq'] === 'number' ? rec['seq'] : null;
    const v = await verifyReceiptSignature(rec, jwks);
    if (!v.ok) return { ok: false, checked, failed_seq: seq, reason: v.reason, message: v.message };
    if (prev && (rec['seq'] !== (prev['seq'] as number) + 1 || rec['prev_receipt_hash'] !== prev['receipt_hash'])) {
      return { ok: false, checked, failed_seq: seq, reason: 'RECEIPT_CHAIN_BROKEN', message: 'the chain link is broken.' };
    }
    prev = rec;
    checked++;
  }
  return { ok: true, checked, failed_seq: null, reason: null, message: null };
}
