// Test-only tar helpers: appending files to an existing archive (the vector fixtures) so it
// carries its own manifest.json, and gzip. Entries come from the shared writer (test/support/tar.ts).
import { gzipSync } from 'node:zlib';
import { concatBytes } from '../../src/util/index.js';
import { EOF, file } from '../support/tar.js';

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
  return concatBytes([tar.subarray(0, end), ...files.map((f) => file(f.name, f.body)), EOF]);
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}
