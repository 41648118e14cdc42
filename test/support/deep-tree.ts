// Archives of many deep paths for the ingestion-bounds test and bench: `unique` gives every file
// its own chain of directories (nodes ~ entries x depth), `shared` puts every file in one chain
// (nodes ~ entries + depth). Both shapes have the same path lengths, entry count and bytes.
// Names travel in pax `path` records, as Python's tarfile and GNU tar write long names.
import { concatBytes } from '../../src/util/bytes.js';
import { EOF, entry, paxEntry } from './tar.js';

export interface DeepTreeOptions {
  shape: 'unique' | 'shared';
  entries: number;
  /** Approximate UTF-8 length of every path. */
  pathBytes: number;
  /** Length of each directory name. */
  segmentBytes: number;
}

export function deepTreeArchive(o: DeepTreeOptions): { archive: Uint8Array; files: { path: string; data: string }[] } {
  const dirs: string[] = [];
  let len = 8 + 11; // root segment + '/', file name
  for (let k = 0; len + o.segmentBytes + 1 <= o.pathBytes; k++) {
    dirs.push(String.fromCharCode(97 + (k % 26)).repeat(o.segmentBytes));
    len += o.segmentBytes + 1;
  }
  const chain = dirs.join('/');
  const id = (i: number) => String(i).padStart(6, '0');
  const files: { path: string; data: string }[] = [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < o.entries; i++) {
    const path = o.shape === 'unique' ? `u${id(i)}/${chain}/f${id(0)}.py` : `s${id(0)}/${chain}/f${id(i)}.py`;
    const data = `print(${i})\n`;
    files.push({ path, data });
    parts.push(paxEntry({ path }), entry({ name: 'x', data }));
  }
  parts.push(EOF);
  return { archive: concatBytes(parts), files };
}
