// The client's side of "no dispatch without evidence": the Hall's key set (cached, refetched on
// an unknown key id) and the SDK's receipt verifiers (src/receipts/verify.ts, zod-free).
import { readJwks } from '../crypto/jwk.js';
import { EdgehallError } from '../util/errors.js';
import { verifyChain, verifyReceipt, type ChainVerdict, type ReceiptVerdict } from '../receipts/verify.js';
import { RECEIPT_KEY_UNKNOWN } from '../receipts/codes.js';
import type { Receipt } from '../receipts/schema.js';
import { CLIENT_CODES, HallApiError } from './errors.js';
import type { CallOptions } from './http.js';

/** A receipt as the Hall sends it (the receipts module's `Receipt`). */
export type HallReceipt = Receipt;

/** `/.well-known/wcp-keys.json`. */
export interface HallJwks {
  keys: Record<string, unknown>[];
}

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

/** Verifies one receipt, refetching the key set once when the receipt names a key not yet seen. */
export async function checkReceipt(receipt: unknown, keys: HallKeyCache, call: CallOptions): Promise<ReceiptVerdict> {
  const verdict = await verifyReceipt(receipt, await keys.get(call));
  if (verdict.ok || verdict.code !== RECEIPT_KEY_UNKNOWN) return verdict;
  return verifyReceipt(receipt, await keys.refresh(call));
}

/** Verifies a chain segment in seq order (starting after `afterSeq`), with the same key refresh. */
export async function checkChain(receipts: readonly unknown[], tenantId: string, afterSeq: number, keys: HallKeyCache, call: CallOptions): Promise<ChainVerdict> {
  const opts = { expectFirstSeq: afterSeq + 1, tenantId };
  const verdict = await verifyChain(receipts, await keys.get(call), opts);
  if (verdict.ok || verdict.code !== RECEIPT_KEY_UNKNOWN) return verdict;
  return verifyChain(receipts, await keys.refresh(call), opts);
}
