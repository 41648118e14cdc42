// The tenant log as the rest of the Worker sees it: one SQLite-backed Durable Object per tenant
// (per shard), the single writer of that tenant's receipt chain and its RFC 9162 Merkle tree.
// This file is the published interface — routes (the transparency endpoints, the receipt reads,
// the decision path) talk to a log only through `tenantLog()` / `TenantLog`, never to the object.
//
// Conventions every method keeps:
//   - leaves are the 32 raw bytes of each receipt_hash in seq order: leaf_index = seq − 1;
//   - hashes on the wire are padded standard base64 (src/log/base64.ts), as checkpoints use them;
//   - a request for something the log does not hold (index ≥ size, size > tree size, m > n) throws
//     HallHttpError 400 LOG_RANGE_INVALID (the sentence says what exists); an unreachable object
//     throws 503 RECEIPT_CHAIN_UNAVAILABLE.
import type { Receipt } from '../../src/receipts/index.js';
import type { HallEnv } from '../env.js';
import { HallHttpError } from '../http/problem.js';
import type { DecisionFacts } from '../decision/evidence-record.js';

export { MAX_LOG_SHARDS } from './limits.js';

/** The Merkle tree over the first `size` leaves. */
export interface TreeHead {
  size: number;
  /** Padded standard base64 of the 32-byte root (SHA-256("") for the empty tree). */
  root: string;
}

/** A signed C2SP tlog-checkpoint of one log. */
export interface SignedCheckpoint {
  tree_size: number;
  root: string;
  /** The whole signed note (body, blank line, signature line), as GET /wcp/log/{tenant}/checkpoint serves it. */
  note: string;
  signed_at: string;
}

/** Where the tenant's index rows stand (the D1 decision log trails the tenant log by `lag`). */
export interface IndexStatus {
  /** Receipts in the log. */
  log_size: number;
  /** Receipts whose decision/receipt rows are in D1. */
  indexed_size: number;
  /** created_at of the oldest receipt not yet in D1, or null when there is none. */
  oldest_unindexed_at: string | null;
}

/**
 * What the decision path hands the log for one decision: the log adds seq, link and signature.
 * `signingKeyId` is the kid the Worker checked is recorded in the key set; the log signs only with it.
 */
export type AppendRequest = DecisionFacts & { decisionJson: string };

/** Where an append spent its time inside the object (Server-Timing when the bench asks for it). */
export interface AppendTiming {
  /** Queued behind the batch being written (ms). */
  waitMs: number;
  /** Signing the batch (ms). */
  signMs: number;
  /** The SQLite transaction (ms). */
  writeMs: number;
  /** Appends in that batch. */
  batch: number;
}

/** The object's answer to an append: the durable signed receipt, or why nothing was written. */
export type AppendOutcome =
  | { ok: true; receipt: Receipt; timing?: AppendTiming }
  | { ok: false; status: number; code: string; message: string; issues?: { path: string[]; message: string }[] };

/** One log's RPC surface (what the object implements). Every call names the log it is for. */
export interface TenantLogRpc {
  append(log: LogAddress, request: AppendRequest): Promise<AppendOutcome>;
  treeHead(log: LogAddress, size?: number): Promise<RpcResult<TreeHead>>;
  inclusionProof(log: LogAddress, leafIndex: number, treeSize: number): Promise<RpcResult<string[]>>;
  consistencyProof(log: LogAddress, m: number, n: number): Promise<RpcResult<string[]>>;
  receiptBySeq(log: LogAddress, seq: number): Promise<RpcResult<Receipt | null>>;
  receiptById(log: LogAddress, receiptId: string): Promise<RpcResult<Receipt | null>>;
  listReceipts(log: LogAddress, afterSeq: number, limit: number): Promise<RpcResult<Receipt[]>>;
  latestCheckpoint(log: LogAddress, covering?: number): Promise<RpcResult<SignedCheckpoint | null>>;
  syncIndex(log: LogAddress, waitMs?: number): Promise<RpcResult<IndexStatus>>;
}

export interface LogAddress {
  tenantId: string;
  /** 0 … shards − 1; 0 is the tenant's only log when it is not sharded. */
  shard: number;
  /** The tenant's shard count when the call was made (receipts carry `shard` only when > 1). */
  shards: number;
}

export type RpcResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

