// Package hashing throughput: MB/s of the tar reader + canonical hash over a 64 MiB single-file
// archive and 1000 files of 4 KiB, as .tar and .tgz, next to node:crypto SHA-256 and
// `openssl sha256` of the same bytes in the same run, plus peak memory per measurement
// (each in its own process). Also the per-file engine threshold (noble vs WebCrypto).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, file, tar } from '../test/attest-hash/tar-writer.js';

const CHILD = fileURLToPath(new URL('./hash-child.ts', import.meta.url));
const MiB = 1024 * 1024;

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
    out[i + 1] = x >>> 8;
    out[i + 2] = x >>> 16;
    out[i + 3] = x >>> 24;
  }
  return out;
}

/** Source-code-like text: compresses like a real package (~4x), unlike random bytes. */
function textLike(n: number, seed: number): Uint8Array {
  const words = ['const', 'return', 'function', 'value', 'if', 'await', 'import', 'export', '(', ')', '{', '}', ';', '\n  ', 'data', 'hash'];
  const r = pseudoRandom(n, seed);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = enc.encode(words[r[i % n]! & 15]! + ' ' + (r[(i * 7) % n]! % 100));
    parts.push(w);
    len += w.length;
  }
  return concat(parts).subarray(0, n);
}

interface ChildResult {
  ms: number;
  hash: string;
  rssPeakDeltaMiB: number;
  heapPeakDeltaMiB: number;
}

function child(mode: string, path: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function openssl(path: string): number | null {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync('openssl', ['sha256', path], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

async function engineThreshold(): Promise<void> {
  console.log('\nper-file engine (Node, MiB/s of file bytes; WebCrypto includes the copy into one buffer):');
  console.log('  size      noble   webcrypto');
  for (const size of [1024, 4096, 8192, 16384, 65536, MiB]) {
    const buf = pseudoRandom(size, size);
    const n = Math.max(8, Math.floor((32 * MiB) / size));
    let t = performance.now();
    for (let i = 0; i < n; i++) sha256.create().update(buf).digest();
    const noble = mbps(n * size, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < n; i++) {
      const c = new Uint8Array(size);
      c.set(buf);
      await crypto.subtle.digest('SHA-256', c);
    }
    const web = mbps(n * size, performance.now() - t);
    console.log(`  ${String(size).padStart(7)}  ${noble.toFixed(0).padStart(6)}  ${web.toFixed(0).padStart(9)}`);
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'edgehall-bench-hash-'));
  try {
    const big = tar(file('model.bin', pseudoRandom(64 * MiB, 7)));
    const small = tar(...Array.from({ length: 1000 }, (_, i) => file(`src/m${Math.floor(i / 50)}/f${i}.js`, textLike(4096, i + 1))));
    const archives: [string, Uint8Array][] = [
      ['64MiB-1file.tar', big],
      ['64MiB-1file.tgz', gzipSync(big, { level: 6 })],
      ['1000x4KiB.tar', small],
      ['1000x4KiB.tgz', gzipSync(small, { level: 6 })],
    ];
    console.log(`Node ${process.version}; figures are the best of 3 runs, MiB/s of tar (inflated) bytes;`);
    console.log('ratio = time / openssl sha256 time on the same file (lower is better; goal for .tar: <= 2).');
    console.log('"ingest/noble" is the web-standard default (noble + WebCrypto per file); "ingest/node" injects node:crypto.\n');
    console.log('archive            tar MiB  openssl  node:crypto  ingest/node (ratio)   ingest/noble (ratio)   peak RSS node/noble  heap Δ');
    for (const [name, bytes] of archives) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const tarBytes = name.endsWith('.tgz') ? (name.startsWith('64') ? big.length : small.length) : bytes.length;
      const ssl = openssl(path);
      const nodeC = child('node-crypto', path);
      const ingNode = child('ingest-node', path);
      const ingNoble = child('ingest-default', path);
      if (ingNode.hash !== ingNoble.hash) throw new Error(`engines disagree on ${name}`);
      const sslStr = ssl === null ? '   n/a' : mbps(statSync(path).size, ssl).toFixed(0).padStart(6);
      const ratio = (ms: number) => (ssl === null ? 'n/a' : (ms / ssl).toFixed(2) + 'x');
      console.log(
        `${name.padEnd(18)} ${(tarBytes / MiB).toFixed(1).padStart(6)}  ${sslStr}  ${mbps(statSync(path).size, nodeC.ms).toFixed(0).padStart(11)}  ` +
          `${mbps(tarBytes, ingNode.ms).toFixed(0).padStart(5)} (${ratio(ingNode.ms).padStart(6)})   ${mbps(tarBytes, ingNoble.ms).toFixed(0).padStart(5)} (${ratio(ingNoble.ms).padStart(6)})` +
          `   ${ingNode.rssPeakDeltaMiB.toFixed(1).padStart(6)} / ${ingNoble.rssPeakDeltaMiB.toFixed(1).padStart(5)} MiB  ${ingNoble.heapPeakDeltaMiB.toFixed(1)} MiB`,
      );
    }
    console.log('\n(openssl and node:crypto hash the file as stored — for .tgz the compressed bytes; the ingest columns');
    console.log(' inflate, parse and hash every file, and their MiB/s counts inflated tar bytes.)');
    await engineThreshold();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
