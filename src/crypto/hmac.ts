// HMAC-SHA256, synchronous (@noble/hashes) so manifest checks never await and the browser
// verify bundle needs no WebCrypto HMAC import dance.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../util/bytes.js';

/** HMAC-SHA256 of `message` under `key`; a string key is used as its UTF-8 bytes (as pyhall does). */
export function hmacSha256(key: Uint8Array | string, message: Uint8Array | string): Uint8Array {
  const k = typeof key === 'string' ? utf8(key) : key;
  const m = typeof message === 'string' ? utf8(message) : message;
  return hmac(sha256, k, m);
}

/** Lowercase hex HMAC-SHA256, the spelling of pyhall's `signature_hmac_sha256`. */
export function hmacSha256Hex(key: Uint8Array | string, message: Uint8Array | string): string {
  return toHex(hmacSha256(key, message));
}
