// Replay protection for verifyDispatch: the receipt ids a worker has already executed. A receipt
// only needs remembering until it would be refused as stale anyway, so entries carry an expiry.
// The default is a bounded in-memory set (one isolate / one process); a worker that runs on many
// instances passes its own shared store (a Durable Object, Redis, a database row with a unique key).

/**
 * What verifyDispatch needs from a replay store. `add` may return false to say "already present"
 * (an atomic insert-if-absent, the safe form for a shared store); `has` is then only a fast path.
 */
export interface DispatchSeenSet {
  has(receiptId: string): boolean | Promise<boolean>;
  add(receiptId: string, expiresAtMs: number): void | boolean | Promise<void | boolean>;
}

export class SeenSetFullError extends Error {
  constructor(readonly capacity: number) {
    super(`the replay cache holds ${capacity} unexpired receipts`);
    this.name = 'SeenSetFullError';
  }
}

/**
 * In-memory seen-set with expiry. When it is full of unexpired entries it refuses to add (throws
 * SeenSetFullError, which verifyDispatch reports as DISPATCH_REPLAY_CACHE_FULL): evicting a live
 * entry would let that receipt be replayed.
 */
export class MemorySeenSet implements DispatchSeenSet {
  private readonly entries = new Map<string, number>();
  constructor(
    readonly capacity = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(receiptId: string): boolean {
    const until = this.entries.get(receiptId);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.entries.delete(receiptId);
      return false;
    }
    return true;
  }

  add(receiptId: string, expiresAtMs: number): boolean {
    if (this.has(receiptId)) return false;
    if (this.entries.size >= this.capacity) this.sweep();
    if (this.entries.size >= this.capacity) throw new SeenSetFullError(this.capacity);
    this.entries.set(receiptId, expiresAtMs);
    return true;
  }

  /** Drops expired entries (Map keeps insertion order, which is close to expiry order). */
  private sweep(): void {
    const t = this.now();
    for (const [id, until] of this.entries) if (until <= t) this.entries.delete(id);
  }
}
