// The client's side of "no dispatch without evidence": the Hall's key set (cached, refetched on
// an unknown key id) and the verdicts of the SDK's receipt verifiers, normalised for the client.
import { readJwks } from '../crypto/jwk.js';
import { EdgehallError } from '../util/errors.js';
import { CLIENT_CODES, HallApiError } from './errors.js';
import type { CallOptions } from './http.js';
import { verifyReceiptSignature, verifyReceiptChain } from './receipt-verify.js';

/** A receipt as the Hall sends it (see the receipts module for the full schema). */
export type HallReceipt = Record<string, unknown> & {
  receipt_id?: string;
  seq?: number;
  tenant_id?: string;
  decision_id?: string;
  receipt_hash?: string;
  prev_receipt_hash?: string | null;
  signing_key_id?: string;
  signature?: string;
};

/** `/.well-known/wcp-keys.json`. */
export interface HallJwks {
  keys: Record<string, unknown>[];
}

export interface HallChainVerdict {
  ok: boolean;
  /** How many receipts were checked. */
  checked: number;
  /** The seq of the first receipt that failed, or null. */
  failed_seq: number | null;
  /** A stable code for the failure, or null. */
  reason: string | null;
  message: string | null;
}

export type ReceiptVerdict = { ok: true } | { ok: false; reason: string; message: string };

export class HallKeyCache {
  private value: HallJwks | undefined;
  private fetchedAt = 0;
  private inflight: Promise<HallJwks> | undefined;

  constructor(
    private readonly load: (call: CallOptions) => Promise<unknown>,
    private readonly ttlMs: number,
  ) {}

  async get(call: CallOptions = {}): Promise<HallJwks> {
    if (this.value && Date.now() - this.fetchedAt < this.ttlMs) return this.value;
    return this.refresh(call);
  }

  /** Refetches now (one request shared by concurrent callers). */
  refresh(call: CallOptions = {}): Promise<HallJwks> {
    this.inflight ??= (async () => {
      try {
        const body = await this.load({ signal: call.signal, timeoutMs: call.timeoutMs });
        try {
          readJwks(body);
        } catch (cause) {
          throw new HallApiError({
            status: 200,
            code: CLIENT_CODES.BAD_RESPONSE,
            detail: `the Hall's key set is not a JWKS (${cause instanceof EdgehallError ? cause.message : 'unreadable'}).`,
            request: 'GET /.well-known/wcp-keys.json',
            cause,
          });
        }
        this.value = body as HallJwks;
        this.fetchedAt = Date.now();
        return this.value;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

/** Verifies one receipt's hash and signature against a key set. Never throws. */
export async function checkReceipt(receipt: unknown, jwks: HallJwks): Promise<ReceiptVerdict> {
  try {
    return await verifyReceiptSignature(receipt, jwks);
  } catch (err) {
    return { ok: false, reason: 'RECEIPT_INVALID', message: `the receipt could not be verified: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Verifies a chain segment (in seq order) against a key set. Never throws. */
export async function checkChainSegment(receipts: readonly unknown[], jwks: HallJwks): Promise<HallChainVerdict> {
  try {
    return await verifyReceiptChain(receipts, jwks);
  } catch (err) {
    return { ok: false, checked: 0, failed_seq: null, reason: 'RECEIPT_INVALID', message: err instanceof Error ? err.message : String(err) };
  }
}
