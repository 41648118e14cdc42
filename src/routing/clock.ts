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
// The origin does not change during the process's life: read it once, not on every decision.
const timeOrigin = hasPerf ? performance.timeOrigin : 0;

/** Current time in epoch milliseconds with sub-millisecond precision where the runtime offers it. */
export const defaultNow: () => number = hasPerf ? () => timeOrigin + performance.now() : () => Date.now();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes for 256 ids at a time (WebCrypto's CSPRNG, as crypto.randomUUID itself uses).
const pool = new Uint8Array(4096);
let poolAt = pool.length;

/** A random UUID v4 (RFC 9562: version 4, variant 10), from WebCrypto random bytes drawn 4 KiB at a time. */
export const defaultNewId = (): string => {
  if (poolAt === pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const b = pool;
  const i = poolAt;
  poolAt += 16;
  return (
    HEX[b[i]!]! + HEX[b[i + 1]!]! + HEX[b[i + 2]!]! + HEX[b[i + 3]!]! + '-' +
    HEX[b[i + 4]!]! + HEX[b[i + 5]!]! + '-' +
    HEX[(b[i + 6]! & 0x0f) | 0x40]! + HEX[b[i + 7]!]! + '-' +
    HEX[(b[i + 8]! & 0x3f) | 0x80]! + HEX[b[i + 9]!]! + '-' +
    HEX[b[i + 10]!]! + HEX[b[i + 11]!]! + HEX[b[i + 12]!]! + HEX[b[i + 13]!]! + HEX[b[i + 14]!]! + HEX[b[i + 15]!]!
  );
};
