// MCP section: what the governed gateway costs. Against a live local Hall — the real `npm start`
// (wrangler dev: the Hall and the seed's demo workers in one session, seed loaded) in a throwaway
// copy of the project (test/start/hall-process.ts) — four loads in the same run, alternating in
// BENCH_MCP_ROUNDS rounds so drift in the machine's load hits all of them alike:
//   /mcp     POST /mcp tools/call cap.doc.summarize: decide + receipt + dispatch to the demo
//            worker over its Service binding (which re-verifies the receipt) + outcome record
//   /route   POST /route for the same call: decide + receipt, nothing dispatched
//   dry run  the same tools/call with _meta dry_run: the gateway's own layer (JSON-RPC, rehearsal,
//            argument check) + decide + receipt, nothing dispatched — so /mcp − dry run is the cost
//            of dispatch + outcome record, and dry run − /route the cost of the MCP layer
//   worker   the same demo worker called directly: its bundle in its own workerd (Miniflare), the
//            Hall's JWKS from the live Hall, one envelope per call built from a receipt of the
//            /route round just before (receipts are single-use and fresh for 60 s; not timed)
// BENCH_MCP_REQUESTS requests per load (default 1,000) over BENCH_MCP_CONNECTIONS keep-alive
// connections (default 10). A call counts only when it did its job (an MCP result without isError,
// a /route ALLOW, a worker result). Goal: the gateway costs at most 1.2 × /route plus the worker's
// own time, judged on p50 latency (also shown per request at the measured throughput). Afterwards
// the tenant's receipt chain must hold one receipt per /route and /mcp call and verify.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { HallClient } from '../src/client/index.js';
import { copyProject, devVars, freePort, removeProject, startHall } from '../test/start/hall-process.js';
import { breakdown, fmt, load, merge, send, type Answer, type LoadResult } from './load.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const TOTAL = Number(process.env.BENCH_MCP_REQUESTS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_MCP_CONNECTIONS ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_MCP_ROUNDS ?? 5));
const GOAL = 1.2;

const TOOL = 'cap.doc.summarize';
const WORKER_PATH = '/org.demo.doc-summarizer';
const ARGS = {
  text: 'The Hall decides every tool call before it runs. Each decision gets a signed receipt. The worker checks the receipt before it reads its arguments. Denied calls never reach a worker. The evidence shows what ran and what it returned.',
  sentences: 2,
};

/** The RouteInput the gateway decides a tools/call of TOOL on (for tenant demo's record: low risk, INTERNAL floor, dev first). */
const routeInput = () => ({
  tenant_id: 'demo',
  capability_id: TOOL,
  env: 'dev',
  data_label: 'INTERNAL',
  tenant_risk: 'low',
  qos_class: 'P2',
  correlation_id: randomUUID(),
  request: { tool: TOOL, arguments: ARGS },
  blast_radius: null,
  blast_score: null,
  privilege_context: null,
  dry_run: false,
  tenant_credential: null,
});

