// Helpers for the dispatch suite: the seed, the suite's own workers (one per kind of dispatch target,
// enrolled through POST /enroll like any tenant's), their rules, a Hall entered in-process, the
// official MCP SDK client bound to it, and reading back what a target saw.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker-provider.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { createHallWorker, type HallWorkerOptions } from '../../worker/app.js';
import type { HallEnv } from '../../worker/env.js';

export const HALL = 'http://hall.test';
export const ADMIN = env.HALL_ADMIN_TOKEN;
export const DEMO = env.TEST_DEMO_TOKEN;
export const PORT = env.TEST_TARGET_PORT;
export const LOOPBACK = `http://127.0.0.1:${PORT}`;
export const JWKS = JSON.parse(env.TEST_JWKS) as { keys: unknown[] };
export const ORG_DEMO_SECRET = 'upstream-credential-of-org-demo-0123456789';

export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** A Hall (its own runtime) entered in-process; `envOverrides` runs it with other bindings. */
export function hall(options: HallWorkerOptions = {}, envOverrides: Record<string, unknown> = {}): Fetch {
  const h = createHallWorker(options);
  const hallEnv = { ...(env as unknown as HallEnv), ...envOverrides } as HallEnv;
  return async (input, init) => {
    const ctx = createExecutionContext();
    const res = await h.fetch(new Request(input, init) as Parameters<typeof h.fetch>[0], hallEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

export function call(fetch: Fetch, path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const { token: _t, json, ...rest } = init;
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(HALL + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : (rest.body ?? null) });
}

/** kv-seed into KV and the seed's workers into the D1 registry (what `npm start` does). */
export async function seed(): Promise<void> {
  for (const { key, value } of env.TEST_KV_SEED) await env.HALL_KV.put(key, value);
  const at = new Date().toISOString();
  const db = env.HALL_DB;
  const stmts: D1PreparedStatement[] = [];
  for (const r of env.TEST_REGISTRY_SEED) {
    stmts.push(
      db.prepare('INSERT OR REPLACE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)').bind(r.worker_species_id, r.namespace, 'kv-seed', at),
      db
        .prepare(
          `INSERT OR REPLACE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'kv-seed', ?7, NULL)`,
        )
        .bind(r.worker_id, r.namespace, r.worker_species_id, r.record_json, r.artifact_hash, `enr_seed_${r.worker_id}`, at),
    );
  }
  stmts.push(db.prepare('UPDATE hall_meta SET generation = generation + 1, updated_at = ?1 WHERE id = 1').bind(at));
  await db.batch(stmts);
}

/**
 * Writes a record straight into the D1 registry, as if enrolled long ago (or seeded): how a record
 * that today's enrollment would refuse can still reach the dispatcher, which must re-check it.
 */
export async function insertRecord(record: Record<string, unknown>, namespace = 'org.demo'): Promise<void> {
  const db = env.HALL_DB;
  const at = new Date().toISOString();
  const id = record['worker_id'] as string;
  const species = record['worker_species_id'] as string;
  const withHash = { ...record, artifact_hash: enrollmentArtifactHash(record) };
  await db.batch([
    db.prepare('INSERT OR REPLACE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)').bind(species, namespace, 'test', at),
    db
      .prepare(
        `INSERT OR REPLACE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'test', ?7, NULL)`,
      )
      .bind(id, namespace, species, JSON.stringify(withHash), withHash.artifact_hash, `enr_test_${id}`, at),
    db.prepare('UPDATE hall_meta SET generation = generation + 1, updated_at = ?1 WHERE id = 1').bind(at),
  ]);
}

/** POST /enroll of `record` (artifact_hash computed) with `token`. */
export function enroll(fetch: Fetch, record: Record<string, unknown>, token = DEMO): Promise<Response> {
  return call(fetch, '/enroll', { method: 'POST', token, json: { ...record, artifact_hash: enrollmentArtifactHash(record) } });
}

/** Adds (or replaces, by rule_id) rules routing each capability to one species, keeping the rest. */
export async function routeCapabilities(fetch: Fetch, routes: Record<string, string>): Promise<void> {
  const current = (await (await call(fetch, '/admin/rules', { token: ADMIN })).json()) as { document?: { rules: { rule_id: string }[] } };
  const ids = new Set(Object.keys(routes).map((c) => `rr_${c}`));
  const kept = (current.document?.rules ?? []).filter((r) => !ids.has(r.rule_id));
  const added = Object.entries(routes).map(([capability_id, species]) => ({
    rule_id: `rr_${capability_id}`,
    match: { capability_id },
    decision: { candidate_workers_ranked: [{ worker_species_id: species, score_hint: 1 }], preconditions: { must_have_correlation_id: true } },
  }));
  const res = await call(fetch, '/admin/rules', { method: 'PUT', token: ADMIN, json: { rules: [...added, ...kept] } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`PUT /admin/rules: ${res.status} ${await res.text()}`);
}

const TEXT_SCHEMA = { type: 'object', properties: { mode: { type: 'string' }, text: { type: 'string' }, ms: { type: 'number' }, count: {} } };

/** The suite's workers: one per kind of dispatch target. */
export const WORKERS = {
  service: {
    worker_id: 'org.demo.dt-svc',
    worker_species_id: 'wrk.dtest.svc',
    capabilities: ['cap.dtest.svc', 'cap.dtest.svc-structured'],
    description: 'Dispatch test target behind a Service binding.',
    dispatch: { kind: 'service', service: 'TARGET', path: '/w/org.demo.dt-svc', timeout_ms: 1000 },
    tools: {
      'cap.dtest.svc': { title: 'Echo', description: 'Echoes the text; `mode` makes it misbehave.', input_schema: TEXT_SCHEMA },
      'cap.dtest.svc-structured': {
        input_schema: TEXT_SCHEMA,
        output_schema: { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] },
      },
    },
  },
  https: {
    worker_id: 'org.demo.dt-https',
    worker_species_id: 'wrk.dtest.https',
    capabilities: ['cap.dtest.https'],
    dispatch: { kind: 'https', url: `${LOOPBACK}/https/org.demo.dt-https`, auth_secret: 'DISPATCH_ORG_DEMO__TARGET_TOKEN', timeout_ms: 1000 },
    tools: { 'cap.dtest.https': { input_schema: TEXT_SCHEMA } },
  },
  mcp: {
    worker_id: 'org.demo.dt-mcp',
    worker_species_id: 'wrk.dtest.mcp',
    capabilities: ['cap.dtest.mcp-echo', 'cap.dtest.mcp-slow', 'cap.dtest.mcp-boom'],
    dispatch: { kind: 'mcp', url: `${LOOPBACK}/mcp`, auth_secret: 'DISPATCH_ORG_DEMO__TARGET_TOKEN', timeout_ms: 1500 },
    tools: {
      'cap.dtest.mcp-echo': { upstream_tool: 'echo', input_schema: TEXT_SCHEMA },
      'cap.dtest.mcp-slow': { upstream_tool: 'slow', input_schema: TEXT_SCHEMA },
      'cap.dtest.mcp-boom': { upstream_tool: 'boom', input_schema: { type: 'object' } },
    },
  },
  mcpJson: {
    worker_id: 'org.demo.dt-mcp-json',
    worker_species_id: 'wrk.dtest.mcp-json',
    capabilities: ['cap.dtest.mcpjson-echo'],
    dispatch: { kind: 'mcp', url: `${LOOPBACK}/mcp-json?worker=org.demo.dt-mcp-json` },
    tools: { 'cap.dtest.mcpjson-echo': { upstream_tool: 'echo', input_schema: TEXT_SCHEMA } },
  },
  mcpDown: {
    worker_id: 'org.demo.dt-mcp-down',
    worker_species_id: 'wrk.dtest.mcp-down',
    capabilities: ['cap.dtest.mcpdown'],
    dispatch: { kind: 'mcp', url: `${LOOPBACK}/mcp-500` },
    tools: { 'cap.dtest.mcpdown': { input_schema: { type: 'object' } } },
  },
} satisfies Record<string, Record<string, unknown>>;

/** Seed, enroll the suite's workers and route their capabilities. */
export async function setUpWorkers(fetch: Fetch): Promise<void> {
  await seed();
  const routes: Record<string, string> = {};
  for (const w of Object.values(WORKERS)) {
    const res = await enroll(fetch, w);
    if (res.status !== 201) throw new Error(`enroll ${w.worker_id}: ${res.status} ${await res.text()}`);
    for (const c of w.capabilities) routes[c] = w.worker_species_id;
  }
  await routeCapabilities(fetch, routes);
}

/** The official SDK client over Streamable HTTP, entering the Hall in-process. */
export async function mcpClient(fetch: Fetch, token = DEMO): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${HALL}/mcp`), { fetch, requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'edgehall-dispatch-test', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

export interface WcpMeta {
  decision_id: string;
  denied: boolean;
  receipt: Record<string, unknown> & { receipt_id: string; receipt_hash: string; decision_id: string; tenant_id: string; worker_id: string | null; capability_id: string };
  outcome: (Record<string, unknown> & { status: string; error_code: string | null; result_sha256: string | null; duration_ms: number; http_status: number | null; result_is_error: boolean | null }) | null;
  [k: string]: unknown;
}

export function wcpMeta(result: { _meta?: Record<string, unknown> }): WcpMeta {
  return result._meta?.['org.edgehall/wcp'] as WcpMeta;
}

export function textOf(result: { content?: unknown }): string {
  return ((result.content as { type: string; text?: string }[] | undefined) ?? []).map((c) => c.text ?? '').join('\n');
}

interface SeenEntry {
  path: string;
  headers: Record<string, unknown>;
  body: string;
}

/** What the Service-binding target saw for a decision. */
export async function seenByWorkerTarget(decisionId: string): Promise<SeenEntry[]> {
  const res = await env.TARGET.fetch(`https://target/__seen/${encodeURIComponent(decisionId)}`);
  return ((await res.json()) as { seen: SeenEntry[] }).seen;
}

/** What the loopback (https / MCP) targets saw for a decision. */
export async function seenByLoopback(decisionId: string): Promise<SeenEntry[]> {
  const res = await fetch(`${LOOPBACK}/__seen/${encodeURIComponent(decisionId)}`);
  return ((await res.json()) as { seen: SeenEntry[] }).seen;
}
