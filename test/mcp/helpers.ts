// Helpers for the MCP suite: seeding the Hall (kv-seed plus gateway-ready worker records written
// straight into the D1 registry), a Hall instance per test file (with an injectable dispatcher), a
// fetch that enters that Hall in-process, and the official MCP SDK client bound to it.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker-provider.js';
import { createHallWorker, type HallWorkerOptions } from '../../worker/app.js';
import type { HallEnv } from '../../worker/env.js';
import type { DispatchCall, DispatchOutcome, Dispatcher } from '../../worker/dispatch/types.js';

export const HALL = 'http://hall.test';
export const MCP_URL = `${HALL}/mcp`;
export const ADMIN = env.HALL_ADMIN_TOKEN;
export const DEMO = env.TEST_DEMO_TOKEN;
export const APPROVER = env.TEST_APPROVER_TOKEN;

export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** A Hall (its own runtime) and a fetch that enters it in-process, as a client's fetch would. */
export function gateway(options: HallWorkerOptions = {}, envOverrides: Partial<HallEnv> = {}): { fetch: Fetch; env: HallEnv } {
  const hall = createHallWorker(options);
  const hallEnv = { ...(env as unknown as HallEnv), ...envOverrides };
  const fetch: Fetch = async (input, init) => {
    const ctx = createExecutionContext();
    const res = await hall.fetch(new Request(input, init) as Parameters<typeof hall.fetch>[0], hallEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
  return { fetch, env: hallEnv };
}

/** The official SDK client over Streamable HTTP with a bearer token (none: no Authorization header). */
export async function connect(fetch: Fetch, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch,
    ...(token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}),
  });
  // The SDK's default (Ajv) compiles code at run time, which workerd forbids.
  const client = new Client({ name: 'edgehall-mcp-test', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

/** A raw POST /mcp (for what the SDK client cannot send: other revisions, malformed bodies). */
export function post(fetch: Fetch, body: unknown, headers: Record<string, string> = {}, token: string | null = DEMO): Promise<Response> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
  if (token) h['authorization'] = `Bearer ${token}`;
  return fetch(MCP_URL, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** The `_meta` and headers of a 2026-07-28 request. */
export function modern(method: string, name?: string): { meta: Record<string, unknown>; headers: Record<string, string> } {
  return {
    meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
    },
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name !== undefined ? { 'mcp-name': name } : {}) },
  };
}

/** Records every call it gets and answers like a worker that summarizes. */
export function recordingDispatcher(answer?: (call: DispatchCall) => DispatchOutcome): Dispatcher & { calls: DispatchCall[] } {
  const calls: DispatchCall[] = [];
  const d = (async (_ctx, call) => {
    calls.push(call);
    if (answer) return answer(call);
    const text = `summary of ${JSON.stringify(call.arguments)}`;
    return {
      status: 'ok',
      errorCode: null,
      message: null,
      httpStatus: 200,
      durationMs: 3,
      resultSha256: 'a'.repeat(64),
      result: { content: [{ type: 'text', text }], structuredContent: { summary: text } },
    };
  }) as Dispatcher & { calls: DispatchCall[] };
  d.calls = calls;
  return d;
}

export const SUMMARIZE_SCHEMA = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 10_000 },
    sentences: { type: 'integer', minimum: 1, maximum: 20 },
  },
  required: ['text'],
  additionalProperties: false,
};

/** The seed's summarizer as a gateway worker: a dispatch target and its MCP tool description. */
export function summarizerRecord(): Record<string, unknown> {
  const seed = seedRecord('org.demo.doc-summarizer');
  return {
    ...seed,
    dispatch: { kind: 'https', url: 'https://summarizer.example/run' },
    tools: {
      'cap.doc.summarize': {
        title: 'Summarize a text',
        description: 'Extractive summary of a text.',
        input_schema: SUMMARIZE_SCHEMA,
        output_schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
      },
    },
  };
}

