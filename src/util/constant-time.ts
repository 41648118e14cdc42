// Constant-time comparison for secrets, MACs and tokens: the time taken never depends on where
// the first difference is.
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './bytes.js';

/** Equal-length byte strings compared without an early exit; different lengths are unequal. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Compares two strings (tokens, signatures) in constant time. Both sides are hashed first so
 * neither the length nor the content of the secret side leaks through timing.
 */
export function timingSafeEqualString(a: string, b: string): boolean {
  return timingSafeEqualBytes(sha256(utf8(a)), sha256(utf8(b)));
}
