// Path-tree cost of ingestion (issue 8): 2,000 deep paths where every file has its own directory
// chain ("unique") against the same archive shape with one shared chain ("shared"). Same entry
// count, path lengths and bytes; names in pax `path` records. Goal: unique within 3x of shared, and
// heap bounded by the tree-node cap. Each figure is the best of 3 rounds that alternate the two
// shapes (so machine-load drift hits both alike), each round a fresh process timing 3 runs; heap is
// sampled between 64 KiB chunks of the upload, i.e. while the tree is held.
//   npm run bench -- tree        (or: node --import tsx bench/run.ts tree)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TAR_LIMITS, ingestPackage, TarError, type TarLimits } from '../src/attest/index.js';
import { deepTreeArchive, type DeepTreeOptions } from '../test/support/deep-tree.js';

const SELF = fileURLToPath(import.meta.url);
const ENTRIES = 2000;
const CHUNK = 64 * 1024;
/** Limits raised so that the whole tree is built (the cost being measured); the default run follows. */
const RAISED: Partial<TarLimits> = { maxPathDepth: 4096, maxTreeNodes: 10_000_000 };

interface Measurement {
  ms: number;
  heapPeakMiB: number;
  outcome: string;
  mib: number;
}

function chunked(bytes: Uint8Array, onChunk: () => void): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      onChunk();
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(off, off + CHUNK));
      off += CHUNK;
    },
  });
}

async function measure(o: DeepTreeOptions, limits: Partial<TarLimits>, runs: number): Promise<Measurement> {
  const { archive } = deepTreeArchive(o);
  const gc = (globalThis as { gc?: () => void }).gc;
  let best = Infinity;
  let heapPeak = 0;
  let outcome = '';
  for (let i = 0; i < runs; i++) {
    gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sample = () => void (peak = Math.max(peak, process.memoryUsage().heapUsed));
    const t = performance.now();
    try {
      const r = await ingestPackage(chunked(archive, sample), { limits });
      sample();
      outcome = `ok, ${r.records.length} files`;
    } catch (e) {
      if (!(e instanceof TarError)) throw e;
      outcome = `${e.code} (${String(e.details?.limit)})`;
    }
    best = Math.min(best, performance.now() - t);
    heapPeak = Math.max(heapPeak, (peak - base) / 2 ** 20);
  }
  return { ms: best, heapPeakMiB: heapPeak, outcome, mib: archive.length / 2 ** 20 };
}

function child(o: DeepTreeOptions, limits: Partial<TarLimits>, runs = 3): Measurement {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'child', JSON.stringify({ o, limits, runs })], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measurement;
}

export async function run(): Promise<void> {
  console.log(`${ENTRIES} pax entries per archive; best of 3 alternating rounds x 3 runs, fresh process each; heap = peak heapUsed above the start while ingesting`);
  console.log('shape (path bytes, dir name bytes)       MiB   unique ms  shared ms  ratio   heap unique / shared   outcome');
  for (const [pathBytes, segmentBytes] of [
    [4000, 2],
    [4000, 31],
    [1000, 8],
  ] as const) {
    let u: Measurement | null = null;
    let s: Measurement | null = null;
    const better = (a: Measurement | null, b: Measurement) => (a === null || b.ms < a.ms ? { ...b, heapPeakMiB: Math.max(b.heapPeakMiB, a?.heapPeakMiB ?? 0) } : { ...a, heapPeakMiB: Math.max(a.heapPeakMiB, b.heapPeakMiB) });
    for (let round = 0; round < 3; round++) {
      u = better(u, child({ shape: 'unique', entries: ENTRIES, pathBytes, segmentBytes }, RAISED));
      s = better(s, child({ shape: 'shared', entries: ENTRIES, pathBytes, segmentBytes }, RAISED));
    }
    if (!u || !s) throw new Error('no measurement');
    const ratio = u.ms / s.ms;
    console.log(
      `${`${pathBytes} B paths, ${segmentBytes} B dirs (raised limits)`.padEnd(38)} ${u.mib.toFixed(1).padStart(5)}  ${u.ms.toFixed(0).padStart(9)}  ${s.ms.toFixed(0).padStart(9)}  ${ratio.toFixed(2).padStart(5)}x` +
        `   ${u.heapPeakMiB.toFixed(1).padStart(6)} / ${s.heapPeakMiB.toFixed(1).padStart(5)} MiB   ${u.outcome}${ratio > 3 ? '   ** over the 3x goal **' : ''}`,
    );
  }
  // With the default limits the unique shapes are refused early, before the tree grows.
  for (const segmentBytes of [2, 31]) {
    const d = child({ shape: 'unique', entries: ENTRIES, pathBytes: 4000, segmentBytes }, {});
    console.log(`default limits, unique, 4000 B paths, ${segmentBytes} B dirs: ${d.outcome} after ${d.ms.toFixed(1)} ms, heap ${d.heapPeakMiB.toFixed(1)} MiB`);
  }
  const os = await import('node:os');
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log(`(defaults: maxPathDepth ${DEFAULT_TAR_LIMITS.maxPathDepth}, maxTreeNodes ${DEFAULT_TAR_LIMITS.maxTreeNodes}, maxPathBytes ${DEFAULT_TAR_LIMITS.maxPathBytes})`);
}

if (process.argv[2] === 'child') {
  const { o, limits, runs } = JSON.parse(process.argv[3]!) as { o: DeepTreeOptions; limits: Partial<TarLimits>; runs: number };
  process.stdout.write(JSON.stringify(await measure(o, limits, runs)) + '\n');
}
