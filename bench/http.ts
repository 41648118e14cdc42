// HTTP section: the built worker (esbuild bundle of worker/index.ts) in Miniflare on loopback,
// with real local KV (kv-seed) and D1 (migrations). A bounded load — BENCH_HTTP_REQUESTS requests
// (default 5,000) over BENCH_HTTP_CONNECTIONS keep-alive connections (default 20) — against
// GET /wcp/health and POST /route (logging + signing on) in the same run: req/s, p50/p99, the ratio.
// Afterwards: the D1 decision count must equal the 2xx /route answers and every chain must verify.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { verifyChain } from '../src/receipts/index.js';
// @ts-expect-error plain ESM helper without type declarations
import { buildSeedEntries } from '../scripts/kv-seed.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const TOTAL = Number(process.env.BENCH_HTTP_REQUESTS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 20);
const DEMO_TOKEN = `bench-demo-${randomUUID()}`;
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;

interface LoadResult {
  ok: number;
  failed: number;
  statuses: Map<number, number>;
  perSec: number;
  p50: number;
  p99: number;
}

function send(agent: Agent, url: URL, method: string, body: string | null, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function load(n: number, connections: number, makeRequest: (agent: Agent) => Promise<number>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        next++;
        const t0 = performance.now();
        const status = await makeRequest(agent).catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  let ok = 0;
  for (const [s, c] of statuses) if (s >= 200 && s < 300) ok += c;
  return { ok, failed: n - ok, statuses, perSec: n / seconds, p50: q(0.5), p99: q(0.99) };
}

const fmt = (r: LoadResult) =>
  `${r.perSec.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   2xx ${r.ok}/${r.ok + r.failed}`;

export async function run(): Promise<void> {
  const bundle = await build({
    entryPoints: [`${root}worker/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const { privateKey } = generateKeyPairSync('ed25519');
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-20',
    kvNamespaces: ['HALL_KV'],
    d1Databases: ['HALL_DB'],
    bindings: { HALL_ADMIN_TOKEN: ADMIN_TOKEN, HALL_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })), HALL_APPROVAL_TTL_MINUTES: '60' },
    host: '127.0.0.1',
    port: 0,
    cf: false,
  });
  try {
    const base = await mf.ready;
    const db = await mf.getD1Database('HALL_DB');
    for (const m of await readD1Migrations(`${root}migrations`)) for (const q of m.queries) await db.prepare(q).run();
    const kv = await mf.getKVNamespace('HALL_KV');
    for (const { key, value } of buildSeedEntries(`${root}kv-seed`, { tokens: { HALL_DEMO_TENANT_TOKEN: DEMO_TOKEN } }) as { key: string; value: string }[]) {
      await kv.put(key, value);
    }

    const healthUrl = new URL('/wcp/health', base);
    const routeUrl = new URL('/route', base);
    const routeHeaders = { authorization: `Bearer ${DEMO_TOKEN}`, 'content-type': 'application/json' };
    const routeBody = () =>
      JSON.stringify({
        tenant_id: 'demo',
        capability_id: 'cap.doc.summarize',
        env: 'dev',
        data_label: 'INTERNAL',
        tenant_risk: 'low',
        qos_class: 'P2',
        correlation_id: randomUUID(),
        request: { document_id: 'doc-42', max_words: 120 },
      });
    const health = (agent: Agent) => send(agent, healthUrl, 'GET', null, {});
    const route = (agent: Agent) => send(agent, routeUrl, 'POST', routeBody(), routeHeaders);

    console.log(`worker bundle ${(script.length / 1024).toFixed(0)} KB, Miniflare ${base.origin}, ${TOTAL} requests x ${CONNECTIONS} connections each, load avg ${loadavg()[0]!.toFixed(2)}`);
    // Warm-up: JIT, snapshot cache, signer import, keep-alive sockets.
    await load(Math.min(300, TOTAL), CONNECTIONS, health);
    const warm = await load(Math.min(300, TOTAL), CONNECTIONS, route);

    const h = await load(TOTAL, CONNECTIONS, health);
    const r = await load(TOTAL, CONNECTIONS, route);
    console.log(`GET  /wcp/health  ${fmt(h)}`);
    console.log(`POST /route       ${fmt(r)}   (decide + Ed25519 receipt + D1 batch)`);
    const ratio = r.perSec / h.perSec;
    console.log(`ratio /route : /wcp/health = ${ratio.toFixed(2)}   (goal >= 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    if (r.failed || h.failed) console.log(`non-2xx statuses: health ${JSON.stringify([...h.statuses])} route ${JSON.stringify([...r.statuses])}`);

    // Evidence check: every 2xx /route answer left exactly one decision, and the chain verifies.
    const count = (await db.prepare('SELECT COUNT(*) AS n FROM decisions').first<{ n: number }>())!.n;
    const expected = warm.ok + r.ok;
    console.log(`D1 decisions ${count} == 2xx /route answers ${expected}: ${count === expected ? 'yes' : 'NO'}`);
    const jwks = await (await fetch(new URL('/.well-known/wcp-keys.json', base))).json();
    const tenants = (await db.prepare('SELECT DISTINCT tenant_id FROM receipts').all<{ tenant_id: string }>()).results.map((x) => x.tenant_id);
    for (const tenant of tenants) {
      const rows = (await db.prepare('SELECT receipt_json FROM receipts WHERE tenant_id = ? ORDER BY seq').bind(tenant).all<{ receipt_json: string }>()).results;
      const verdict = await verifyChain(rows.map((x) => JSON.parse(x.receipt_json) as unknown), jwks);
      console.log(`chain ${tenant}: ${rows.length} receipts, ${verdict.ok ? 'verifies' : `BROKEN at seq ${verdict.broken_at_seq} (${verdict.code})`}`);
    }
  } finally {
    await mf.dispose();
  }
}