/** The seed's chunker with no dispatch target: the Hall allows it but can only advise. */
export function advisoryChunkerRecord(): Record<string, unknown> {
  const { dispatch: _d, tools: _t, ...rest } = seedRecord('org.demo.doc-chunker');
  return rest;
}

/** A worker whose capability no rule matches: every call is denied (DENY_NO_MATCHING_RULE). */
export function unruledRecord(): Record<string, unknown> {
  return {
    worker_id: 'org.demo.mcp-unruled',
    worker_species_id: 'wrk.mcp.unruled',
    capabilities: ['cap.mcp.unruled'],
    description: 'A capability no rule routes.',
    dispatch: { kind: 'https', url: 'https://unruled.example/run' },
  };
}

export function seedRecord(workerId: string): Record<string, unknown> {
  const row = env.TEST_REGISTRY_SEED.find((r) => r.worker_id === workerId);
  if (!row) throw new Error(`no seed worker ${workerId}`);
  return JSON.parse(row.record_json) as Record<string, unknown>;
}

/** Writes a record into the D1 registry as enrolled by `namespace` (species owned by it), then bumps the generation. */
export async function putWorker(record: Record<string, unknown>, namespace = 'org.demo'): Promise<void> {
  const db = env.HALL_DB;
  const at = new Date().toISOString();
  const id = record['worker_id'] as string;
  const species = record['worker_species_id'] as string;
  await db.batch([
    db.prepare('INSERT OR REPLACE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)').bind(species, namespace, 'mcp-test', at),
    db.prepare('DELETE FROM registry_workers WHERE worker_species_id = ?1 AND worker_id != ?2').bind(species, id),
    db
      .prepare(
        `INSERT OR REPLACE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'mcp-test', ?7, NULL)`,
      )
      .bind(id, namespace, species, JSON.stringify(record), 'sha256:' + '0'.repeat(64), `enr_mcp_${id}`, at),
    db.prepare('UPDATE hall_meta SET generation = generation + 1, updated_at = ?1 WHERE id = 1').bind(at),
  ]);
}

/** kv-seed into KV, the seed's workers into D1, then the gateway's test workers over them. */
export async function seedHall(): Promise<void> {
  for (const { key, value } of env.TEST_KV_SEED) await env.HALL_KV.put(key, value);
  for (const r of env.TEST_REGISTRY_SEED) await putWorker(JSON.parse(r.record_json) as Record<string, unknown>, r.namespace);
  await putWorker(summarizerRecord());
  await putWorker(advisoryChunkerRecord());
  await putWorker(unruledRecord());
}

export async function decisionsWith(correlationId: string): Promise<number> {
  return (await env.HALL_DB.prepare('SELECT COUNT(*) AS n FROM decisions WHERE correlation_id = ?').bind(correlationId).first<{ n: number }>())!.n;
}

export async function jwks(fetch: Fetch): Promise<unknown> {
  return (await fetch(`${HALL}/.well-known/wcp-keys.json`)).json();
}

/** The `_meta["org.edgehall/wcp"]` of a tool result. */
export function wcpOf(result: { _meta?: Record<string, unknown> | undefined }): Record<string, any> {
  return (result._meta?.['org.edgehall/wcp'] ?? {}) as Record<string, any>;
}

/** The summarizer dispatched for real: the Service binding TARGET (test/support/target-worker.ts). */
export function targetSummarizerRecord(): Record<string, unknown> {
  const record = summarizerRecord();
  const tool = (record['tools'] as Record<string, Record<string, unknown>>)['cap.doc.summarize']!;
  // `mode` makes the test target misbehave on request (echo | hang | fail | garbage | …).
  const schema = { ...SUMMARIZE_SCHEMA, properties: { ...SUMMARIZE_SCHEMA.properties, mode: { type: 'string' }, ms: { type: 'integer' } } };
  const { output_schema: _o, ...spec } = tool;
  return {
    ...record,
    dispatch: { kind: 'service', service: 'TARGET', path: '/w/org.demo.doc-summarizer', timeout_ms: 1000 },
    tools: { 'cap.doc.summarize': { ...spec, input_schema: schema } },
  };
}
