// Monitor section: what the Hall Monitor costs.
//   1. The page's weight: every file a browser downloads for /monitor (the HTML, app.js, app.css,
//      /sdk/client.js, /sdk/verify.js) as the Hall serves them, minified, gzip -9, against the
//      60 KB budget.
//   2. The live feed's polling: GET /wcp/feed?after=<cursor> is what an open feed asks every second.
//      Served by the built worker in Miniflare on loopback (test/client/live-hall.ts) with real
//      local KV and D1 holding BENCH_MONITOR_DECISIONS decisions (default 2,000), measured in the
//      same run as GET /wcp/health: req/s, p50/p99, bytes per idle poll, D1 rows read per poll
//      and the query plan. Then what that means per open monitor at Cloudflare's published prices.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { CLIENT_SDK_JS } from '../worker/generated/client-sdk.js';
import { MONITOR_CSS, MONITOR_HTML, MONITOR_JS } from '../worker/generated/monitor-assets.js';
import { VERIFY_SDK_JS } from '../worker/generated/verify-sdk.js';
import { feedQuery } from '../worker/stores/monitor-sql.js';
import { startLiveHall } from '../test/client/live-hall.js';

export const MONITOR_BUDGET_GZIP = 60 * 1024;
const DECISIONS = Number(process.env.BENCH_MONITOR_DECISIONS ?? 2000);
const REQUESTS = Number(process.env.BENCH_MONITOR_REQUESTS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_MONITOR_CONNECTIONS ?? 10);
const POLL_SECONDS = 1; // monitor/src/screens/feed.ts POLL_MS

// Cloudflare's published prices (Workers Paid, Standard usage model; D1), USD.
const PRICE = { requestsIncludedPerMonth: 10_000_000, perMillionRequests: 0.3, d1RowsIncludedPerMonth: 25_000_000_000, perMillionRowsRead: 0.001 };

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const gz = (s: string) => gzipSync(s, { level: 9 }).length;

