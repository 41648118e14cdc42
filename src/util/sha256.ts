// SHA-256 helpers. Synchronous (@noble/hashes) so the decision path never awaits.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from './bytes.js';

export { sha256 };

export function sha256Hex(data: Uint8Array | string): string {
  return toHex(sha256(typeof data === 'string' ? utf8(data) : data));
}

/** `^[0-9a-f]{64}$` without Python's trailing-newline quirk. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
