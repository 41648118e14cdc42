// Embedding without a model: a hashed bag of words (the "hashing trick"). Each content word adds
// ±(1 + ln tf) to one of `dimensions` slots chosen by its FNV-1a hash (the sign from another hash
// bit, so collisions cancel rather than pile up); the vector is L2-normalised. Texts that share words
// get a high cosine similarity — enough for a demo search, and the same vector everywhere.
import { contentWords } from './text.js';

export const EMBED_MODEL = 'edgehall-demo/hashed-bow-v1';

/** 32-bit FNV-1a over the UTF-16 code units of `s`. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function embed(text: string, dimensions: number): number[] {
  const tf = new Map<string, number>();
  for (const w of contentWords(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
  const v = new Array<number>(dimensions).fill(0);
  for (const [w, n] of [...tf].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const h = fnv1a(w);
    v[h % dimensions]! += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(n));
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => round6(x / norm));
}
