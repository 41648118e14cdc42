// Standard base64 (RFC 4648 §4, padded), as signed notes and proof hashes on the wire use it.
// Strict: one spelling per byte string, so a checkpoint or proof has exactly one encoding.
import { fromBase64Url, toBase64Url } from '../util/bytes.js';

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64Std(bytes: Uint8Array): string {
  const url = toBase64Url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return url + '='.repeat((4 - (url.length % 4)) % 4);
}

/** Decodes padded standard base64; throws TypeError on anything else (missing padding, URL alphabet, non-zero trailing bits). */
export function fromBase64Std(text: string): Uint8Array {
  if (typeof text !== 'string' || !STD.test(text)) throw new TypeError('invalid base64 string');
  return fromBase64Url(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
}