export function pageWeight(): { files: { name: string; raw: number; gzip: number }[]; gzip: number } {
  const files = [
    { name: 'index.html', text: MONITOR_HTML },
    { name: 'app.js', text: MONITOR_JS },
    { name: 'app.css', text: MONITOR_CSS },
    { name: '/sdk/client.js', text: CLIENT_SDK_JS },
    { name: '/sdk/verify.js', text: VERIFY_SDK_JS },
  ].map((f) => ({ name: f.name, raw: Buffer.byteLength(f.text), gzip: gz(f.text) }));
  return { files, gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

interface Load {
  perSec: number;
  p50: number;
  p99: number;
  bytes: number;
}

async function load(url: string, headers: Record<string, string>, n: number, connections: number): Promise<Load> {
  const latencies: number[] = [];
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        next++;
        const s = performance.now();
        const res = await fetch(url, { headers });
        const body = await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
        bytes = body.byteLength;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { perSec: n / seconds, p50: q(0.5), p99: q(0.99), bytes };
}

export async function run(): Promise<void> {
  const weight = pageWeight();
  console.log('page weight (minified, gzip -9, as the Hall serves it):');
  for (const f of weight.files) console.log(`  ${f.name.padEnd(16)} ${kb(f.raw).padStart(9)} raw  ${kb(f.gzip).padStart(8)} gzip`);
  console.log(`  total JS+CSS+HTML ${kb(weight.gzip)} gzip — budget ${kb(MONITOR_BUDGET_GZIP)} (${((weight.gzip / MONITOR_BUDGET_GZIP) * 100).toFixed(0)}% used)${weight.gzip > MONITOR_BUDGET_GZIP ? '  OVER BUDGET' : ''}`);

  const hall = await startLiveHall();
  try {
    const auth = { authorization: `Bearer ${hall.demoToken}` };
    const route = readFileSync(new URL('../kv-seed/examples/route.json', import.meta.url), 'utf8');
    const denied = readFileSync(new URL('../kv-seed/examples/route-denied.json', import.meta.url), 'utf8');
    const t0 = performance.now();
    for (let i = 0; i < DECISIONS; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, DECISIONS - i) }, (_, j) => {
          const body = JSON.parse((i + j) % 5 === 0 ? denied : route) as Record<string, unknown>;
          body['correlation_id'] = `bench-monitor-${i + j}`;
          return fetch(`${hall.url}/route`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.arrayBuffer());
        }),
      );
    }
    console.log(`\npolling (Miniflare on loopback, ${DECISIONS} decisions logged in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${REQUESTS} requests over ${CONNECTIONS} connections each):`);
    const head = (await (await fetch(`${hall.url}/wcp/feed?limit=1`, { headers: auth })).json()) as { cursor: string };
    const idleUrl = `${hall.url}/wcp/feed?after=${head.cursor}`;
    // Warm both paths, then measure them back to back.
    await load(`${hall.url}/wcp/health`, {}, 200, CONNECTIONS);
    await load(idleUrl, auth, 200, CONNECTIONS);
    const health = await load(`${hall.url}/wcp/health`, {}, REQUESTS, CONNECTIONS);
    const idle = await load(idleUrl, auth, REQUESTS, CONNECTIONS);
    const row = (name: string, l: Load) => `  ${name.padEnd(34)} ${l.perSec.toFixed(0).padStart(6)} req/s  p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms  ${l.bytes} B`;
    console.log(row('GET /wcp/health (public, no D1)', health));
    console.log(row('GET /wcp/feed?after=<head> (idle)', idle));
    console.log(`  idle poll / health throughput: ${(idle.perSec / health.perSec).toFixed(2)}`);

    // One new decision between two polls: what the page then downloads.
    const one = JSON.parse(route) as Record<string, unknown>;
    one['correlation_id'] = 'bench-monitor-one-more';
    await fetch(`${hall.url}/route`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(one) });
    const busy = await fetch(idleUrl, { headers: auth });
    const busyBody = (await busy.json()) as { decisions: unknown[] };
    console.log(`  a poll carrying ${busyBody.decisions.length} new decision(s): ${JSON.stringify(busyBody).length} B (the full decision and receipt are fetched only when a row is opened)`);

    // What D1 does for the idle poll: the plan and the rows it reads.
    const db = await hall.mf.getD1Database('HALL_DB');
    const q = feedQuery({ tenants: ['demo'] }, Number(head.cursor), 200);
    const plan = await db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).bind(...q.args).all<{ detail: string }>();
    const ran = await db.prepare(q.sql).bind(...q.args).run();
    const headRead = await db.prepare('SELECT COALESCE(MAX(id), 0) AS head FROM decisions').run();
    const rowsRead = Number(ran.meta.rows_read ?? NaN) + Number(headRead.meta.rows_read ?? NaN);
    console.log(`  D1 per idle poll: one batch of 2 statements, ${Number.isNaN(rowsRead) ? 'rows_read not reported' : `${rowsRead} rows read`} with ${DECISIONS} decisions logged; plan: ${plan.results.map((r) => r.detail).join('; ')}`);

    const perMonth = (30 * 24 * 3600) / POLL_SECONDS;
    const reqCost = (perMonth / 1e6) * PRICE.perMillionRequests;
    const rowCost = ((perMonth * (Number.isNaN(rowsRead) ? 2 : rowsRead)) / 1e6) * PRICE.perMillionRowsRead;
    console.log(
      `  one monitor open 24/7 on the feed: ${(perMonth / 1e6).toFixed(2)} M requests/month (${((perMonth / PRICE.requestsIncludedPerMonth) * 100).toFixed(0)}% of the 10 M included) — beyond them $${reqCost.toFixed(2)}/month at $${PRICE.perMillionRequests}/M, plus $${rowCost.toFixed(4)} of D1 reads; a hidden tab polls nothing.`,
    );
    console.log(
      '  why polling, not SSE: a Worker has no change feed to push from (no Durable Object fan-out here), so an SSE stream would poll D1 inside one long invocation — the same queries, a connection held open, and D1\'s 1,000 (Paid) / 50 (Free) queries per invocation end the stream within 17 min / 50 s.',
    );
  } finally {
    await hall.close();
  }
}
