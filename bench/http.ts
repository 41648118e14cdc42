// HTTP section: the built worker (esbuild bundle of worker/index.ts) in Miniflare on loopback,
// with real local KV (kv-seed) and D1 (migrations). A bounded load — BENCH_HTTP_REQUESTS requests
// (default 5,000) over BENCH_HTTP_CONNECTIONS keep-alive connections (default 20) — against
// GET /wcp/health and POST /route (logging + signing on) in the same run: req/s, p50/p99, the ratio.
// Afterwards: the D1 decision count must equal the 2xx /route answers and every chain must verify.
//
// The worker runs with HALL_SERVER_TIMING=1, so each /route answer carries its phase timings
// (Server-Timing): the bench prints their means, the group-commit batch sizes, and the bench
// client's own CPU share (client and workerd share this machine's cores). /route is measured twice:
// every request for ONE tenant (the worst case: one chain, one writer) and spread over 20 tenants
// seeded for the bench only (a realistic multi-tenant Hall: 20 chains written in parallel).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { verifyChain } from '../src/receipts/index.js';
import { buildSeedEntries } from '../scripts/kv-seed.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const TOTAL = Number(process.env.BENCH_HTTP_REQUESTS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 20);
const DEMO_TOKEN = `bench-demo-${randomUUID()}`;
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;

const TENANTS = Number(process.env.BENCH_HTTP_TENANTS ?? 20);
const ROUNDS = Math.max(1, Number(process.env.BENCH_HTTP_ROUNDS ?? 5));

interface LoadResult {
  ok: number;
  failed: number;
  statuses: Map<number, number>;
  perSec: number;
  p50: number;
  p99: number;
  /** Bench client (this Node process) CPU time / wall time. */
  clientCpu: number;
  latencies: number[];
  seconds: number;
  cpuSeconds: number;
  /** Server-Timing phase → summed ms; batch sizes seen. */
  phases: Map<string, number>;
  batches: number[];
  timed: number;
}

// Phase timings of one answer, summed into `into` (Server-Timing: name;dur=ms, chain-batch;desc="n/attempts").
function addTimings(header: string | undefined, into: LoadResult): void {
  if (!header) return;
  into.timed++;
  for (const part of header.split(',')) {
    const [name, param] = part.trim().split(';');
    if (!name || !param) continue;
    if (param.startsWith('dur=')) into.phases.set(name, (into.phases.get(name) ?? 0) + Number(param.slice(4)));
    else if (name === 'chain-batch') into.batches.push(Number(param.slice(6).split('/')[0]));
  }
}

let firstServerError = '';

interface Answer {
  status: number;
  timing?: string;
}

function send(agent: Agent, url: URL, method: string, body: string | null, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          if ((res.statusCode ?? 0) >= 500 && text.length < 2000) text += chunk.toString();
        });
        res.on('end', () => {
          if (text && !firstServerError) firstServerError = `${res.statusCode} ${text}`;
        });
        const timing = res.headers['server-timing'];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(typeof timing === 'string' ? { timing } : {}) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function load(n: number, connections: number, makeRequest: (agent: Agent, i: number) => Promise<Answer>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const timings: LoadResult = { ok: 0, failed: 0, statuses, perSec: 0, p50: 0, p99: 0, clientCpu: 0, latencies, seconds: 0, cpuSeconds: 0, phases: new Map(), batches: [], timed: 0 };
  let next = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        const answer = await makeRequest(agent, i).catch((): Answer => ({ status: 0 }));
        latencies.push(performance.now() - t0);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        addTimings(answer.timing, timings);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  let ok = 0;
  for (const [s, c] of statuses) if (s >= 200 && s < 300) ok += c;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { ...timings, ok, failed: n - ok, perSec: n / seconds, p50: q(0.5), p99: q(0.99), clientCpu: cpuSeconds / seconds, seconds, cpuSeconds };
}

