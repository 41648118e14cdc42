// Thin WebCrypto helpers for the verify path. The browser verify bundle (12 KB gzip budget) uses
// the platform's SHA-256, HMAC and Ed25519 instead of shipping JavaScript implementations.
import { EdgehallError } from '../util/errors.js';

/** WebCrypto's typings want an ArrayBuffer-backed view; copy only when the buffer is shared. */
export function arrayBufferView(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}

/** The runtime's SubtleCrypto, or a coded error (browsers expose it only in secure contexts). */
export function subtleCrypto(): SubtleCrypto {
  // The bare global is typed by both the DOM lib and workers-types; `typeof` guards old runtimes.
  const s = typeof crypto === 'undefined' ? undefined : crypto.subtle;
  if (!s) {
    throw new EdgehallError('CRYPTO_UNAVAILABLE', 'WebCrypto (crypto.subtle) is not available: use a secure (https) context or a current runtime.');
  }
  return s;
}

export async function sha256Async(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtleCrypto().digest('SHA-256', arrayBufferView(data)));
}

/** Constant-time HMAC-SHA256 check by the platform (`crypto.subtle.verify`). */
export async function hmacSha256VerifyAsync(key: Uint8Array, message: Uint8Array, mac: Uint8Array): Promise<boolean> {
  const s = subtleCrypto();
  const k = await s.importKey('raw', arrayBufferView(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return s.verify('HMAC', k, arrayBufferView(mac), arrayBufferView(message));
}
