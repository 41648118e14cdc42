// Per-isolate state: the compiled rules/registry snapshot, the signer, what the isolate knows of the
// tenant logs, and a short-lived token cache. One runtime per `createHallWorker()`; the deployed worker has one.
import { TokenCache } from './http/auth.js';
import { SignerCache } from './signer.js';
import { SnapshotCache } from './snapshot.js';
import type { Dispatcher } from './dispatch/types.js';
import { LogDirectory } from './log/log-directory.js';

export interface HallRuntimeOptions {
  /** How long a resolved bearer token is trusted without re-reading KV (ms). */
  tokenCacheMs?: number;
  /** Replaces the MCP gateway's dispatcher (tests: a dispatcher without a network). */
  dispatcher?: Dispatcher;
}

export class HallRuntime {
  readonly startedAt = new Date().toISOString();
  readonly tokens: TokenCache;
  readonly signer = new SignerCache();
  readonly snapshots: SnapshotCache;
  /** The tenant logs (Durable Objects): shard counts and the logs this isolate appended to lately. */
  readonly logs: LogDirectory;
  readonly dispatcher: Dispatcher | undefined;
  constructor(options: HallRuntimeOptions = {}) {
    this.dispatcher = options.dispatcher;
    this.tokens = new TokenCache(options.tokenCacheMs ?? 10_000);
    // A new generation may have revoked tokens or changed tenant facts: resolve principals again.
    this.snapshots = new SnapshotCache(2_000, () => this.tokens.clear());
    this.logs = new LogDirectory();
  }

  /** After a configuration write in this isolate: reload the snapshot and re-read tokens now. */
  configChanged(): void {
    this.snapshots.invalidate();
    this.tokens.clear();
  }
}
