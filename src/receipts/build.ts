// Building and signing receipts (the Hall side).
import { toBase64Url, utf8 } from '../util/bytes.js';
import { ValidationError } from '../util/errors.js';
import type { Ed25519Signer } from '../crypto/ed25519.js';
import { createEd25519Signer } from '../crypto/ed25519.js';
import { hashReceipt, receiptShapeProblems, RECEIPT_VERSION } from './core.js';
import type { Receipt, UnsignedReceipt } from './schema.js';
import { generateUuidV7 } from './uuid.js';

/** The named fields of an unsigned receipt (without looseObject's index signature, which Omit would collapse). */
type KnownReceiptFields = { [K in keyof UnsignedReceipt as string extends K ? never : K]: UnsignedReceipt[K] };

/**
 * Receipt fields the caller supplies; receipt_version is set, receipt_id and dispatched_at default.
 * `dry_run` is required: true exactly when the decision answered a RouteInput with dry_run: true.
 */
export type ReceiptFields = Omit<KnownReceiptFields, 'receipt_version' | 'receipt_id' | 'dispatched_at'> & {
  receipt_id?: string;
  dispatched_at?: string;
};

/** An unsigned receipt, validated (throws ValidationError listing every problem). */
export function buildReceipt(fields: ReceiptFields): UnsignedReceipt {
  const candidate = {
    ...fields,
    receipt_version: RECEIPT_VERSION,
    receipt_id: fields.receipt_id ?? generateUuidV7(),
    dispatched_at: fields.dispatched_at ?? new Date().toISOString(),
  };
  // The hand-written checks of the verify path (core.ts), kept in step with UnsignedReceiptSchema by
  // test/crypto: a tenth of zod's cost, and this runs once per receipt on the Hall's hot path.
  const problems = receiptShapeProblems(candidate, false);
  if (problems.length > 0) {
    throw new ValidationError(
      'receipt',
      problems.map((p) => {
        const at = p.indexOf(': ');
        const field = p.slice(0, at);
        return { path: field === '(root)' ? [] : [field], message: p.slice(at + 2), code: 'invalid_receipt_field' };
      }),
    );
  }
  // Return the caller's object (not zod's copy) so every supplied field is hashed as given.
  return candidate as UnsignedReceipt;
}

/**
 * Adds receipt_hash and signature (Ed25519 over the ASCII bytes of the hex hash). `signer` is an
 * Ed25519Signer (import the key once for many receipts) or a 32-byte seed.
 */
export async function signReceipt(receipt: UnsignedReceipt, signer: Ed25519Signer | Uint8Array): Promise<Receipt> {
  const s = signer instanceof Uint8Array ? await createEd25519Signer(signer) : signer;
  const { receipt_hash: _h, signature: _s, ...body } = receipt as UnsignedReceipt & { receipt_hash?: unknown; signature?: unknown };
  const receipt_hash = hashReceipt(body);
  const signature = toBase64Url(await s.sign(utf8(receipt_hash)));
  return { ...body, receipt_hash, signature } as Receipt;
}
