// `npm run bench scaling`: a load model of the Hall on Cloudflare. Its inputs are Cloudflare's
// published limits and prices (PUBLISHED, each with the page it comes from) and what this machine
// measures in the same run: decide(), receipt hashing, Ed25519 signing, the Merkle append, and the
// SQLite bytes and billed rows one decision costs in the tenant log object and in the D1 index
// (the project's own schemas applied to python3's sqlite3). It prints what one tenant, one PoP and
// the whole network sustain, the cost of a million decisions, and what breaks first at 10x and 100x.
// docs/scaling.md explains the figures. Nothing here is a test: it is arithmetic over cited inputs.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEd25519Signer } from '../src/crypto/ed25519.js';
import { leafHash, nodeHash } from '../src/log/merkle.js';
import { buildReceipt, hashReceipt, signReceipt } from '../src/receipts/index.js';
import { buildRegistry, compileRules, decide, parseRouteInput, type DecideContext, type RouteDecision } from '../src/index.js';
import { fromHex, utf8 } from '../src/util/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');

// ---------------------------------------------------------------------------------------------------
// Published figures (Cloudflare developer documentation, read 2026-12-01)

const DO_FAQ = 'https://developers.cloudflare.com/durable-objects/reference/faq/';
const DO_LIMITS = 'https://developers.cloudflare.com/durable-objects/platform/limits/';
const DO_PRICING = 'https://developers.cloudflare.com/durable-objects/platform/pricing/';
const D1_LIMITS = 'https://developers.cloudflare.com/d1/platform/limits/';
const D1_PRICING = 'https://developers.cloudflare.com/d1/platform/pricing/';
const KV_LIMITS = 'https://developers.cloudflare.com/kv/platform/limits/';
const KV_PRICING = 'https://developers.cloudflare.com/kv/platform/pricing/';
const WORKERS_PRICING = 'https://developers.cloudflare.com/workers/platform/pricing/';
const WORKERS_LIMITS = 'https://developers.cloudflare.com/workers/platform/limits/';

interface Figure {
  value: number;
  unit: string;
  what: string;
  source: string;
}
const fig = (value: number, unit: string, what: string, source: string): Figure => ({ value, unit, what, source });

export const PUBLISHED = {
  doSoftRps: fig(1000, 'requests/s', 'one Durable Object, soft limit (single-threaded; overloaded error beyond)', DO_FAQ),
  doStorage: fig(10e9, 'bytes', 'SQLite storage per Durable Object', DO_LIMITS),
  doMemoryGb: fig(0.128, 'GB', 'memory a Durable Object is billed for (duration)', DO_PRICING),
  doRequestPrice: fig(0.15, '$/million', 'Durable Object requests (RPC sessions, alarms) beyond 1 million/month', DO_PRICING),
  doDurationPrice: fig(12.5, '$/million GB-s', 'Durable Object duration beyond 400,000 GB-s/month', DO_PRICING),
  doRowsWrittenPrice: fig(1.0, '$/million', 'SQLite rows written in Durable Objects beyond 50 million/month', DO_PRICING),
  doStoragePrice: fig(0.2, '$/GB-month', 'SQLite stored data in Durable Objects beyond 5 GB-month', DO_PRICING),
  d1QueryMs: fig(1, 'ms', 'D1: one database runs one query at a time; 1 ms queries give about 1,000 queries/s (writes take several ms)', D1_LIMITS),
  d1Storage: fig(10e9, 'bytes', 'one D1 database, maximum size (cannot be raised)', D1_LIMITS),
  d1RowsWrittenPrice: fig(1.0, '$/million', 'D1 rows written beyond 50 million/month (each index adds a row)', D1_PRICING),
  d1StoragePrice: fig(0.75, '$/GB-month', 'D1 storage beyond 5 GB', D1_PRICING),
  d1ParamsPerQuery: fig(100, 'parameters', 'D1 bound parameters per query (sets rows per multi-row INSERT)', D1_LIMITS),
  kvWritesPerKey: fig(1, 'writes/s', 'KV writes to the same key', KV_LIMITS),
  kvOpsPerInvocation: fig(1000, 'operations', 'KV operations per Worker invocation', KV_LIMITS),
  kvReadPrice: fig(0.5, '$/million', 'KV reads beyond 10 million/month', KV_PRICING),
  workersRequestPrice: fig(0.3, '$/million', 'Workers requests beyond 10 million/month (Standard)', WORKERS_PRICING),
  workersCpuPrice: fig(0.02, '$/million CPU-ms', 'Workers CPU time beyond 30 million CPU-ms/month (Standard)', WORKERS_PRICING),
  workersMemoryGb: fig(0.128, 'GB', 'memory per isolate', WORKERS_LIMITS),
} as const;

