// A tiny tar writer for tests and the bench: builds exactly the (possibly hostile) headers a case
// needs. Not a general-purpose archiver. Web-standard only: the workerd suites import it too.
import { concatBytes } from '../../src/util/bytes.js';

const enc = new TextEncoder();

export interface RawEntry {
  name?: string | Uint8Array;
  typeflag?: string;
  data?: Uint8Array | string;
  /** Override the size field (defaults to the data length). */
  size?: number;
  /** Write the size field verbatim (12 bytes) instead of octal. */
  sizeField?: Uint8Array;
  linkname?: string;
  prefix?: string;
  /** 'ustar' (POSIX, default), 'gnu' (old GNU magic) or 'v7' (no magic). */
  format?: 'ustar' | 'gnu' | 'v7';
  /** Corrupt the checksum. */
  badChecksum?: boolean;
  /** Pad the data to a block with this byte (default 0). */
  padByte?: number;
}

function bytesOf(v: Uint8Array | string | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  return typeof v === 'string' ? enc.encode(v) : v;
}

function putOctal(h: Uint8Array, off: number, len: number, value: number) {
  const s = value.toString(8).padStart(len - 1, '0');
  h.set(enc.encode(s.slice(-(len - 1))), off);
  h[off + len - 1] = 0;
}

export function header(e: RawEntry): Uint8Array {
  const h = new Uint8Array(512);
  const name = bytesOf(e.name ?? 'file.txt');
  h.set(name.subarray(0, 100), 0);
  putOctal(h, 100, 8, 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  const data = bytesOf(e.data);
  if (e.sizeField) h.set(e.sizeField.subarray(0, 12), 124);
  else putOctal(h, 124, 12, e.size ?? data.length);
  putOctal(h, 136, 12, 0);
  h[156] = (e.typeflag ?? '0').charCodeAt(0);
  h.set(enc.encode(e.linkname ?? '').subarray(0, 100), 157);
  const format = e.format ?? 'ustar';
  if (format === 'ustar') {
    h.set(enc.encode('ustar\u000000'), 257);
    h.set(enc.encode(e.prefix ?? '').subarray(0, 155), 345);
  } else if (format === 'gnu') h.set(enc.encode('ustar  \u0000'), 257);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (e.badChecksum) sum += 1;
  const cs = sum.toString(8).padStart(6, '0');
  h.set(enc.encode(cs), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

export function entry(e: RawEntry): Uint8Array {
  const data = bytesOf(e.data);
  const padded = Math.ceil(data.length / 512) * 512;
  const out = new Uint8Array(512 + padded);
  out.set(header(e));
  out.set(data, 512);
  if (e.padByte) out.fill(e.padByte, 512 + data.length);
  return out;
}

export function paxRecords(records: Record<string, string | Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = concatBytes([enc.encode(` ${k}=`), bytesOf(v), enc.encode('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(concatBytes([enc.encode(String(len)), body]));
  }
  return concatBytes(parts);
}

export function paxEntry(records: Record<string, string | Uint8Array>, typeflag = 'x'): Uint8Array {
  return entry({ name: 'PaxHeaders/x', typeflag, data: paxRecords(records) });
}

export function gnuLongName(name: string | Uint8Array, typeflag = 'L'): Uint8Array {
  return entry({ name: '././@LongLink', typeflag, data: concatBytes([bytesOf(name), new Uint8Array(1)]), format: 'gnu' });
}

export const EOF = new Uint8Array(1024);

export function file(name: string, data: string | Uint8Array = ''): Uint8Array {
  return entry({ name, data });
}

export function dir(name: string): Uint8Array {
  return entry({ name, typeflag: '5' });
}

/** A complete archive: entries, then two zero blocks. */
export function tar(...entries: Uint8Array[]): Uint8Array {
  return concatBytes([...entries, EOF]);
}

/** A complete archive of regular files, in the record's order. */
export function tarFiles(files: Record<string, string | Uint8Array>): Uint8Array {
  return tar(...Object.entries(files).map(([name, data]) => file(name, data)));
}
