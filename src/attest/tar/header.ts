// One 512-byte tar header, parsed in place from whatever buffer it sits in (no copy).
// Only the fields the package hash depends on are decoded; everything else is metadata that
// pyhall ignores (mode, times, owners), so it is not validated either.
import { TarError } from '../errors.js';

export const BLOCK = 512;

export type HeaderFormat = 'ustar' | 'gnu';

export interface TarHeader {
  /** The type flag as a one-character string ('0', '5', 'x', 'L', '\0', ...). */
  typeflag: string;
  /** Raw bytes of the name field up to its first NUL (a 100-byte name has none). */
  name: Uint8Array;
  /** Raw bytes of the ustar prefix field (POSIX ustar/pax only; GNU keeps times there). */
  prefix: Uint8Array;
  linkname: Uint8Array;
  size: number;
  format: HeaderFormat;
}

/** True when the 512 bytes at `off` are all zero (an end-of-archive block). */
export function isZeroBlock(buf: Uint8Array, off: number): boolean {
  for (let i = off, end = off + BLOCK; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function field(buf: Uint8Array, off: number, len: number): Uint8Array {
  let end = off;
  const max = off + len;
  while (end < max && buf[end] !== 0) end++;
  return buf.subarray(off, end);
}

/**
 * A numeric field: octal digits with optional leading spaces and a NUL/space terminator (empty
 * reads as 0, as every tar implementation does), or GNU base-256 (high bit set) for huge values.
 * Negative base-256 values, stray characters and values past 2^53 are corrupt.
 */
export function parseNumber(buf: Uint8Array, off: number, len: number, what: string, headerOffset: number): number {
  const first = buf[off]!;
  if (first & 0x80) {
    if (first !== 0x80) throw corrupt(`negative ${what} in base-256 encoding`, headerOffset);
    let value = 0;
    for (let i = off + 1; i < off + len; i++) {
      value = value * 256 + buf[i]!;
      if (value > Number.MAX_SAFE_INTEGER) throw corrupt(`${what} too large`, headerOffset);
    }
    return value;
  }
  let i = off;
  const end = off + len;
  while (i < end && buf[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  // After the digits only terminators may follow: spaces, then a NUL that ends the field.
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0) break;
    if (c !== 0x20) throw corrupt(`${what} field is not an octal number`, headerOffset);
  }
  if (digits > 17) throw corrupt(`${what} too large`, headerOffset);
  return value;
}

function corrupt(problem: string, headerOffset: number): TarError {
  return new TarError('TAR_CORRUPT', `Tar header at byte ${headerOffset}: ${problem}`, { offset: headerOffset });
}

function signedChecksum(buf: Uint8Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : buf[off + i]!;
    sum += b > 127 ? b - 256 : b;
  }
  return sum;
}

/** Parses and checksums the header at `buf[off..off+512]`; `headerOffset` is its place in the stream. */
export function parseHeader(buf: Uint8Array, off: number, headerOffset: number): TarHeader {
  // Checksum: the sum of all header bytes with the checksum field read as spaces. Both unsigned
  // (POSIX) and signed-char (historic) sums are accepted, as by GNU tar and Python.
  let unsigned = 8 * 0x20;
  for (let i = off, end = off + 148; i < end; i++) unsigned += buf[i]!;
  for (let i = off + 156, end = off + BLOCK; i < end; i++) unsigned += buf[i]!;
  if (buf[off + 148]! & 0x80) throw corrupt('checksum field is not an octal number', headerOffset);
  const stored = parseNumber(buf, off + 148, 8, 'checksum', headerOffset);
  if (stored !== unsigned && stored !== signedChecksum(buf, off)) throw corrupt('header checksum mismatch', headerOffset);

  // Magic: POSIX "ustar\0" (ustar and pax) or old GNU "ustar  \0". Pre-POSIX v7 headers are refused.
  const m = off + 257;
  const isUstar = buf[m] === 0x75 && buf[m + 1] === 0x73 && buf[m + 2] === 0x74 && buf[m + 3] === 0x61 && buf[m + 4] === 0x72;
  if (!isUstar) throw corrupt('not a ustar, pax or GNU tar header', headerOffset);
  let format: HeaderFormat;
  if (buf[m + 5] === 0) format = 'ustar';
  else if (buf[m + 5] === 0x20 && buf[m + 6] === 0x20 && buf[m + 7] === 0) format = 'gnu';
  else throw corrupt('not a ustar, pax or GNU tar header', headerOffset);

  return {
    typeflag: String.fromCharCode(buf[off + 156]!),
    name: field(buf, off, 100),
    prefix: format === 'ustar' ? field(buf, off + 345, 155) : new Uint8Array(0),
    linkname: field(buf, off + 157, 100),
    size: parseNumber(buf, off + 124, 12, 'size', headerOffset),
    format,
  };
}
