import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256HexOfText } from '../../src/routing/sha256-text.js';

const ref = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('sha256HexOfText', () => {
  it('matches node:crypto for every length around the block boundaries', () => {
    for (let n = 0; n <= 300; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
      expect(sha256HexOfText(s)).toBe(ref(s));
    }
  });
  it('matches on control characters, DEL and long inputs (the buffer grows)', () => {
    const s = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(i % 128)).join('');
    expect(sha256HexOfText(s)).toBe(ref(s));
    expect(sha256HexOfText(s.repeat(40))).toBe(ref(s.repeat(40)));
  });
  it('hashes the UTF-8 bytes of non-ASCII text, lone surrogates as U+FFFD', () => {
    for (const s of ['é', '\ud83d\ude00', 'a\u00ffb', 'x'.repeat(63) + '\u2028', '\ud800', 'é'.repeat(40), '\u4e2d'.repeat(30)])
      expect(sha256HexOfText(s)).toBe(ref(s));
  });
  it('the remembered first block is reused only when all of its 64 bytes match', () => {
    const head = '{"blast_radius": null, "blast_score": null, "capability_id": "ca';
    const a = head + 'p.one", "rest": 1}';
    const b = head + 'p.two", "rest": 2}';
    const c = head.slice(0, 63) + 'X' + 'p.one", "rest": 1}';
    const d = 'é' + head.slice(2) + 'p.one"}'; // same length in bytes, different first block
    for (const s of [a, b, a, c, a, d, b, head, head + 'x', a]) expect(sha256HexOfText(s)).toBe(ref(s));
  });
});