function parse(a: Answer): Record<string, unknown> | undefined {
  try {
    return JSON.parse(a.body ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The demo workers' bundle in a workerd of its own, reading the Hall's keys over HTTP. */
async function directWorker(hallBase: string): Promise<Miniflare> {
  const bundle = await build({ entryPoints: [`${root}demo-workers/index.ts`], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['workerd', 'worker', 'browser'], minify: true, write: false });
  return new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: '2026-04-20',
    bindings: { HALL_JWKS_URL: `${hallBase}/.well-known/wcp-keys.json` },
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
}

const perRequestMs = (r: LoadResult) => (1000 * CONNECTIONS) / r.perSec;

export async function run(): Promise<void> {
  const dir = copyProject('edgehall-bench-mcp-');
  // Phase timings on (Server-Timing): npm start keeps what .dev.vars holds and adds the secrets.
  writeFileSync(join(dir, '.dev.vars'), 'HALL_SERVER_TIMING=1\n', { mode: 0o600 });
  const hall = await startHall(dir, await freePort());
  let worker: Miniflare | undefined;
  try {
    if (!hall.output().includes('[edgehall] ready:')) throw new Error(`npm start did not get ready:\n${hall.output().slice(-2000)}`);
    const vars = devVars(dir);
    const auth = { authorization: `Bearer ${vars['HALL_DEMO_TENANT_TOKEN']}`, 'content-type': 'application/json' };
    worker = await directWorker(hall.base);
    const workerUrl = new URL(WORKER_PATH, await worker.ready);

    const mcpUrl = new URL('/mcp', hall.base);
    const mcpHeaders = { ...auth, accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const tools = (dryRun: boolean) => async (agent: Agent, i: number): Promise<Answer> => {
      const params = { name: TOOL, arguments: ARGS, ...(dryRun ? { _meta: { 'org.edgehall/wcp': { dry_run: true } } } : {}) };
      const a = await send(agent, mcpUrl, 'POST', JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params }), mcpHeaders, true);
      const result = parse(a)?.['result'] as Record<string, unknown> | undefined;
      return { ...a, failed: !result || result['isError'] === true };
    };
    const mcp = tools(false);
    const dry = tools(true);

    // Each /route answer's receipt becomes one envelope for the direct worker round that follows.
    const routeUrl = new URL('/route', hall.base);
    let envelopes: string[] = [];
    const route = async (agent: Agent): Promise<Answer> => {
      const input = routeInput();
      const a = await send(agent, routeUrl, 'POST', JSON.stringify(input), auth, true);
      const body = parse(a);
      const decision = body?.['decision'] as Record<string, unknown> | undefined;
      const receipt = body?.['receipt'] as Record<string, unknown> | undefined;
      const allowed = a.status === 200 && decision?.['denied'] === false && receipt !== undefined;
      if (allowed) envelopes.push(JSON.stringify({ wcp_dispatch: 'edgehall-dispatch-v1', tool: TOOL, route_input: input, decision_id: decision!['decision_id'], receipt }));
      return { ...a, failed: !allowed };
    };
    const direct = async (agent: Agent, i: number): Promise<Answer> => {
      const envelope = envelopes[i];
      if (!envelope) return { status: 0 };
      const { decision_id, receipt } = JSON.parse(envelope) as { decision_id: string; receipt: { receipt_id: string } };
      const a = await send(agent, workerUrl, 'POST', envelope, { 'content-type': 'application/json', 'x-wcp-decision-id': decision_id, 'x-wcp-receipt-id': receipt.receipt_id }, true);
      const result = parse(a);
      return { ...a, failed: a.status !== 200 || !result || result['isError'] === true || !Array.isArray(result['content']) };
    };

    console.log(`npm start Hall ${hall.base} (wrangler dev, demo workers behind a Service binding), direct worker ${workerUrl.origin} (Miniflare), ${TOTAL} calls per load in ${ROUNDS} alternating rounds x ${CONNECTIONS} connections, load avg ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
    // Warm-up: JIT, key caches on both sides, keep-alive sockets.
    const warm = Math.min(100, TOTAL);
    const warmMcp = await load(warm, CONNECTIONS, mcp);
    const warmDry = await load(warm, CONNECTIONS, dry);
    envelopes = [];
    const warmRoute = await load(warm, CONNECTIONS, route);
    await load(envelopes.length, CONNECTIONS, direct);

    const perRound = Math.ceil(TOTAL / ROUNDS);
    const ms: LoadResult[] = [];
    const ds: LoadResult[] = [];
    const rs: LoadResult[] = [];
    const ws: LoadResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ms.push(await load(perRound, CONNECTIONS, mcp));
      ds.push(await load(perRound, CONNECTIONS, dry));
      envelopes = [];
      rs.push(await load(perRound, CONNECTIONS, route));
      ws.push(await load(envelopes.length, CONNECTIONS, direct));
    }
    const [m, d, r, w] = [merge(ms), merge(ds), merge(rs), merge(ws)];
    console.log(`POST /mcp tools/call  ${fmt(m)}   (decide + receipt + dispatch + outcome)`);
    console.log(`  same, dry run       ${fmt(d)}   (MCP layer + decide + receipt)`);
    console.log(`POST /route           ${fmt(r)}   (decide + receipt)`);
    console.log(`worker, direct        ${fmt(w)}   (verifyDispatch + summarize)`);
    breakdown('/mcp', m);
    breakdown('/mcp dry run', d);
    breakdown('/route', r);
    console.log(`ratios: /mcp : /route throughput ${(m.perSec / r.perSec).toFixed(2)}, p50 ${(m.p50 / r.p50).toFixed(2)}x, p99 ${(m.p99 / r.p99).toFixed(2)}x; worker p50 = ${(w.p50 / r.p50).toFixed(2)}x /route`);
    console.log(`where /mcp's p50 goes: MCP layer (dry run − /route) ${(d.p50 - r.p50).toFixed(2)} ms, dispatch + outcome (/mcp − dry run) ${(m.p50 - d.p50).toFixed(2)} ms, of which the worker's own p50 ${w.p50.toFixed(2)} ms`);
    console.log(`  per-round /mcp : /route throughput ${ms.map((x, i) => (x.perSec / rs[i]!.perSec).toFixed(2)).join(' ')}`);
    const budget = GOAL * r.p50 + w.p50;
    const budgetT = GOAL * perRequestMs(r) + perRequestMs(w);
    console.log(
      `goal /mcp <= ${GOAL} x /route + worker: p50 ${m.p50.toFixed(2)} ms vs ${budget.toFixed(2)} ms (${(m.p50 / budget).toFixed(2)} of budget) — ${m.p50 <= budget ? 'met' : 'NOT met'};` +
        ` at throughput ${perRequestMs(m).toFixed(2)} vs ${budgetT.toFixed(2)} ms per request per connection (${(perRequestMs(m) / budgetT).toFixed(2)} of budget)`,
    );
    if (m.failed || d.failed || r.failed || w.failed) {
      console.log(`calls that did not do their job: /mcp ${m.failed} ${JSON.stringify([...m.statuses])}, dry run ${d.failed}, /route ${r.failed} ${JSON.stringify([...r.statuses])}, worker ${w.failed} ${JSON.stringify([...w.statuses])}`);
    }

    // Evidence: one receipt per /mcp and /route call, and the chain verifies against the Hall's keys.
    const admin = new HallClient({ baseUrl: hall.base, token: vars['HALL_ADMIN_TOKEN']! });
    const chain = await admin.verifyChain('demo', { max: 1_000_000 });
    const calls = [warmMcp, warmDry, warmRoute, ...ms, ...ds, ...rs].reduce((a, x) => a + x.latencies.length, 0);
    console.log(`chain demo: ${chain.receipts.length} receipts for ${calls} /mcp (incl. dry run) + /route calls: ${chain.receipts.length === calls ? 'one each' : 'MISMATCH'}, ${chain.ok ? 'verifies' : `BROKEN (${JSON.stringify(chain).slice(0, 200)})`}`);
  } finally {
    await worker?.dispose();
    await hall.stop();
    removeProject(dir);
  }
}