/** The log of one tenant (shard), as routes use it. Every method throws HallHttpError on refusal. */
export interface TenantLog {
  readonly address: LogAddress;
  /** Appends one decision's evidence; resolves with the signed receipt once it is durable. */
  append(request: AppendRequest, timing?: AppendTiming): Promise<Receipt>;
  /** The current tree head, or the head of the tree over the first `size` leaves. */
  treeHead(size?: number): Promise<TreeHead>;
  /** RFC 9162 PATH(leafIndex, D[0:treeSize]), leaf side first. */
  inclusionProof(leafIndex: number, treeSize: number): Promise<string[]>;
  /** RFC 9162 PROOF(m, D[0:n]); empty when m = n. */
  consistencyProof(m: number, n: number): Promise<string[]>;
  receiptBySeq(seq: number): Promise<Receipt | null>;
  receiptById(receiptId: string): Promise<Receipt | null>;
  /** Receipts with seq > afterSeq, in seq order (exact: served by the log, not the index). */
  listReceipts(afterSeq: number, limit: number): Promise<Receipt[]>;
  /**
   * The newest signed checkpoint. With `covering`, one whose tree_size ≥ covering (signed now if
   * the newest is smaller and the tree has grown that far). Null while the log is empty.
   */
  latestCheckpoint(covering?: number): Promise<SignedCheckpoint | null>;
  /** Feeds the D1 index up to the current head (waits at most waitMs), then reports where it stands. */
  syncIndex(waitMs?: number): Promise<IndexStatus>;
}

/** The Durable Object name of a log: unambiguous for every tenant id (the shard comes first). */
export function logObjectName(tenantId: string, shard: number): string {
  return `log/${shard}/${tenantId}`;
}

export const RECEIPT_CHAIN_UNAVAILABLE = 'RECEIPT_CHAIN_UNAVAILABLE';

/** An append the log has not answered within this long fails with 503 (ms). */
export const APPEND_DEADLINE_MS = 10_000;

/** A log the Worker could not reach, or that failed: nothing was recorded or allowed. */
export function logUnavailable(detail?: string): HallHttpError {
  return new HallHttpError(
    503,
    RECEIPT_CHAIN_UNAVAILABLE,
    `The tenant's evidence log could not be reached${detail ? ` (${detail.slice(0, 200)})` : ''}, so the Hall cannot confirm a receipt was recorded and nothing was allowed. Retry the request; a retry is a new decision.`,
  );
}

type LogStub = TenantLogRpc;

function unwrap<T>(r: RpcResult<T>): T {
  if (r.ok) return r.value;
  throw new HallHttpError(r.status, r.code, r.message);
}

/** Calls the object; an RPC failure (object unreachable, reset, overloaded) becomes 503. */
async function rpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HallHttpError) throw err;
    throw logUnavailable((err as Error)?.message);
  }
}

class ObjectTenantLog implements TenantLog {
  constructor(
    private readonly stub: LogStub,
    readonly address: LogAddress,
  ) {}

  async append(request: AppendRequest, timing?: AppendTiming): Promise<Receipt> {
    // A log that does not answer in time fails the call (nothing allowed). If its write lands
    // later, the chain simply holds a receipt nobody was answered with — never a gap or a fork.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(logUnavailable(`no answer within ${APPEND_DEADLINE_MS / 1000} s`)), APPEND_DEADLINE_MS);
    });
    const out = await rpc(() => Promise.race([this.stub.append(this.address, request), deadline])).finally(() => { if (timer !== undefined) clearTimeout(timer); });
    if (out.ok) {
      if (timing && out.timing) Object.assign(timing, out.timing);
      return out.receipt;
    }
    throw new HallHttpError(out.status, out.code, out.message, out.issues ? { issues: out.issues } : {});
  }
  async treeHead(size?: number): Promise<TreeHead> {
    return unwrap(await rpc(() => this.stub.treeHead(this.address, size)));
  }
  async inclusionProof(leafIndex: number, treeSize: number): Promise<string[]> {
    return unwrap(await rpc(() => this.stub.inclusionProof(this.address, leafIndex, treeSize)));
  }
  async consistencyProof(m: number, n: number): Promise<string[]> {
    return unwrap(await rpc(() => this.stub.consistencyProof(this.address, m, n)));
  }
  async receiptBySeq(seq: number): Promise<Receipt | null> {
    return unwrap(await rpc(() => this.stub.receiptBySeq(this.address, seq)));
  }
  async receiptById(receiptId: string): Promise<Receipt | null> {
    return unwrap(await rpc(() => this.stub.receiptById(this.address, receiptId)));
  }
  async listReceipts(afterSeq: number, limit: number): Promise<Receipt[]> {
    return unwrap(await rpc(() => this.stub.listReceipts(this.address, afterSeq, limit)));
  }
  async latestCheckpoint(covering?: number): Promise<SignedCheckpoint | null> {
    return unwrap(await rpc(() => this.stub.latestCheckpoint(this.address, covering)));
  }
  async syncIndex(waitMs?: number): Promise<IndexStatus> {
    return unwrap(await rpc(() => this.stub.syncIndex(this.address, waitMs)));
  }
}

/** The log of `tenantId`'s shard `shard` (of `shards`), through the HALL_LOG Durable Object binding. */
export function tenantLog(env: HallEnv, tenantId: string, shard = 0, shards = 1): TenantLog {
  const ns = env.HALL_LOG;
  if (!ns) throw logUnavailable('the HALL_LOG Durable Object binding is missing from wrangler.toml');
  const stub = ns.get(ns.idFromName(logObjectName(tenantId, shard))) as unknown as LogStub;
  return new ObjectTenantLog(stub, { tenantId, shard, shards });
}
