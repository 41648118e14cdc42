// The Hall governs a real upstream MCP server: @modelcontextprotocol/server-everything runs on
// loopback in Streamable HTTP mode, the Hall (the real worker in Miniflare, local dev) imports its
// tools as one worker record, an agent calls them through POST /mcp with the official SDK client,
// every call leaves a signed outcome — and a rule change denies a tool allowed a moment earlier.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyOutcome, verifyReceipt } from '../../src/index.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { freePort } from '../start/hall-process.js';

const require = createRequire(import.meta.url);
const everythingMain = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

let upstream: ChildProcess;
let upstreamPort: number;
let upstreamUrl: string;
let upstreamOutput = '';
let hall: LiveHall;

async function startEverything(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [everythingMain, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  upstreamOutput = '';
  child.stdout!.on('data', (d) => (upstreamOutput += d));
  child.stderr!.on('data', (d) => (upstreamOutput += d));
  const deadline = Date.now() + 30_000;
  while (!upstreamOutput.includes(`listening on port ${port}`)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server-everything did not start:\n${upstreamOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function stopEverything(): Promise<void> {
  if (upstream && upstream.exitCode === null && upstream.signalCode === null) {
    const exited = new Promise((r) => upstream.once('exit', r));
    upstream.kill('SIGTERM');
    await exited;
  }
}

/** Sessions server-everything opened since it started (it logs each one). */
const sessionsOpened = (): number => upstreamOutput.split('Session initialized with ID').length - 1;

beforeAll(async () => {
  upstreamPort = await freePort();
  upstream = await startEverything(upstreamPort);
  upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  hall = await startLiveHall({ bindings: { HALL_LOCAL_DEV: '1' } });
});

afterAll(async () => {
  await hall?.close();
  await stopEverything();
});

function api(path: string, init: { method?: string; token?: string; json?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  return fetch(hall.url + path, { method: init.method ?? 'GET', headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
}

const IMPORT = {
  url: '',
  worker_species_id: 'wrk.everything.server',
  tools: { echo: 'cap.everything.echo', 'get-sum': 'cap.everything.sum', 'get-structured-content': 'cap.everything.weather' },
  record: { description: 'The MCP reference server, governed by the Hall.', risk_tier: 'low', allowed_environments: ['dev', 'stage', 'prod'] },
};

const CAPS = Object.values(IMPORT.tools);

async function putRules(caps: string[]): Promise<void> {
  const current = (await (await api('/admin/rules', { token: hall.adminToken })).json()) as { document: { rules: { rule_id: string }[] } };
  const kept = current.document.rules.filter((r) => !r.rule_id.startsWith('rr_everything_'));
  const added = caps.map((c) => ({ rule_id: `rr_everything_${c.split('.').pop()}`, match: { capability_id: c }, decision: { candidate_workers_ranked: [{ worker_species_id: IMPORT.worker_species_id, score_hint: 1 }] } }));
  const res = await api('/admin/rules', { method: 'PUT', token: hall.adminToken, json: { rules: [...added, ...kept] } });
  expect(res.status).toBe(201);
}

async function agent(): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${hall.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${hall.demoToken}` } } });
  const client = new Client({ name: 'import-test-agent', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type ToolResult = { content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean; _meta?: Record<string, unknown> };
const wcp = (r: ToolResult) => r._meta?.['org.edgehall/wcp'] as { decision_id: string; denied: boolean; deny_code: string | null; receipt: Record<string, unknown> & { receipt_id: string; receipt_hash: string; decision_id: string; tenant_id: string; worker_id: string | null; capability_id: string }; outcome: Record<string, unknown> | null };

describe('importing server-everything', () => {
  it('refuses before contacting the upstream: another tenant\'s namespace, fields the import builds, an unmapped id', async () => {
    expect((await api('/workers/org.acme.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl } })).status).toBe(403);
    const built = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl, record: { dispatch: {} } } });
    expect(built.status).toBe(400);
    const badCap = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl, tools: { echo: 'echo' } } });
    expect(badCap.status).toBe(400);
  });

  it('names the upstream tools when a mapped one does not exist (422), and reports an unreachable upstream (502)', async () => {
    const res = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl, tools: { 'no-such-tool': 'cap.everything.none' } } });
    expect(res.status).toBe(422);
    const p = (await res.json()) as { code: string; detail: string };
    expect(p.code).toBe('MCP_IMPORT_TOOL_UNKNOWN');
    expect(p.detail).toContain('get-sum');
    const closed = `http://127.0.0.1:${await freePort()}/mcp`;
    const down = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: closed } });
    expect(down.status).toBe(502);
    expect(((await down.json()) as { code: string; dispatch_code: string })).toMatchObject({ code: 'MCP_IMPORT_UPSTREAM_FAILED', dispatch_code: 'DISPATCH_UNREACHABLE' });
  });

  it('returns the record unenrolled on request ("enroll": false), with a valid artifact_hash', async () => {
    const res = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl, enroll: false } });
    expect(res.status, await res.clone().text()).toBe(200);
    const { enrolled, record } = (await res.json()) as { enrolled: boolean; record: Record<string, unknown> };
    expect(enrolled).toBe(false);
    expect(record['artifact_hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('enrolls one worker whose capabilities are the mapped tools, with the upstream\'s descriptions and schemas', async () => {
    const res = await api('/workers/org.demo.everything/mcp-import', { method: 'POST', token: hall.demoToken, json: { ...IMPORT, url: upstreamUrl } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { enrolled: boolean; worker_id: string; namespace: string; upstream_tools: number; record: Record<string, any> };
    expect(body).toMatchObject({ enrolled: true, worker_id: 'org.demo.everything', namespace: 'org.demo' });
    expect(body.upstream_tools).toBeGreaterThan(3);
    expect(body.record['capabilities']).toEqual(CAPS);
    expect(body.record['dispatch']).toEqual({ kind: 'mcp', url: upstreamUrl });
    const echo = body.record['tools']['cap.everything.echo'];
    expect(echo).toMatchObject({ title: 'Echo Tool', description: 'Echoes back the input string', upstream_tool: 'echo' });
    expect(echo.input_schema.properties.message.type).toBe('string');
    expect(body.record['tools']['cap.everything.weather'].output_schema.properties.temperature.type).toBe('number');
  });
});

describe('governed calls through POST /mcp', () => {
  let client: Client;
  beforeAll(async () => {
    await putRules(CAPS);
    client = await agent();
  });
  afterAll(async () => client?.close());

  it('lists the imported tools with the upstream schemas', async () => {
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name === 'cap.everything.echo');
    expect(echo?.description).toBe('Echoes back the input string');
    expect((echo?.inputSchema.properties as Record<string, { type: string }>)['message']!.type).toBe('string');
  });

  it('calls the upstream tool: its result, the decision\'s receipt and a signed outcome', async () => {
    const result = (await client.callTool({ name: 'cap.everything.echo', arguments: { message: 'hello, governed world' } })) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.content[0]!.text).toBe('Echo: hello, governed world');
    const meta = wcp(result);
    const jwks = await (await api('/.well-known/wcp-keys.json')).json();
    expect(await verifyReceipt(meta.receipt, jwks)).toEqual({ ok: true });
    expect(meta.receipt['worker_id']).toBe('org.demo.everything');
    const stored = (await (await api(`/decisions/${meta.decision_id}/outcome`, { token: hall.demoToken })).json()) as { outcome: Record<string, unknown> };
    expect(await verifyOutcome(stored.outcome, jwks, { receipt: meta.receipt })).toEqual({ ok: true });
    expect(stored.outcome).toMatchObject({ status: 'ok', target_kind: 'mcp', error_code: null, worker_id: 'org.demo.everything', capability_id: 'cap.everything.echo' });
  });

  it('structured results are checked against the imported output schema and handed on', async () => {
    const sum = (await client.callTool({ name: 'cap.everything.sum', arguments: { a: 2, b: 40 } })) as ToolResult;
    expect(sum.content[0]!.text).toContain('42');
    const weather = (await client.callTool({ name: 'cap.everything.weather', arguments: { location: 'Chicago' } })) as ToolResult;
    expect(weather.isError).toBeFalsy();
    expect(typeof weather.structuredContent?.['temperature']).toBe('number');
  });

  it('reuses one upstream session for the worker\'s calls, and opens a new one when the upstream forgot it', async () => {
    const before = sessionsOpened();
    for (let i = 0; i < 3; i++) {
      const r = (await client.callTool({ name: 'cap.everything.echo', arguments: { message: `call ${i}` } })) as ToolResult;
      expect(r.content[0]!.text).toBe(`Echo: call ${i}`);
    }
    expect(sessionsOpened() - before).toBeLessThanOrEqual(1);
    // The upstream restarts (its sessions are gone): the Hall's session is refused, it starts a new one.
    await stopEverything();
    upstream = await startEverything(upstreamPort);
    const again = (await client.callTool({ name: 'cap.everything.echo', arguments: { message: 'after a restart' } })) as ToolResult;
    expect(again.isError).toBeFalsy();
    expect(again.content[0]!.text).toBe('Echo: after a restart');
    expect(sessionsOpened()).toBe(1);
  });

  it('a rule change denies a tool that was allowed a moment earlier', async () => {
    const before = (await client.callTool({ name: 'cap.everything.echo', arguments: { message: 'still allowed' } })) as ToolResult;
    expect(before.isError).toBeFalsy();
    await putRules(CAPS.filter((c) => c !== 'cap.everything.echo'));
    const after = (await client.callTool({ name: 'cap.everything.echo', arguments: { message: 'now denied' } })) as ToolResult;
    expect(after.isError).toBe(true);
    const meta = wcp(after);
    expect(meta).toMatchObject({ denied: true, deny_code: 'DENY_NO_MATCHING_RULE' });
    expect(meta.outcome ?? null).toBeNull();
    expect(meta.receipt['policy_decision']).toBe('DENY');
    // Nothing was dispatched for the denial: there is no outcome for it.
    expect((await api(`/decisions/${meta.decision_id}/outcome`, { token: hall.demoToken })).status).toBe(404);
    // What you can't call you don't see; the other imported tools still run.
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).not.toContain('cap.everything.echo');
    const sum = (await client.callTool({ name: 'cap.everything.sum', arguments: { a: 1, b: 1 } })) as ToolResult;
    expect(sum.isError).toBeFalsy();
  });
});
