// pax extended header records: "<length> <key>=<value>\n", the length counting the whole record.
// Parsed strictly: a malformed record is corruption, not the end of the header, because a
// lenient parser and a strict one would see different paths or sizes in the same bytes.
import { TarError } from '../errors.js';

/** Keys whose repetition in one header would make the entry ambiguous. */
const SINGLE_KEYS = new Set(['path', 'linkpath', 'size']);
const keyDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Returns key → raw value bytes (values stay bytes: `path` is decoded and checked by the caller). */
export function parsePaxRecords(data: Uint8Array, headerOffset: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const bad = (problem: string) =>
    new TarError('TAR_CORRUPT', `pax header at byte ${headerOffset}: ${problem}`, { offset: headerOffset });
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) {
      // NUL padding may end the header; anything else after it is corruption.
      for (let i = pos; i < data.length; i++) if (data[i] !== 0) throw bad('data after NUL padding');
      break;
    }
    let len = 0;
    let i = pos;
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && i - pos < 12) len = len * 10 + (data[i++]! - 0x30);
    if (i === pos || data[i] !== 0x20) throw bad('malformed record length');
    const end = pos + len;
    if (len < i - pos + 4 || end > data.length || data[end - 1] !== 0x0a) throw bad('record length does not match its content');
    const body = data.subarray(i + 1, end - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) throw bad('record without a key');
    let key: string;
    try {
      key = keyDecoder.decode(body.subarray(0, eq));
    } catch {
      throw bad('record key is not UTF-8');
    }
    if (SINGLE_KEYS.has(key) && out.has(key)) throw bad(`'${key}' given twice`);
    out.set(key, body.subarray(eq + 1));
    pos = end;
  }
  return out;
}

/** A pax `size` value: decimal digits only, within 2^53. */
export function parsePaxSize(value: Uint8Array, headerOffset: number): number {
  let n = 0;
  if (value.length === 0 || value.length > 16) throw new TarError('TAR_CORRUPT', `pax header at byte ${headerOffset}: invalid size`, { offset: headerOffset });
  for (const c of value) {
    if (c < 0x30 || c > 0x39) throw new TarError('TAR_CORRUPT', `pax header at byte ${headerOffset}: invalid size`, { offset: headerOffset });
    n = n * 10 + (c - 0x30);
  }
  return n;
}
