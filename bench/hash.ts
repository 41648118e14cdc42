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
import { ingestPackage, NOBLE_DIGEST_MAX_BYTES } from '../src/attest/index.js';
import { concatBytes } from '../src/util/index.js';
import { file, tar } from '../test/support/tar.js';

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
  return concatBytes(parts).subarray(0, n);
}

interface ChildResult {
  ms: number;
  hash: string;
  rssPeakDeltaMiB: number;
  heapPeakDeltaMiB: number;
}

function child(mode: string, path: string): ChildResult {
  // Small archives get more runs so the figure is the JIT-warm steady state of a busy server.
  const runs = statSync(path).size > 32 * MiB ? 3 : 15;
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode, path, String(runs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function openssl(path: string): number | null {
  let best = Infinity;
  // For .tgz the fair native peer inflates too: `gzip -dc | openssl sha256`.
  const gz = path.endsWith('.tgz');
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = gz
      ? spawnSync('sh', ['-c', 'gzip -dc "$1" | openssl sha256', 'sh', path], { encoding: 'utf8' })
      : spawnSync('openssl', ['sha256', path], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

async function engineThreshold(): Promise<void> {
  // End to end, so the await per WebCrypto call and the copy are counted: 500 files of each size,
  // hashed all with noble (injected) vs the default per-file choice (noble <= NOBLE_DIGEST_MAX_BYTES,
  // else WebCrypto), interleaved, best of 30.
  console.log(`\nper-file engine threshold (NOBLE_DIGEST_MAX_BYTES = ${NOBLE_DIGEST_MAX_BYTES}): 500 files, ms, best of 30`);
  console.log('  file size   all-noble   WebCrypto-per-file');
  const sizes = [1024, 2048, 3072, 4096, 8192, 65536];
  const archives = sizes.map((size) => tar(...Array.from({ length: 500 }, (_, i) => file(`f${i}`, pseudoRandom(size, i + 1)))));
  const best = sizes.map(() => ({ noble: Infinity, web: Infinity }));
  const forceWeb = { limits: {} };
  for (let k = 0; k < 30; k++) {
    for (let j = 0; j < sizes.length; j++) {
      let t = performance.now();
      await ingestPackage(archives[j]!, { sha256: () => sha256.create() });
      best[j]!.noble = Math.min(best[j]!.noble, performance.now() - t);
      if (sizes[j]! <= NOBLE_DIGEST_MAX_BYTES) continue;
      t = performance.now();
      await ingestPackage(archives[j]!, forceWeb);
      best[j]!.web = Math.min(best[j]!.web, performance.now() - t);
    }
  }
  sizes.forEach((size, j) => {
    const web = best[j]!.web === Infinity ? '(noble used)' : best[j]!.web.toFixed(1);
    console.log(`  ${String(size).padStart(9)}   ${best[j]!.noble.toFixed(1).padStart(9)}   ${web.padStart(18)}`);
  });
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
    console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
    console.log(`Node ${process.version}; figures are the best of 3 (64 MiB) or 15 (4 MiB) runs in a fresh process, MiB/s of tar (inflated) bytes;`);
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
      const sslStr = ssl === null ? '   n/a' : mbps(tarBytes, ssl).toFixed(0).padStart(6);
      const ratio = (ms: number) => (ssl === null ? 'n/a' : (ms / ssl).toFixed(2) + 'x');
      console.log(
        `${name.padEnd(18)} ${(tarBytes / MiB).toFixed(1).padStart(6)}  ${sslStr}  ${mbps(statSync(path).size, nodeC.ms).toFixed(0).padStart(11)}  ` +
          `${mbps(tarBytes, ingNode.ms).toFixed(0).padStart(5)} (${ratio(ingNode.ms).padStart(6)})   ${mbps(tarBytes, ingNoble.ms).toFixed(0).padStart(5)} (${ratio(ingNoble.ms).padStart(6)})` +
          `   ${ingNode.rssPeakDeltaMiB.toFixed(1).padStart(6)} / ${ingNoble.rssPeakDeltaMiB.toFixed(1).padStart(5)} MiB  ${ingNoble.heapPeakDeltaMiB.toFixed(1)} MiB`,
      );
    }
    // Memory must not grow with the archive: the same single-file shape at 4x the size.
    const huge = join(dir, '256MiB-1file.tar');
    writeFileSync(huge, tar(file('model.bin', pseudoRandom(256 * MiB, 9))));
    const hugeNode = child('ingest-node', huge);
    const hugePlain = child('node-crypto', huge);
    console.log(
      `\nmemory check, 256 MiB single-file .tar: peak RSS +${hugeNode.rssPeakDeltaMiB.toFixed(1)} MiB (ingest/node) vs +${hugePlain.rssPeakDeltaMiB.toFixed(1)} MiB ` +
        `(plain node:crypto loop over the same 256 KiB-chunk file stream); heap Δ ${hugeNode.heapPeakDeltaMiB.toFixed(1)} MiB`,
    );
    console.log('\n(openssl: `openssl sha256 f.tar`, for .tgz `gzip -dc f.tgz | openssl sha256`, MiB/s of tar bytes, process start');
    console.log(' included; node:crypto: the file as stored (compressed for .tgz); ingest: inflate, parse, hash every file.)');
    await engineThreshold();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
