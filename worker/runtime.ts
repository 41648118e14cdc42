// Per-isolate state: the compiled rules/registry snapshot, the signer, the receipt-chain writers and
// a short-lived token cache. One runtime per `createHallWorker()`; the deployed worker has one.

export interface HallRuntimeOptions {
  /** How long a resolved bearer token is trusted without re-reading KV (ms). */
  tokenCacheMs?: number;
}

export class HallRuntime {
  readonly startedAt = new Date().toISOString();
  readonly tokenCacheMs: number;
  constructor(options: HallRuntimeOptions = {}) {
    this.tokenCacheMs = options.tokenCacheMs ?? 10_000;
  }
}