// ---------------------------------------------------------------------------------------------------
// Assumptions (not published; change them here)

export const ASSUMED = {
  /** Wall time one append keeps its object busy; the published soft limit implies about 1 ms. */
  doAppendMs: Number(process.env.SCALING_DO_APPEND_MS ?? 1000 / PUBLISHED.doSoftRps.value),
  /** Round trip of one index feed from an object to D1 (appends arriving meanwhile join the next batch). */
  indexFeedMs: 30,
  /** Checkpoints: one signed note per second per growing log (CHECKPOINT_MS), an insert and a delete. */
  checkpointRowsPerSecond: 2,
  /** Every warm isolate reads the KV version key and the D1 registry generation once per HALL_CONFIG_CHECK_MS. */
  configCheckS: 1,
};

/** A load the model is asked about: the network rate, how it spreads over tenants, and warm isolates. */
export interface Scenario {
  name: string;
  decisionsPerSec: number;
  tenants: number;
  /** Share of all decisions made for the busiest tenant. */
  topTenantShare: number;
  /** Warm Hall isolates network-wide (Cloudflare runs in 270+ cities; per-city counts are not published). */
  isolates: number;
}

export const SCENARIOS: Scenario[] = [
  { name: '1x', decisionsPerSec: 100, tenants: 100, topTenantShare: 0.1, isolates: 300 },
  { name: '10x', decisionsPerSec: 1_000, tenants: 1_000, topTenantShare: 0.1, isolates: 1_000 },
  { name: '100x', decisionsPerSec: 10_000, tenants: 10_000, topTenantShare: 0.1, isolates: 3_000 },
];

// ---------------------------------------------------------------------------------------------------
// Measured on this machine

/** Median microseconds per call over short rounds (other processes share the CPU: the median resists them). */
function usPerCall(fn: () => unknown, rounds = 9, sliceMs = 60): number {
  for (let i = 0; i < 5000; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < sliceMs) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      t = performance.now();
    }
    per.push(((t - t0) * 1000) / n);
  }
  return per.sort((a, b) => a - b)[per.length >> 1]!;
}

async function usPerAsyncCall(fn: () => Promise<unknown>, rounds = 7, sliceMs = 60): Promise<number> {
  for (let i = 0; i < 300; i++) await fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < sliceMs) {
      for (let i = 0; i < 20; i++) await fn();
      n += 20;
      t = performance.now();
    }
    per.push(((t - t0) * 1000) / n);
  }
  return per.sort((a, b) => a - b)[per.length >> 1]!;
}

interface Footprint {
  bytes_per_decision: number;
  rows_written_per_decision: number;
  indexes: Record<string, number>;
  sqlite_version: string;
}

export interface Measured {
  validateUs: number;
  decideUs: number;
  receiptUs: number;
  signUs: number;
  signBackend: string;
  merkleUs: number;
  jsonUs: number;
  decisionBytes: number;
  receiptBytes: number;
  d1: Footprint | string;
  /** The same index without the decision and receipt JSON (which the tenant log already holds). */
  d1WithoutJson: Footprint | string;
  logObject: Footprint | string;
}

function workload() {
  const workers = [{ worker_id: 'org.bench.worker', worker_species_id: 'wrk.bench.worker', capabilities: ['cap.bench.r0'], currently_implements: ['ctrl.obs.audit-log-append-only'] }];
  const doc = {
    rules: Array.from({ length: 20 }, (_, i) => ({
      rule_id: `rr_${i}`,
      match: { capability_id: `cap.bench.r${i}`, env: { in: ['stage', 'prod'] } },
      decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.bench.worker', score_hint: 1.0 }], required_controls_suggested: ['ctrl.obs.audit-log-append-only'] },
    })),
  };
  const reg = buildRegistry(workers);
  const ctx: DecideContext = { rules: compileRules(doc), controlsPresent: reg.controlsPresent(), workerAvailable: (s) => reg.workerAvailable(s) };
  const raws = Array.from({ length: 64 }, (_, i) => ({
    capability_id: 'cap.bench.r19',
    env: 'prod',
    data_label: 'INTERNAL',
    tenant_risk: 'low',
    qos_class: 'P2',
    tenant_id: 'tenant-bench',
    correlation_id: `550e8400-e29b-41d4-a716-${(0x446655440000 + i).toString(16)}`,
    request: { doc: 'quarterly report', pages: 12 },
  }));
  return { ctx, raws };
}

