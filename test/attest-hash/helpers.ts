import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'vectors');

export interface VectorCase {
  name: string;
  category: string;
  tar: string | null;
  tgz: string | null;
  root_prefix: string;
  expected:
    | { package_hash: string; records: { path: string; size: number; sha256: string }[]; excluded_entries: string[] }
    | { reject: true; why: string; reference_package_hash?: string };
  expected_verify: unknown;
}

export function loadCases(): VectorCase[] {
  return JSON.parse(readFileSync(join(VECTORS_DIR, 'index.json'), 'utf8')) as VectorCase[];
}

export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS_DIR, rel)));
}

/** A ReadableStream delivering `bytes` in chunks of `size`. */
export function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
  });
}
