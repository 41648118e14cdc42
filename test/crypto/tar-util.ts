// Test-only tar helpers: a minimal ustar file entry, and appending files to an existing archive
// (the vector fixtures) so it carries its own manifest.json.
import { gzipSync } from 'node:zlib';

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function ustarFile(name: string, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number) => h.set(new TextEncoder().encode(s), off);
  put(name, 0);
  put(octal(0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(body.length, 12), 124);
  put(octal(0, 12), 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148);
  const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
  padded.set(body);
  const out = new Uint8Array(512 + padded.length);
  out.set(h);
  out.set(padded, 512);
  return out;
}

/** Offset of the end-of-archive marker of a well-formed tar. */
function endOfEntries(tar: Uint8Array): number {
  let off = 0;
  while (off + 512 <= tar.length) {
    const block = tar.subarray(off, off + 512);
    if (block.every((b) => b === 0)) return off;
    const sizeText = new TextDecoder().decode(block.subarray(124, 136)).replace(/\0.*$/s, '').trim();
    const size = parseInt(sizeText || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no end-of-archive marker');
}

export function appendToTar(tar: Uint8Array, files: { name: string; body: Uint8Array }[]): Uint8Array {
  const end = endOfEntries(tar);
  const parts = [tar.subarray(0, end), ...files.map((f) => ustarFile(f.name, f.body)), new Uint8Array(1024)];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}