function receiptFieldsOf(d: RouteDecision, seq: number, prev: string | null) {
  return {
    tenant_id: d.tenant_id,
    seq,
    prev_receipt_hash: prev,
    decision_id: d.decision_id,
    correlation_id: d.correlation_id,
    worker_id: 'org.bench.worker',
    worker_species_id: d.selected_worker_species_id,
    capability_id: d.capability_id,
    policy_decision: 'ALLOW' as const,
    deny_code: null,
    controls_verified: d.required_controls_effective,
    artifact_hash: d.artifact_hash,
    rules_version: 'rules.v1',
    approval_id: null,
    dry_run: false,
    signing_key_id: 'hall-key-2026-12',
  };
}

/** The tenant log object's schema as worker/log/tenant-log-object.ts declares it (its SCHEMA strings). */
function logObjectSchema(): string[] | null {
  try {
    const src = readFileSync(join(repoRoot, 'worker/log/tenant-log-object.ts'), 'utf8');
    const block = /const SCHEMA = \[([\s\S]*?)\n\];/.exec(src)?.[1];
    if (!block) return null;
    return [...block.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
  } catch {
    return null;
  }
}

function footprint(spec: unknown): Footprint | string {
  const r = spawnSync('python3', [join(here, 'scaling', 'sqlite_footprint.py')], { input: JSON.stringify(spec), encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `not measured (${r.error.message})`;
  if (r.status !== 0) return `not measured (${(r.stderr || '').trim().split('\n').slice(-1)[0]})`;
  return JSON.parse(r.stdout) as Footprint;
}

export async function measure(): Promise<Measured> {
  const { ctx, raws } = workload();
  const inputs = raws.map((r) => parseRouteInput(r));
  let i = 0;
  let j = 0;
  const validateUs = usPerCall(() => parseRouteInput(raws[i++ & 63]));
  const decideUs = usPerCall(() => decide(inputs[j++ & 63]!, ctx));
  const decision = decide(inputs[0]!, ctx);
  const prev = 'ab'.repeat(32);
  const receiptUs = usPerCall(() => hashReceipt(buildReceipt(receiptFieldsOf(decision, 2, prev))));
  const signer = await createEd25519Signer(new Uint8Array(32).fill(7));
  const unsigned = buildReceipt(receiptFieldsOf(decision, 2, prev));
  const hash = hashReceipt(unsigned);
  const signUs = await usPerAsyncCall(() => signer.sign(utf8(hash)));
  const leaf = fromHex(hash);
  // An append stores its leaf hash and completes one parent node on average (tree-store.ts).
  const merkleUs = usPerCall(() => nodeHash(leafHash(leaf), leaf));
  const signed = await signReceipt(unsigned, signer);
  const jsonUs = usPerCall(() => JSON.stringify(decision).length + JSON.stringify(signed).length);
  const decisionJson = JSON.stringify(decision);
  const receiptJson = JSON.stringify(signed);

  // D1 index rows, as worker/log/evidence-index.ts writes them (decision row, receipt row, index state).
  const created = '2026-12-01T10:00:00.000Z';
  const uniq = (s: string) => s.slice(0, -12) + '@@I@@';
  const decisionRow = [uniq(decision.decision_id), 'tenant-bench', uniq(decision.correlation_id), decision.capability_id, 'prod', 'INTERNAL', decision.selected_worker_species_id, 0, null, decision.matched_rule_id, 'rules.v1', null, uniq(signed.receipt_id), 7, created, decisionJson];
  const receiptRow = [uniq(signed.receipt_id), 'tenant-bench', { seq: true }, { prev: signed.receipt_hash.slice(0, -12) }, uniq(signed.receipt_hash), uniq(decision.decision_id), 'hall-key-2026-12', created, receiptJson];
  const migrations = readdirSync(join(repoRoot, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(join(repoRoot, 'migrations', f), 'utf8'));
  const DECISION_COLUMNS = 'decision_id, tenant_id, correlation_id, capability_id, env, data_label, selected_worker_species_id, denied, deny_code, matched_rule_id, rules_version, approval_id, receipt_id, receipt_seq, created_at, decision_json';
  const RECEIPT_COLUMNS = 'receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json';
  const q = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  // receipts rows form one chain (migration 0002's trigger checks every link).
  const d1Spec = (decisionJsonValue: string, receiptJsonValue: string) => ({
    schema: migrations,
    n: 20_000,
    batch: 1,
    writes: [
      { table: 'decisions', sql: `INSERT INTO decisions (${DECISION_COLUMNS}) VALUES (${q(16)})`, row: [...decisionRow.slice(0, 15), decisionJsonValue], per: 'decision' },
      { table: 'receipts', sql: `INSERT INTO receipts (${RECEIPT_COLUMNS}) VALUES (${q(9)})`, row: [...receiptRow.slice(0, 8), receiptJsonValue], per: 'decision' },
    ],
  });
  const d1 = footprint(d1Spec(decisionJson, receiptJson));
  const d1WithoutJson = footprint(d1Spec('', ''));
  const schema = logObjectSchema();
  const stored = JSON.stringify({ decision: Object.fromEntries(DECISION_COLUMNS.split(', ').map((c, k) => [c, decisionRow[k]])) });
  const logObject = schema
    ? footprint({
        schema,
        n: 20_000,
        batch: 1,
        writes: [
          { table: 'receipts', sql: 'INSERT INTO receipts (seq, receipt_id, receipt_hash, created_at, receipt_json) VALUES (?, ?, ?, ?, ?)', row: [{ seq: true }, uniq(signed.receipt_id), signed.receipt_hash, created, receiptJson], per: 'decision' },
          { table: 'index_rows', sql: 'INSERT INTO index_rows (seq, record_json) VALUES (?, ?)', row: [{ seq: true }, stored], per: 'decision' },
          { table: 'tree_nodes', sql: 'INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)', row: [], per: 'tree' },
        ],
      })
    : 'not measured (worker/log/tenant-log-object.ts has no SCHEMA yet)';
  return {
    validateUs,
    decideUs,
    receiptUs,
    signUs,
    signBackend: signer.backend,
    merkleUs,
    jsonUs,
    decisionBytes: decisionJson.length,
    receiptBytes: receiptJson.length,
    d1,
    d1WithoutJson,
    logObject,
  };
}

// ---------------------------------------------------------------------------------------------------
// The model

const P = PUBLISHED;
const GB = 1e9;
const SECONDS_PER_MONTH = 30 * 86_400;

const bytesOf = (f: Footprint | string, fallback: number) => (typeof f === 'string' ? fallback : f.bytes_per_decision);
const rowsOf = (f: Footprint | string, fallback: number) => (typeof f === 'string' ? fallback : f.rows_written_per_decision);

/** Appends that reach an object together are one transaction; index feeds carry what arrived meanwhile. */
const appendBatch = (rate: number) => 1 + rate * (ASSUMED.doAppendMs / 1000);
const feedBatch = (rate: number) => Math.min(100, 1 + rate * (ASSUMED.indexFeedMs / 1000));

/** D1 queries one decision costs: its rows go in multi-row INSERTs of at most 100 parameters, plus the state row. */
function d1QueriesPerDecision(rate: number): number {
  const b = feedBatch(rate);
  const perStmt = (cols: number) => Math.ceil(b / Math.floor(P.d1ParamsPerQuery.value / cols)) / b;
  return perStmt(16) + perStmt(9) + 1 / b;
}

export interface Costs {
  lines: [string, number][];
  total: number;
}

/** Marginal cost of one million decisions for a tenant deciding `rate` per second (beyond included usage). */
export function costPerMillion(m: Measured, rate: number, retentionMonths = 1): Costs {
  const workerCpuMs = (m.validateUs + m.decideUs + m.jsonUs) / 1000;
  const checkpointsPerDecision = 1 / Math.max(1, rate);
  const doRows = rowsOf(m.logObject, 4) + 1 / appendBatch(rate) + ASSUMED.checkpointRowsPerSecond * checkpointsPerDecision;
  const d1Rows = rowsOf(m.d1, 11) + 1 / feedBatch(rate);
  const lines: [string, number][] = [
    ['Workers requests', P.workersRequestPrice.value],
    ['Workers CPU (validate + decide + JSON)', workerCpuMs * P.workersCpuPrice.value],
    ['Durable Object requests (append + checkpoint alarms)', (1 + checkpointsPerDecision) * P.doRequestPrice.value],
    ['Durable Object duration', 1e6 * (ASSUMED.doAppendMs / 1000 / appendBatch(rate)) * P.doMemoryGb.value * (P.doDurationPrice.value / 1e6)],
    ['Durable Object rows written', doRows * P.doRowsWrittenPrice.value],
    [`Durable Object storage (${retentionMonths} month kept)`, (bytesOf(m.logObject, m.decisionBytes + m.receiptBytes) * 1e6 / GB) * P.doStoragePrice.value * retentionMonths],
    ['D1 index rows written', d1Rows * P.d1RowsWrittenPrice.value],
    [`D1 index storage (${retentionMonths} month kept)`, (bytesOf(m.d1, m.decisionBytes + m.receiptBytes) * 1e6 / GB) * P.d1StoragePrice.value * retentionMonths],
  ];
  return { lines, total: lines.reduce((s, [, v]) => s + v, 0) };
}

/** One limit at one load: how much of it is used now, or how long until it fills. */
export interface Pressure {
  limit: string;
  /** Share of a throughput limit in use (> 1: over). */
  use?: number;
  /** Days until a storage limit fills at this rate (nothing is deleted today). */
  days?: number;
}

export function pressures(m: Measured, s: Scenario): Pressure[] {
  const top = s.decisionsPerSec * s.topTenantShare;
  const inObjectUs = m.receiptUs + m.signUs + m.merkleUs;
  const isolateChecks = s.isolates / ASSUMED.configCheckS;
  // The index feeds of many tenants: each tenant's own rate sets its batch size.
  const typical = (s.decisionsPerSec * (1 - s.topTenantShare)) / Math.max(1, s.tenants - 1);
  const d1Queries = top * d1QueriesPerDecision(top) + (s.decisionsPerSec - top) * d1QueriesPerDecision(typical) + isolateChecks;
  const d1Capacity = 1000 / P.d1QueryMs.value;
  const doBytes = bytesOf(m.logObject, m.decisionBytes + m.receiptBytes);
  const d1Bytes = bytesOf(m.d1, m.decisionBytes + m.receiptBytes);
  const days = (bytes: number, perDecision: number, rate: number) => bytes / perDecision / rate / 86_400;
  return [
    { limit: `busiest tenant's log object: ${Math.round(top)}/s of the ${P.doSoftRps.value}/s soft limit`, use: top / P.doSoftRps.value },
    { limit: `busiest tenant's log object CPU: ${Math.round(top)}/s x ${inObjectUs.toFixed(0)} µs (hash, sign, tree; SQLite not included)`, use: (top * inObjectUs) / 1e6 },
    { limit: `D1 index: ${Math.round(d1Queries)} queries/s (${Math.round(isolateChecks)} of them config checks) of about ${d1Capacity}/s`, use: d1Queries / d1Capacity },
    { limit: `busiest tenant's log object fills its ${P.doStorage.value / GB} GB`, days: days(P.doStorage.value, doBytes, top) },
    { limit: `D1 index fills its ${P.d1Storage.value / GB} GB`, days: days(P.d1Storage.value, d1Bytes, s.decisionsPerSec) },
  ];
}

/** The first limit that breaks: a throughput limit over 1 breaks now; else the storage that fills first. */
export function firstToBreak(ps: Pressure[]): Pressure {
  const over = ps.filter((p) => (p.use ?? 0) >= 1).sort((a, b) => b.use! - a.use!);
  if (over.length) return over[0]!;
  return ps.filter((p) => p.days !== undefined).sort((a, b) => a.days! - b.days!)[0]!;
}

// ---------------------------------------------------------------------------------------------------
// Report

const us = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} µs`;
const money = (n: number) => `$${n < 0.01 ? n.toFixed(4) : n.toFixed(2)}`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<void> {
  const m = await measure();
  console.log('published inputs (Cloudflare docs, read 2026-12-01):');
  for (const f of Object.values(PUBLISHED)) console.log(`  ${String(f.value).padStart(7)} ${f.unit.padEnd(16)} ${f.what}  [${f.source}]`);
  console.log(`assumed: append busy time ${ASSUMED.doAppendMs} ms (from the soft limit${process.env.SCALING_DO_APPEND_MS ? '; SCALING_DO_APPEND_MS given' : ''}), index feed round trip ${ASSUMED.indexFeedMs} ms, config check every ${ASSUMED.configCheckS} s per warm isolate`);

  console.log('\nmeasured on this machine (median of rounds):');
  console.log(`  validate RouteInput ${us(m.validateUs)}, decide() at 20 rules ${us(m.decideUs)}, decision + receipt JSON ${us(m.jsonUs)}`);
  console.log(`  receipt build + hash (JCS, SHA-256) ${us(m.receiptUs)}, Ed25519 sign (${m.signBackend}) ${us(m.signUs)}, Merkle leaf + node ${us(m.merkleUs)}`);
  console.log(`  decision ${fmt(m.decisionBytes)} bytes, signed receipt ${fmt(m.receiptBytes)} bytes of JSON`);
  const fp = (name: string, f: Footprint | string) =>
    console.log(
      typeof f === 'string'
        ? `  ${name}: ${f}`
        : `  ${name}: ${fmt(f.bytes_per_decision)} bytes and ${f.rows_written_per_decision.toFixed(2)} billed rows written per decision (SQLite ${f.sqlite_version}; indexes ${Object.entries(f.indexes).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ')})`,
    );
  fp('D1 index (migrations/*.sql)', m.d1);
  fp('D1 index without decision_json/receipt_json', m.d1WithoutJson);
  fp('tenant log object (its SCHEMA)', m.logObject);

  const workerUs = m.validateUs + m.decideUs + m.jsonUs;
  const objectUs = m.receiptUs + m.signUs + m.merkleUs;
  console.log('\nwhat each part sustains:');
  console.log(`  one tenant (one log object): ${fmt(P.doSoftRps.value)} decisions/s (soft limit); its CPU would allow ${fmt(1e6 / objectUs)}/s before SQLite; x shards (up to 16)`);
  console.log(`  one tenant's object storage: ${fmt(P.doStorage.value / bytesOf(m.logObject, m.decisionBytes + m.receiptBytes))} decisions (${P.doStorage.value / GB} GB), ${(P.doStorage.value / bytesOf(m.logObject, m.decisionBytes + m.receiptBytes) / P.doSoftRps.value / 3600).toFixed(1)} h at the soft limit`);
  console.log(`  one PoP: no published capacity; the Hall needs ${us(workerUs)} of Worker CPU per decision here, ${fmt(1e6 / workerUs)} decisions/s per core`);
  console.log(`  the network: one D1 index at about ${1000 / P.d1QueryMs.value} queries/s carries ${fmt(1000 / d1QueriesPerDecision(1))}/s from quiet tenants (3 queries each) to ${fmt(1000 / d1QueriesPerDecision(10_000))}/s from busy ones, minus the isolates' config checks`);
  console.log(`  the network's index storage: ${fmt(P.d1Storage.value / bytesOf(m.d1, 1))} decisions in ${P.d1Storage.value / GB} GB`);

  console.log('\ncost of one million decisions (beyond the included monthly usage):');
  for (const rate of [1, 100, 1000]) {
    const c = costPerMillion(m, rate);
    console.log(`  tenant at ${rate}/s: ${money(c.total)}  (${c.lines.filter(([, v]) => v >= 0.005).map(([k, v]) => `${k} ${money(v)}`).join('; ')})`);
  }

  console.log('\nwhat breaks first:');
  for (const s of SCENARIOS) {
    const ps = pressures(m, s);
    const first = firstToBreak(ps);
    console.log(`  ${s.name}: ${fmt(s.decisionsPerSec)} decisions/s, ${fmt(s.tenants)} tenants, busiest ${Math.round(s.topTenantShare * 100)}%, ${fmt(s.isolates)} warm isolates`);
    for (const p of ps) console.log(`      ${p.use !== undefined ? `${(p.use * 100).toFixed(0).padStart(5)}%` : `${p.days! < 1 ? (p.days! * 24).toFixed(1) + ' h' : p.days!.toFixed(0) + ' d'}`.padStart(6)}  ${p.limit}`);
    const checks = (s.isolates / ASSUMED.configCheckS) * SECONDS_PER_MONTH;
    console.log(`      config checks: ${fmt(checks / 1e6)} million KV reads and D1 queries a month (${money((checks / 1e6) * P.kvReadPrice.value)} in KV reads), whatever the traffic`);
    console.log(`    -> first: ${first.limit}${first.use !== undefined ? ` (${(first.use * 100).toFixed(0)}%)` : ` (in ${first.days! < 1 ? (first.days! * 24).toFixed(1) + ' hours' : first.days!.toFixed(0) + ' days'})`}`);
  }
}
