// HallLogClient: a tenant log's transparency endpoints — its signed checkpoint, inclusion proofs of
// receipts and consistency proofs between tree sizes. It fetches and checks shapes only; verify
// what it returns with edgehall/verify (verifyCheckpoint, verifyInclusion, verifyConsistency),
// which is what `edgehall receipts verify` does.
import { CLIENT_CODES, HallApiError } from './errors.js';
import { Transport, type CallOptions, type TransportOptions } from './http.js';

/** `GET /receipts/{receipt_id}/proof`. */
export interface HallReceiptProof {
  receipt_id: string;
  /** seq − 1. */
  leaf_index: number;
  tree_size: number;
  /** The audit path, leaf side first, padded standard base64. */
  hashes: string[];
  /** The signed checkpoint of `tree_size`; null when the proof was pinned to an older size. */
  checkpoint: string | null;
}

/** `GET /wcp/log/{tenant}/consistency`. */
export interface HallConsistencyProof {
  from: number;
  to: number;
  hashes: string[];
  /** The signed checkpoint of `to`; null when `to` was pinned below the log's current size. */
  checkpoint: string | null;
}

function badResponse(request: string, what: string): HallApiError {
  return new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: `the answer is not ${what}.`, request });
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHashes = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 128 && v.every((h) => typeof h === 'string');
const isNote = (v: unknown): v is string | null => v === null || typeof v === 'string';

export class HallLogClient {
  private readonly http: Transport;

  constructor(opts: TransportOptions) {
    this.http = new Transport(opts);
  }

  /** `GET /wcp/log/{tenant}/checkpoint`: the signed note of the log's current tree head. */
  async checkpoint(tenantId: string, opts: CallOptions = {}): Promise<string> {
    const path = `/wcp/log/${encodeURIComponent(tenantId)}/checkpoint`;
    const r = await this.http.json<string>({ method: 'GET', path, idempotent: true, text: true }, opts);
    if (typeof r.body !== 'string' || r.body === '') throw badResponse(`GET ${path}`, 'a signed checkpoint');
    return r.body;
  }

  /** `GET /receipts/{id}/proof[?tree_size=N]`: the receipt's inclusion proof. */
  async receiptProof(receiptId: string, query: { tree_size?: number | undefined } = {}, opts: CallOptions = {}): Promise<HallReceiptProof> {
    const path = `/receipts/${encodeURIComponent(receiptId)}/proof`;
    const r = await this.http.json<Record<string, unknown>>({ method: 'GET', path, query: { ...query }, idempotent: true }, opts);
    const b = r.body;
    if (!b || typeof b.receipt_id !== 'string' || !isSize(b.leaf_index) || !isSize(b.tree_size) || !isHashes(b.hashes) || !isNote(b.checkpoint)) {
      throw badResponse(`GET ${path}`, 'an inclusion proof ({receipt_id, leaf_index, tree_size, hashes, checkpoint})');
    }
    return { receipt_id: b.receipt_id, leaf_index: b.leaf_index, tree_size: b.tree_size, hashes: b.hashes, checkpoint: b.checkpoint };
  }

  /** `GET /wcp/log/{tenant}/consistency?from=M[&to=N]`: the proof that the tree of N leaves extends the tree of M. */
  async consistencyProof(tenantId: string, from: number, to?: number, opts: CallOptions = {}): Promise<HallConsistencyProof> {
    const path = `/wcp/log/${encodeURIComponent(tenantId)}/consistency`;
    const r = await this.http.json<Record<string, unknown>>({ method: 'GET', path, query: { from, to }, idempotent: true }, opts);
    const b = r.body;
    if (!b || !isSize(b.from) || !isSize(b.to) || !isHashes(b.hashes) || !isNote(b.checkpoint)) {
      throw badResponse(`GET ${path}`, 'a consistency proof ({from, to, hashes, checkpoint})');
    }
    return { from: b.from, to: b.to, hashes: b.hashes, checkpoint: b.checkpoint };
  }
}