/** Several rounds of one load as a whole: total requests / total time, percentiles over all answers. */
function merge(rounds: LoadResult[]): LoadResult {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const statuses = new Map<number, number>();
  const phases = new Map<string, number>();
  for (const r of rounds) {
    for (const [k, v] of r.statuses) statuses.set(k, (statuses.get(k) ?? 0) + v);
    for (const [k, v] of r.phases) phases.set(k, (phases.get(k) ?? 0) + v);
  }
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const seconds = sum((r) => r.seconds);
  return {
    ok: sum((r) => r.ok), failed: sum((r) => r.failed), statuses, perSec: latencies.length / seconds, p50: q(0.5), p99: q(0.99),
    clientCpu: sum((r) => r.cpuSeconds) / seconds, latencies, seconds, cpuSeconds: sum((r) => r.cpuSeconds),
    phases, batches: rounds.flatMap((r) => r.batches), timed: sum((r) => r.timed),
  };
}

const fmt = (r: LoadResult) =>
  `${r.perSec.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   2xx ${r.ok}/${r.ok + r.failed}   client CPU ${(r.clientCpu * 100).toFixed(0)}%`;

// Mean ms per request for each /route phase, as the worker measured it.
function breakdown(label: string, r: LoadResult): void {
  if (!r.timed) return;
  const parts = [...r.phases].map(([name, ms]) => `${name} ${(ms / r.timed).toFixed(2)}`);
  const b = [...r.batches].sort((x, y) => x - y);
  const mean = b.reduce((a, x) => a + x, 0) / (b.length || 1);
  console.log(`  ${label} phases (mean ms/request, in the worker): ${parts.join('  ')}`);
  console.log(`  ${label} group commit: records per D1 batch mean ${mean.toFixed(1)}, median ${b[Math.floor(b.length / 2)] ?? 0}, max ${b[b.length - 1] ?? 0}` +
    ` (chain-d1 = one batch write; chain-wait = queued behind the previous batch)`);
}

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
    // No d1Persist/kvPersist: Miniflare keeps KV and D1 in memory (the bench measures the Hall, not this disk).
    bindings: { HALL_ADMIN_TOKEN: ADMIN_TOKEN, HALL_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })), HALL_APPROVAL_TTL_MINUTES: '60', HALL_SERVER_TIMING: '1' },
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
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
    const routeBody = (tenant: string) =>
      JSON.stringify({
        tenant_id: tenant,
        capability_id: 'cap.doc.summarize',
        env: 'dev',
        data_label: 'INTERNAL',
        tenant_risk: 'low',
        qos_class: 'P2',
        correlation_id: randomUUID(),
        request: { document_id: 'doc-42', max_words: 120 },
      });
    const health = (agent: Agent) => send(agent, healthUrl, 'GET', null, {});
    const route = (agent: Agent) => send(agent, routeUrl, 'POST', routeBody('demo'), routeHeaders);

    // Bench-only tenants (allowed in the hall config like `demo`), each with its own token.
    const tenants = Array.from({ length: TENANTS }, (_, i) => ({ id: `bench-t${String(i + 1).padStart(2, '0')}`, token: `bench-${randomUUID()}` }));
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    for (const t of tenants) {
      const res = await fetch(new URL(`/admin/tenants/${t.id}`, base), { method: 'PUT', headers: admin, body: JSON.stringify({ token: t.token, namespaces: [] }) });
      if (!res.ok) throw new Error(`seeding tenant ${t.id}: ${res.status} ${await res.text()}`);
    }
    const config = (await (await fetch(new URL('/admin/config', base), { headers: admin })).json()) as Record<string, unknown>;
    const hallConfig = (config['config'] ?? config) as Record<string, unknown>;
    hallConfig['allowed_tenants'] = [...((hallConfig['allowed_tenants'] as string[] | undefined) ?? []), ...tenants.map((t) => t.id)];
    const put = await fetch(new URL('/admin/config', base), { method: 'PUT', headers: admin, body: JSON.stringify(hallConfig) });
    if (!put.ok) throw new Error(`hall config for the bench tenants: ${put.status} ${await put.text()}`);
    const multi = (agent: Agent, i: number) => {
      const t = tenants[i % tenants.length]!;
      return send(agent, routeUrl, 'POST', routeBody(t.id), { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' });
    };

    console.log(`worker bundle ${(script.length / 1024).toFixed(0)} KB, Miniflare ${base.origin} (KV + D1 in memory), ${TOTAL} requests per endpoint in ${ROUNDS} alternating rounds x ${CONNECTIONS} connections, load avg ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
    // Warm-up: JIT, snapshot cache, signer import, keep-alive sockets.
    await load(Math.min(300, TOTAL), CONNECTIONS, health);
    const warm = await load(Math.min(300, TOTAL), CONNECTIONS, route);
    const warmMulti = await load(Math.min(300, TOTAL), CONNECTIONS, multi);

    // The three loads alternate in ROUNDS rounds (health, one tenant, many tenants, again...), so a
    // change in the machine's load (other processes on these cores) hits all of them alike; the
    // per-round ratios show how much that noise moves the figure.
    const perRound = Math.ceil(TOTAL / ROUNDS);
    const hs: LoadResult[] = [];
    const rs: LoadResult[] = [];
    const ms: LoadResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      hs.push(await load(perRound, CONNECTIONS, health));
      rs.push(await load(perRound, CONNECTIONS, route));
      ms.push(await load(perRound, CONNECTIONS, multi));
    }
    const [h, r, m] = [merge(hs), merge(rs), merge(ms)];
    const roundRatios = (xs: LoadResult[]) => xs.map((x, i) => (x.perSec / hs[i]!.perSec).toFixed(2)).join(' ');
    console.log(`GET  /wcp/health  ${fmt(h)}`);
    console.log(`POST /route       ${fmt(r)}   single tenant (worst case: one chain)`);
    breakdown('single tenant', r);
    console.log(`POST /route       ${fmt(m)}   ${TENANTS} tenants round-robin (one chain each)`);
    breakdown(`${TENANTS} tenants`, m);
    const ratio = r.perSec / h.perSec;
    const ratioMulti = m.perSec / h.perSec;
    console.log(`ratio /route : /wcp/health = ${ratio.toFixed(2)} single tenant, ${ratioMulti.toFixed(2)} with ${TENANTS} tenants   (goal >= 0.50, single tenant: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    console.log(`  per-round ratios: single tenant ${roundRatios(rs)}; ${TENANTS} tenants ${roundRatios(ms)}`);
    if (r.failed || h.failed || m.failed) console.log(`non-2xx statuses: health ${JSON.stringify([...h.statuses])} route ${JSON.stringify([...r.statuses])} multi ${JSON.stringify([...m.statuses])}`);
    if (firstServerError) console.log(`first 5xx answer: ${firstServerError.slice(0, 600)}`);

    // Evidence check: every 2xx /route answer left exactly one decision, and every chain verifies.
    const count = (await db.prepare('SELECT COUNT(*) AS n FROM decisions').first<{ n: number }>())!.n;
    const expected = warm.ok + r.ok + warmMulti.ok + m.ok;
    console.log(`D1 decisions ${count} == 2xx /route answers ${expected}: ${count === expected ? 'yes' : 'NO'}`);
    const jwks = await (await fetch(new URL('/.well-known/wcp-keys.json', base))).json();
    const chains = (await db.prepare('SELECT DISTINCT tenant_id FROM receipts').all<{ tenant_id: string }>()).results.map((x) => x.tenant_id);
    let verified = 0;
    for (const tenant of chains) {
      const rows = (await db.prepare('SELECT receipt_json FROM receipts WHERE tenant_id = ? ORDER BY seq').bind(tenant).all<{ receipt_json: string }>()).results;
      const verdict = await verifyChain(rows.map((x) => JSON.parse(x.receipt_json) as unknown), jwks);
      if (verdict.ok) verified++;
      if (tenant === 'demo' || !verdict.ok) console.log(`chain ${tenant}: ${rows.length} receipts, ${verdict.ok ? 'verifies' : `BROKEN at seq ${verdict.broken_at_seq} (${verdict.code})`}`);
    }
    console.log(`chains verified: ${verified}/${chains.length}`);
  } finally {
    await mf.dispose();
  }
}
