import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256HexAscii } from '../../src/routing/sha256-ascii.js';

const ref = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('sha256HexAscii', () => {
  it('matches node:crypto for every length around the block boundaries', () => {
    for (let n = 0; n <= 300; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
      expect(sha256HexAscii(s)).toBe(ref(s));
    }
  });
  it('matches on control characters, DEL and long inputs', () => {
    const s = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(i % 128)).join('');
    expect(sha256HexAscii(s)).toBe(ref(s));
  });
  it('falls back correctly for non-ASCII text', () => {
    for (const s of ['é', '\ud83d\ude00', 'a\u00ffb', 'x'.repeat(63) + '\u2028']) expect(sha256HexAscii(s)).toBe(ref(s));
  });
});
