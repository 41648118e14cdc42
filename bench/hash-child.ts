// One hashing measurement in a fresh process, so peak RSS belongs to that measurement alone.
// usage: node --import tsx bench/hash-child.ts <ingest-default|ingest-node|node-crypto> <file> [runs]
import { createHash } from 'node:crypto';
import { fileStream, nodeSha256 } from '../cli/commands/hash.js';
import { ingestPackage } from '../src/attest/index.js';

const [mode, file, runsArg] = process.argv.slice(2) as [string, string, string?];
const runs = Number(runsArg ?? 3);
const limits = { maxFileBytes: 1 << 30, maxTotalBytes: 1 << 30 };

async function once(): Promise<string> {
  if (mode === 'node-crypto') {
    const h = createHash('sha256');
    const reader = (await fileStream(file)).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) h.update(r.value);
    return h.digest('hex');
  }
  const r = await ingestPackage(await fileStream(file), mode === 'ingest-node' ? { limits, sha256: nodeSha256 } : { limits });
  return r.package_hash;
}

const rssStart = process.memoryUsage().rss;
const heapStart = process.memoryUsage().heapUsed;
let heapPeak = heapStart;
let rssPeak = rssStart;
// Sampled, not getrusage's maxRSS: on Linux that keeps the high-water mark of the forked parent.
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, m.heapUsed);
  rssPeak = Math.max(rssPeak, m.rss);
}, 2);
let best = Infinity;
let hash = '';
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  hash = await once();
  best = Math.min(best, performance.now() - t);
}
clearInterval(sampler);
process.stdout.write(
  JSON.stringify({ mode, ms: best, hash, rssStartMiB: rssStart / 2 ** 20, rssPeakDeltaMiB: (rssPeak - rssStart) / 2 ** 20, heapPeakDeltaMiB: (heapPeak - heapStart) / 2 ** 20 }) + '\n',
);
