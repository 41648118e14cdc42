// Which log a request writes to and reads from: the tenant's shard count (tenant record `shards`,
// default 1), the shard an append goes to, and the logs this isolate appended to lately (so a
// cross-tenant read can wait for their index rows: read-your-writes within an isolate).
import type { RequestContext } from '../context.js';
import { KV, parseJsonObject } from '../stores/config-store.js';
import { readIndexLag, type IndexLag } from './evidence-index.js';
import { MAX_LOG_SHARDS, tenantLog, type TenantLog } from './tenant-log.js';

/** How long a tenant's shard count is trusted without re-reading its record (ms). */
const SHARDS_CACHE_MS = 10_000;
/** How long the index lag read for /wcp/health is reused (ms): one D1 query per isolate per second. */
const LAG_CACHE_MS = 1000;
/** How long an append keeps its log on the recently-written list (ms), and how many logs it holds. */
const RECENT_MS = 10_000;
const RECENT_MAX = 64;

/** Opens the log of a tenant's shard. */
export type LogOpener = (ctx: RequestContext, tenantId: string, shard: number, shards: number) => TenantLog;

export const openDurableObjectLog: LogOpener = (ctx, tenantId, shard, shards) => tenantLog(ctx.env, tenantId, shard, shards);

/** Per-isolate: shard counts of tenant records, and the logs appended to lately. */
export class LogDirectory {
  private readonly shardCounts = new Map<string, { shards: number; until: number }>();
  private readonly recent = new Map<string, { tenantId: string; shard: number; shards: number; at: number; appended: number; indexed: number }>();

  private lag: { value: IndexLag | null; until: number } | null = null;

  constructor(readonly open: LogOpener = openDurableObjectLog) {}

  /** How far the D1 index trails the logs (as each log last reported it); null when D1 cannot be read. */
  async indexLag(ctx: RequestContext): Promise<IndexLag | null> {
    const now = Date.now();
    if (this.lag && this.lag.until > now) return this.lag.value;
    const value = await readIndexLag(ctx.env.HALL_DB).catch(() => null);
    this.lag = { value, until: now + LAG_CACHE_MS };
    return value;
  }

  /** The tenant's shard count: `shards` of its record (1 when absent, unreadable, or no record). */
  async shardsOf(ctx: RequestContext, tenantId: string): Promise<number> {
    const now = Date.now();
    const hit = this.shardCounts.get(tenantId);
    if (hit && hit.until > now) return hit.shards;
    const rec = parseJsonObject(await ctx.stores.config.get(KV.tenant(tenantId)));
    const raw = rec?.['shards'];
    const shards = typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= MAX_LOG_SHARDS ? raw : 1;
    if (this.shardCounts.size >= 1000) this.shardCounts.clear();
    this.shardCounts.set(tenantId, { shards, until: now + SHARDS_CACHE_MS });
    return shards;
  }

  /** The log a new decision of this tenant goes to: any shard (they are independent chains). */
  async forAppend(ctx: RequestContext, tenantId: string): Promise<TenantLog> {
    const shards = await this.shardsOf(ctx, tenantId);
    const shard = shards > 1 ? Math.floor(Math.random() * shards) : 0;
    return this.open(ctx, tenantId, shard, shards);
  }

  /** Every log of the tenant (shard 0 first). */
  async all(ctx: RequestContext, tenantId: string): Promise<TenantLog[]> {
    const shards = await this.shardsOf(ctx, tenantId);
    return Array.from({ length: shards }, (_, k) => this.open(ctx, tenantId, k, shards));
  }

  /** An append this isolate made (its receipt's seq): the log's index is behind until a sync says otherwise. */
  noteAppend(log: TenantLog, seq: number): void {
    const { tenantId, shard, shards } = log.address;
    const key = `${shard}/${tenantId}`;
    const known = this.recent.get(key);
    this.recent.delete(key);
    this.recent.set(key, { tenantId, shard, shards, at: Date.now(), appended: Math.max(seq, known?.appended ?? 0), indexed: known?.indexed ?? 0 });
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
  }

  /** A log reported where its index stands. */
  noteIndexed(log: TenantLog, indexedSize: number): void {
    const r = this.recent.get(`${log.address.shard}/${log.address.tenantId}`);
    if (r) r.indexed = Math.max(r.indexed, indexedSize);
  }

  /** The logs this isolate appended to within the last RECENT_MS whose index may not hold those appends yet. */
  recentLogs(ctx: RequestContext): TenantLog[] {
    const since = Date.now() - RECENT_MS;
    const out: TenantLog[] = [];
    for (const [key, r] of this.recent) {
      if (r.at < since) this.recent.delete(key);
      else if (r.indexed < r.appended) out.push(this.open(ctx, r.tenantId, r.shard, r.shards));
    }
    return out;
  }
}

/** How long a read waits for a log's index rows before answering from what D1 holds (ms). */
export const INDEX_WAIT_MS = 2000;

/**
 * Before a read of the D1 index: feeds the logs the read covers — every shard of `tenantId` (null:
 * none in particular) and the logs this isolate appended to lately that may not be indexed yet, so
 * a client that writes and then reads sees its writes — waiting at most INDEX_WAIT_MS. A log that
 * cannot be reached is skipped: the read then shows what D1 holds (the lag is in GET /wcp/health).
 */
export async function awaitIndex(ctx: RequestContext, tenantId: string | null): Promise<void> {
  const dir = ctx.runtime.logs;
  const named = tenantId === null ? [] : await dir.all(ctx, tenantId).catch((): TenantLog[] => []);
  const keys = new Set(named.map((l) => `${l.address.shard}/${l.address.tenantId}`));
  const logs = [...named, ...dir.recentLogs(ctx).filter((l) => !keys.has(`${l.address.shard}/${l.address.tenantId}`))];
  await Promise.all(
    logs.map((log) =>
      log.syncIndex(INDEX_WAIT_MS).then(
        (status) => dir.noteIndexed(log, status.indexed_size),
        () => undefined,
      ),
    ),
  );
}

/** At most this many named tenants have their logs caught up before a multi-tenant read; beyond that, the recent logs. */
const INDEX_WAIT_TENANTS = 8;

/** awaitIndex for a read over `tenants` (null = every tenant), as the dashboard views scope them. */
export async function awaitIndexOf(ctx: RequestContext, tenants: readonly string[] | null): Promise<void> {
  if (tenants === null || tenants.length > INDEX_WAIT_TENANTS || tenants.length === 0) return awaitIndex(ctx, null);
  await Promise.all(tenants.map((t) => awaitIndex(ctx, t)));
}
