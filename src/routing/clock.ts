// Timestamps in Python's `datetime.isoformat()` form (`2026-11-22T00:40:19.727546+00:00`, the
// fraction omitted when the microsecond is 0) and fast random ids. Both are injectable in decide().

let cachedSecond = NaN;
let cachedPrefix = '';

/** Formats epoch milliseconds (fractional ms carry microseconds) like Python isoformat() in UTC. */
export function isoTimestamp(epochMs: number): string {
  const us = Math.floor(epochMs * 1000);
  const sec = Math.floor(us / 1_000_000);
  const frac = us - sec * 1_000_000;
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  if (frac === 0) return cachedPrefix + '+00:00';
  return cachedPrefix + '.' + String(frac).padStart(6, '0') + '+00:00';
}

const hasPerf = typeof performance !== 'undefined' && typeof performance.now === 'function' && performance.timeOrigin > 0;

/** Current time in epoch milliseconds with sub-millisecond precision where the runtime offers it. */
export const defaultNow: () => number = hasPerf ? () => performance.timeOrigin + performance.now() : () => Date.now();

/** A random UUID v4 (WebCrypto). */
export const defaultNewId = (): string => crypto.randomUUID();
