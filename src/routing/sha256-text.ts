// SHA-256 of a string's UTF-8 bytes, hex-encoded, synchronously and fast: the artifact hash is the
// largest single cost of a decision. The string is encoded with one native encodeInto into a reused
// buffer, and the state after the first 64-byte block is remembered: artifact-hash preimages begin
// with the same block (`{"blast_radius": null, "blast_score": null, "capability_id": "ca`), so most
// calls skip it. Checked against node:crypto in tests.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
const W = new Int32Array(64);
const H = new Int32Array(8);
/** The message, padded; grown (never shrunk) for longer strings. */
let buf = new Uint8Array(1024);
/** The last message's first block and the state after it. */
const firstBlock = new Uint8Array(64);
const afterFirst = new Int32Array(8);
let haveFirst = false;

/** One compression of the 64-byte block at `off` into H. */
function compress(m: Uint8Array, off: number): void {
  for (let i = 0, p = off; i < 16; i++, p += 4) W[i] = (m[p]! << 24) | (m[p + 1]! << 16) | (m[p + 2]! << 8) | m[p + 3]!;
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + (g ^ (e & (f ^ g))) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** True when the message's first block equals the remembered one. */
function sameFirstBlock(m: Uint8Array): boolean {
  if (!haveFirst) return false;
  for (let i = 0; i < 64; i++) if (m[i] !== firstBlock[i]) return false;
  return true;
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `s` (lone surrogates as U+FFFD, like TextEncoder). */
export function sha256HexOfText(s: string): string {
  // At most 3 UTF-8 bytes per UTF-16 code unit, plus 0x80, padding and the 8-byte length.
  const need = s.length * 3 + 72;
  if (buf.length < need) buf = new Uint8Array(need);
  const m = buf;
  const len = encoder.encodeInto(s, m).written;
  const end = (((len + 8) >>> 6) + 1) << 6;
  m[len] = 0x80;
  m.fill(0, len + 1, end - 8);
  const bits = len * 8;
  const hi = Math.floor(bits / 0x100000000);
  m[end - 8] = hi >>> 24;
  m[end - 7] = hi >>> 16;
  m[end - 6] = hi >>> 8;
  m[end - 5] = hi;
  m[end - 4] = bits >>> 24;
  m[end - 3] = bits >>> 16;
  m[end - 2] = bits >>> 8;
  m[end - 1] = bits;
  let off = 0;
  if (len >= 64) {
    // The first block holds message bytes only, so its state can be shared between messages.
    if (sameFirstBlock(m)) H.set(afterFirst);
    else {
      H.set(IV);
      compress(m, 0);
      firstBlock.set(m.subarray(0, 64));
      afterFirst.set(H);
      haveFirst = true;
    }
    off = 64;
  } else H.set(IV);
  for (; off < end; off += 64) compress(m, off);
  let out = '';
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out += HEX[(v >>> 24) & 0xff]! + HEX[(v >>> 16) & 0xff]! + HEX[(v >>> 8) & 0xff]! + HEX[v & 0xff]!;
  }
  return out;
}
