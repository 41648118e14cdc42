// Bounded HTTP load for the benchmark sections (http, mcp): `n` requests over `connections`
// keep-alive connections, latencies and status counts, merged over rounds, and each answer's
// Server-Timing phases (when the Hall sends them: HALL_SERVER_TIMING=1) summed per request.
import { Agent, request as httpRequest } from 'node:http';

export interface LoadResult {
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

let serverError = '';
/** The first 5xx answer seen by any load (status and the start of its body), '' when none. */
export const firstServerError = (): string => serverError;

export interface Answer {
  status: number;
  timing?: string;
  /** The body, when `send` was asked to keep it. */
  body?: string;
  /** A 2xx answer that still did not do the job (e.g. an MCP result with isError): counted as failed. */
  failed?: boolean;
}

export function send(agent: Agent, url: URL, method: string, body: string | null, headers: Record<string, string>, keepBody = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        let text = '';
        const server5xx = (res.statusCode ?? 0) >= 500;
        res.on('data', (chunk: Buffer) => {
          if (keepBody || (server5xx && text.length < 2000)) text += chunk.toString();
        });
        res.on('end', () => {
          if (server5xx && text && !serverError) serverError = `${res.statusCode} ${text.slice(0, 2000)}`;
        });
        const timing = res.headers['server-timing'];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(typeof timing === 'string' ? { timing } : {}), ...(keepBody ? { body: text } : {}) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

export async function load(n: number, connections: number, makeRequest: (agent: Agent, i: number) => Promise<Answer>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const timings: LoadResult = { ok: 0, failed: 0, statuses, perSec: 0, p50: 0, p99: 0, clientCpu: 0, latencies, seconds: 0, cpuSeconds: 0, phases: new Map(), batches: [], timed: 0 };
  let next = 0;
  let notDone = 0;
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
        if (answer.failed) notDone++;
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
  ok -= notDone;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { ...timings, ok, failed: n - ok, perSec: n / seconds, p50: q(0.5), p99: q(0.99), clientCpu: cpuSeconds / seconds, seconds, cpuSeconds };
}

/** Several rounds of one load as a whole: total requests / total time, percentiles over all answers. */
export function merge(rounds: LoadResult[]): LoadResult {
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

export const fmt = (r: LoadResult) =>
  `${r.perSec.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   2xx ${r.ok}/${r.ok + r.failed}   client CPU ${(r.clientCpu * 100).toFixed(0)}%`;

// Mean ms per request for each phase, as the worker measured it.
export function breakdown(label: string, r: LoadResult): void {
  if (!r.timed) return;
  const parts = [...r.phases].map(([name, ms]) => `${name} ${(ms / r.timed).toFixed(2)}`);
  const b = [...r.batches].sort((x, y) => x - y);
  const mean = b.reduce((a, x) => a + x, 0) / (b.length || 1);
  console.log(`  ${label} phases (mean ms/request, in the worker): ${parts.join('  ')}`);
  if (b.length) {
    console.log(`  ${label} group commit: records per D1 batch mean ${mean.toFixed(1)}, median ${b[Math.floor(b.length / 2)] ?? 0}, max ${b[b.length - 1] ?? 0}` +
      ` (chain-d1 = one batch write; chain-wait = queued behind the previous batch)`);
  }
}

/**
 * Runs the loads in `rounds` alternating rounds of ⌈total / rounds⌉ requests each, so a change in
 * the machine's load hits all of them alike; each load's per-round results, in the loads' order.
 */
export async function alternatingRounds(total: number, rounds: number, connections: number, makers: readonly ((agent: Agent, i: number) => Promise<Answer>)[]): Promise<LoadResult[][]> {
  const perRound = Math.ceil(total / rounds);
  const results: LoadResult[][] = makers.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [k, make] of makers.entries()) results[k]!.push(await load(perRound, connections, make));
  }
  return results;
}
