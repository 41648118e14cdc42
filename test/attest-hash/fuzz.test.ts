// Seeded mutation fuzzing of the reader: every mutated archive must end in a hash or a TarError
// with a known code — never a crash, a hang or an unclassified exception — and the outcome must
// not depend on how the bytes are chunked.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestPackage, TarError, TAR_ERROR_CODES } from '../../src/attest/index.js';
import { mulberry32 } from '../support/prng.js';
import { fixture, loadCases, streamOf } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const MAX_CASES = Number(process.env.FUZZ_CASES ?? 2000);
const MAX_MS = Number(process.env.FUZZ_MS ?? 20_000);
const HANG_MS = 10_000;

/** Recomputes a header checksum so an edit gets past the checksum and reaches deeper code. */
function fixChecksum(buf: Uint8Array, off: number) {
  if (off + 512 > buf.length) return;
  buf.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + 512; i++) sum += buf[i]!;
  const s = sum.toString(8).padStart(6, '0');
  for (let i = 0; i < 6; i++) buf[off + 148 + i] = s.charCodeAt(i);
  buf[off + 154] = 0;
}

/** Offsets of blocks that look like headers (ustar magic). */
function headerOffsets(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let o = 0; o + 512 <= buf.length; o += 512) if (buf[o + 257] === 0x75 && buf[o + 258] === 0x73) out.push(o);
  return out;
}

const enc = new TextEncoder();
const FIELD_EDITS: ((h: Uint8Array, o: number, r: () => number) => void)[] = [
  (h, o, r) => h.set(enc.encode(Math.floor(r() * 8 ** 11).toString(8).padStart(11, '0')), o + 124), // size
  (h, o, r) => h.set(enc.encode(Math.floor(r() * 4096).toString(8).padStart(11, '0')), o + 124), // small size
  (h, o, r) => (h[o + 156] = '0125673xgLKSMV\0'.charCodeAt(Math.floor(r() * 15))), // typeflag
  (h, o, r) => (h[o + Math.floor(r() * 100)] = [0x2f, 0x2e, 0x0a, 0x00, 0xff, 0x5c][Math.floor(r() * 6)]!), // name byte
  (h, o, r) => h.set(enc.encode(['../', '/', './', 'a/', '..'][Math.floor(r() * 5)]!), o), // name start
  (h, o, r) => (h[o + 345 + Math.floor(r() * 20)] = 0x61 + Math.floor(r() * 3)), // prefix
  (h, o) => (h[o + 124] = 0x80), // base-256 size
  (h, o) => (h[o + 124] = 0xff),
];

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b = src.slice();
  const pick = (n: number) => Math.floor(r() * n);
  const rounds = 1 + pick(3);
  for (let k = 0; k < rounds; k++) {
    const heads = headerOffsets(b);
    switch (pick(7)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + pick(8); i < n && b.length; i++) b[pick(b.length)]! ^= 1 << pick(8);
        break;
      case 1: // truncation
        b = b.subarray(0, pick(b.length + 1)).slice();
        break;
      case 2: // header field edit with a valid checksum
      case 3: {
        if (!heads.length) break;
        const o = heads[pick(heads.length)]!;
        FIELD_EDITS[pick(FIELD_EDITS.length)]!(b, o, r);
        fixChecksum(b, o);
        break;
      }
      case 4: {
        // duplicate a block range
        const blocks = Math.floor(b.length / 512);
        if (!blocks) break;
        const s = pick(blocks) * 512;
        const len = (1 + pick(3)) * 512;
        const at = pick(blocks + 1) * 512;
        const out = new Uint8Array(b.length + Math.min(len, b.length - s));
        out.set(b.subarray(0, at));
        out.set(b.subarray(s, s + len), at);
        out.set(b.subarray(at), at + Math.min(len, b.length - s));
        b = out;
        break;
      }
      case 5: {
        // delete a block
        const blocks = Math.floor(b.length / 512);
        if (!blocks) break;
        const s = pick(blocks) * 512;
        const out = new Uint8Array(b.length - 512);
        out.set(b.subarray(0, s));
        out.set(b.subarray(s + 512), s);
        b = out;
        break;
      }
      case 6: // random bytes inside a pax / data area
        for (let i = 0, o = pick(b.length || 1); i < 16 && o + i < b.length; i++) b[o + i] = pick(256);
        break;
    }
  }
  return b;
}

type Outcome = string; // 'hash:<hex>' or 'err:<code>'

async function outcome(input: Uint8Array | ReadableStream<Uint8Array>): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('HANG: ingestPackage did not settle')), HANG_MS);
  });
  try {
    const r = await Promise.race([ingestPackage(input, { limits: { maxTotalBytes: 8 * 1024 * 1024 } }), hang]);
    expect(r.package_hash).toMatch(/^[0-9a-f]{64}$/);
    return `hash:${r.package_hash}`;
  } catch (e) {
    if (e instanceof TarError && (TAR_ERROR_CODES as readonly string[]).includes(e.code)) return `err:${e.code}`;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzz: seeded mutations of the vector archives', () => {
  it(`never crashes, hangs or throws unclassified errors (seed ${SEED})`, async () => {
    const seeds: Uint8Array[] = [];
    for (const c of loadCases()) {
      if (c.tar) seeds.push(fixture(c.tar));
    }
    const r = mulberry32(SEED);
    const started = Date.now();
    const seen = new Map<string, number>();
    let n = 0;
    let slowest = 0;
    for (; n < MAX_CASES && Date.now() - started < MAX_MS; n++) {
      const caseStart = performance.now();
      const base = seeds[Math.floor(r() * seeds.length)]!;
      let input = mutate(base, r);
      const mode = Math.floor(r() * 4);
      if (mode === 3) input = new Uint8Array(gzipSync(input)); // tar mutations behind gzip
      if (mode === 2) {
        // mutate the compressed bytes themselves
        input = new Uint8Array(gzipSync(base));
        input = mutate(input, r);
      }
      let got: Outcome;
      try {
        got = await outcome(input);
      } catch (e) {
        throw new Error(`case ${n} (seed ${SEED}) failed: ${(e as Error).stack}`);
      }
      // The same bytes in small irregular chunks must give the same outcome. Behind gzip only
      // "rejected" is stable: when the tar inside is bad AND the gzip is cut or corrupt, which of
      // the two is noticed first depends on how far the inflater ran ahead.
      if (n % 4 === 0) {
        const chunk = 1 + Math.floor(r() * 700);
        const again = await outcome(streamOf(input, chunk));
        if (mode >= 2 && got.startsWith('err:')) expect(again, `case ${n}, chunk ${chunk}`).toMatch(/^err:/);
        else expect(again, `case ${n}, chunk ${chunk}`).toBe(got);
      }
      slowest = Math.max(slowest, performance.now() - caseStart);
      const key = got.startsWith('hash') ? 'hash' : got;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // The mutations must reach deep enough to exercise most outcomes, not just checksum failures.
    expect(n).toBeGreaterThan(200);
    expect(seen.size).toBeGreaterThanOrEqual(6);
    console.log(`fuzz: ${n} cases in ${Date.now() - started} ms, slowest ${slowest.toFixed(0)} ms`, Object.fromEntries(seen));
  }, MAX_MS + 40_000);
});
