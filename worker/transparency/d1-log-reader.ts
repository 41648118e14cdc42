// Interim log reader over the D1 `receipts` table, for a Hall without the per-tenant Durable
// Object log (no HALL_LOG binding). Each isolate keeps a tenant's leaves (the 32 raw bytes of each
// receipt_hash, seq order) and reads only the rows past them, checking on every read that D1's row
// at the cached size still holds the cached hash (a truncated or rewritten table drops the cache).
// Roots and proofs are computed from scratch (src/log/merkle.ts): O(n) hashes each, so this reader
// serves logs of at most D1_LOG_MAX_LEAVES receipts and refuses larger ones with 503 LOG_TOO_LARGE.
import { consistencyProof, inclusionProof, merkleRoot, toBase64Std } from '../../src/log/index.js';
import type { Receipt } from '../../src/receipts/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import type { RequestContext } from '../context.js';
import { HallHttpError } from '../http/problem.js';
import type { TreeHead } from '../log/tenant-log.js';
import type { HallRuntime } from '../runtime.js';
import { StoreUnavailableError } from '../stores/errors.js';
import { rangeInvalid } from './errors.js';
import type { LogReader } from './log-reader.js';

/** The largest log this reader serves (a proof costs about 2 × this many SHA-256 at the limit). */
export const D1_LOG_MAX_LEAVES = 16_384;
/** Leaves an isolate keeps over all tenants (about 100 bytes each); least recently used tenants go first. */
export const D1_LOG_CACHE_LEAVES = 65_536;
/** Rows per D1 read. */
const PAGE = 1000;

interface TenantLeaves {
  leaves: Uint8Array[];
  /** The root of the tree over all cached leaves, once computed. */
  root?: { size: number; root: string };
}

const caches = new WeakMap<HallRuntime, Map<string, TenantLeaves>>();

function cacheOf(runtime: HallRuntime): Map<string, TenantLeaves> {
  let c = caches.get(runtime);
  if (!c) caches.set(runtime, (c = new Map()));
  return c;
}

function tooLarge(): HallHttpError {
  return new HallHttpError(
    503,
    'LOG_TOO_LARGE',
    `This tenant's log has more than ${D1_LOG_MAX_LEAVES} receipts, the most this Hall serves checkpoints and proofs for from D1. Enable the per-tenant Durable Object log (the HALL_LOG binding in wrangler.toml), which serves any size.`,
  );
}

class D1LogReader implements LogReader {
  constructor(
    private readonly ctx: RequestContext,
    private readonly tenantId: string,
  ) {}

  /** The tenant's leaves, brought up to D1's head. */
  private async sync(): Promise<TenantLeaves> {
    const cache = cacheOf(this.ctx.runtime);
    let entry = cache.get(this.tenantId) ?? { leaves: [] };
    // Most recently used last: eviction walks from the front.
    cache.delete(this.tenantId);
    cache.set(this.tenantId, entry);
    let restarted = false;
    for (;;) {
      const from = Math.max(entry.leaves.length, 1);
      let rows: { seq: number; receipt_hash: string }[];
      try {
        ({ results: rows } = await this.ctx.env.HALL_DB.prepare('SELECT seq, receipt_hash FROM receipts WHERE tenant_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3')
          .bind(this.tenantId, from, PAGE)
          .all<{ seq: number; receipt_hash: string }>());
      } catch (err) {
        throw new StoreUnavailableError('d1', 'logLeaves', err);
      }
      let consistent = true;
      for (const row of rows) {
        const known = entry.leaves[row.seq - 1];
        if (known) {
          if (toHex(known) !== row.receipt_hash) consistent = false;
        } else if (row.seq === entry.leaves.length + 1 && /^[0-9a-f]{64}$/.test(row.receipt_hash)) {
          entry.leaves.push(fromHex(row.receipt_hash));
        } else {
          consistent = false;
        }
        if (!consistent) break;
      }
      // D1 no longer holds what this isolate saw at its size (or skips a seq): start over from seq 1.
      if (!consistent || (entry.leaves.length > 0 && rows.length === 0 && from === entry.leaves.length)) {
        if (restarted) throw new HallHttpError(503, 'RECEIPT_CHAIN_UNAVAILABLE', "The tenant's receipt chain in D1 has a gap, so the Hall cannot build its Merkle tree. Check the receipts table.");
        restarted = true;
        entry = { leaves: [] };
        cache.set(this.tenantId, entry);
        continue;
      }
      if (entry.leaves.length > D1_LOG_MAX_LEAVES) {
        cache.delete(this.tenantId);
        throw tooLarge();
      }
      if (rows.length < PAGE) break;
    }
    this.evict(cache);
    return entry;
  }

  private evict(cache: Map<string, TenantLeaves>): void {
    let total = 0;
    for (const e of cache.values()) total += e.leaves.length;
    for (const [tenant, e] of cache) {
      if (total <= D1_LOG_CACHE_LEAVES || tenant === this.tenantId) break;
      total -= e.leaves.length;
      cache.delete(tenant);
    }
  }

  async treeHead(size?: number): Promise<TreeHead> {
    const entry = await this.sync();
    const n = entry.leaves.length;
    const want = size ?? n;
    if (!Number.isSafeInteger(want) || want < 0 || want > n) throw rangeInvalid(`The log has ${n} leaves: ask for a tree size from 0 to ${n}.`);
    if (want === n && entry.root?.size === n) return { size: n, root: entry.root.root };
    const root = toBase64Std(merkleRoot(entry.leaves, want));
    if (want === n) entry.root = { size: n, root };
    return { size: want, root };
  }

  async inclusionProof(leafIndex: number, treeSize: number): Promise<string[]> {
    const { leaves } = await this.sync();
    if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > leaves.length) {
      throw rangeInvalid(`The log has ${leaves.length} leaves: an inclusion proof is for a tree size from 1 to ${leaves.length}.`);
    }
    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) throw rangeInvalid(`Leaf ${leafIndex} is not in a tree of ${treeSize} leaves.`);
    return inclusionProof(leaves, leafIndex, treeSize).map(toBase64Std);
  }

  async consistencyProof(m: number, n: number): Promise<string[]> {
    const { leaves } = await this.sync();
    if (!Number.isSafeInteger(n) || n < 1 || n > leaves.length) throw rangeInvalid(`The log has ${leaves.length} leaves: a consistency proof ends at a tree size from 1 to ${leaves.length}.`);
    if (!Number.isSafeInteger(m) || m < 1 || m > n) throw rangeInvalid(`A consistency proof goes from a tree size from 1 to ${n} (the newer size); got ${m}.`);
    return consistencyProof(leaves, m, n).map(toBase64Std);
  }

  async receiptById(receiptId: string): Promise<Receipt | null> {
    const row = await this.ctx.stores.evidence.getReceipt(receiptId);
    if (!row || row.tenant_id !== this.tenantId) return null;
    return JSON.parse(row.receipt_json) as Receipt;
  }
}

export function d1LogReader(ctx: RequestContext, tenantId: string): LogReader {
  return new D1LogReader(ctx, tenantId);
}
