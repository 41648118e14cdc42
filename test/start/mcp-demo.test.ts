// A newcomer's first governed tool call, end to end: the real `npm start` in a fresh copy of the
// project (the Hall and the seed's demo workers in one wrangler dev session), the official MCP SDK
// client over Streamable HTTP with the demo tenant's token from .dev.vars, and real work coming
// back — a summary of the text sent, then the five-step research pipeline — each result carrying a
// receipt that verifies against the Hall's published keys and sits in the tenant's chain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../demo-workers/tools/summarize.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { copyProject, devVars, freePort, removeProject, startHall, type RunningHall } from './hall-process.js';

const TEXT = [
  'Solar panels turn sunlight into electricity using photovoltaic cells.',
  'Photovoltaic cells are made of silicon, and silicon cells convert sunlight into a flow of electricity.',
  'My neighbour owns a friendly brown dog.',
  'The efficiency of solar panels depends on the cells, the angle to the sunlight and the temperature.',
  'Lunch was late today.',
  'Cheaper silicon has made solar electricity one of the lowest-cost sources of power.',
].join(' ');

const DEMO_TOOLS = ['cap.doc.summarize', 'cap.web.fetch', 'cap.doc.chunk', 'cap.ml.embed', 'cap.doc.hash', 'cap.research.register'];

let dir = '';
let hall: RunningHall | null = null;
let client: Client | null = null;
let token = '';
let jwks: unknown;

beforeAll(async () => {
  dir = copyProject('edgehall-mcp-demo-');
  hall = await startHall(dir, await freePort());
  expect(hall.output(), hall.output()).toContain(`[edgehall] ready: ${hall.base}`);
  token = devVars(dir)['HALL_DEMO_TENANT_TOKEN']!;
  jwks = await (await fetch(`${hall.base}/.well-known/wcp-keys.json`)).json();
  client = new Client({ name: 'edgehall-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${hall.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
  if (hall) expect(await hall.stop(), hall.output()).toBe(0);
  if (dir) removeProject(dir);
});

type Wcp = { decision_id: string; denied: boolean; deny_code: string | null; receipt: Record<string, any> };
const wcpOf = (result: Record<string, unknown>): Wcp => (result['_meta'] as Record<string, Wcp>)['org.edgehall/wcp']!;

async function callTool(name: string, args: Record<string, unknown>, correlationId?: string) {
  const result = (await client!.callTool({ name, arguments: args, ...(correlationId ? { _meta: { 'org.edgehall/wcp': { correlation_id: correlationId } } } : {}) })) as Record<string, any>;
  const wcp = wcpOf(result);
  expect(result['isError'], `${name}: ${JSON.stringify(result).slice(0, 600)}`).toBeFalsy();
  expect(wcp).toMatchObject({ denied: false, deny_code: null });
  expect(wcp.receipt).toMatchObject({ decision_id: wcp.decision_id, capability_id: name, policy_decision: 'ALLOW', tenant_id: 'demo', dry_run: false });
  expect(await verifyReceipt(wcp.receipt, jwks), name).toMatchObject({ ok: true });
  return { result, wcp };
}

describe('npm start + an MCP client: governed, receipted demo workers', () => {
  it('the ready output names the MCP endpoint', () => {
    expect(hall!.output()).toContain(`[edgehall] MCP: ${hall!.base}/mcp`);
  });

  it('tools/list offers the six demo tools with the input schemas from their seed records', async () => {
    const { tools } = await client!.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of DEMO_TOOLS) expect(byName.has(name), name).toBe(true);
    const record = JSON.parse(readFileSync(join(dir, 'kv-seed/workers/doc-summarizer.json'), 'utf8')) as Record<string, any>;
    const spec = record['tools']['cap.doc.summarize'];
    expect(byName.get('cap.doc.summarize')).toMatchObject({ title: spec['title'], description: spec['description'], inputSchema: spec['input_schema'] });
  });

  it('cap.doc.summarize returns a real summary of the text sent, with a receipt that verifies and is in the chain', async () => {
    const { result, wcp } = await callTool('cap.doc.summarize', { text: TEXT, sentences: 2 });
    const expected = summarize(TEXT, 2);
    expect(result['content']).toEqual([{ type: 'text', text: expected.summary }]);
    expect(result['structuredContent']).toEqual(expected);
    expect(expected.summary).not.toMatch(/dog|Lunch/);
    expect(wcp.receipt['worker_id']).toBe('org.demo.doc-summarizer');

    const res = await fetch(`${hall!.base}/receipts?tenant_id=demo&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
    const { receipts } = (await res.json()) as { receipts: { receipt_id: string; receipt_hash: string }[] };
    expect(receipts.find((r) => r.receipt_id === wcp.receipt['receipt_id'])?.receipt_hash).toBe(wcp.receipt['receipt_hash']);
  });

  it('the five-step research pipeline runs through the gateway, one correlation id, one receipt per step', async () => {
    const correlation = crypto.randomUUID();
    const url = 'https://example.com/paper.html';
    const fetched = await callTool('cap.web.fetch', { url }, correlation);
    const text = fetched.result['structuredContent']['text'] as string;
    expect(text).toContain('A governance hall sits between the agent and those tools');
    const chunked = await callTool('cap.doc.chunk', { text, target_tokens: 60 }, correlation);
    const chunks = (chunked.result['structuredContent']['chunks'] as { text: string }[]).map((c) => c.text);
    const embedded = await callTool('cap.ml.embed', { texts: chunks, dimensions: 32 }, correlation);
    const hashed = await callTool('cap.doc.hash', { chunks }, correlation);
    const registered = await callTool('cap.research.register', { url, chunk_hashes: hashed.result['structuredContent']['hashes'], vector_count: chunks.length }, correlation);

    expect(chunks.length).toBeGreaterThan(1);
    expect(embedded.result['structuredContent']['vectors']).toHaveLength(chunks.length);
    expect(registered.result['structuredContent']).toMatchObject({ url, chunks: chunks.length, chunk_set_sha256: hashed.result['structuredContent']['set_sha256'], decision_id: registered.wcp.decision_id });
    const steps = [fetched, chunked, embedded, hashed, registered];
    expect(steps.map((s) => s.wcp.receipt['worker_id'])).toEqual(['org.demo.web-fetcher', 'org.demo.doc-chunker', 'org.demo.embedder', 'org.demo.doc-hasher', 'org.demo.research-registrar']);
    for (const s of steps) expect(s.wcp.receipt['correlation_id']).toBe(correlation);
    expect(new Set(steps.map((s) => s.wcp.decision_id)).size).toBe(5);
  });

  it('a tool error of the demo worker reaches the client as an isError result, still receipted', async () => {
    const result = (await client!.callTool({ name: 'cap.web.fetch', arguments: { url: 'https://example.org/not-in-the-corpus' } })) as Record<string, any>;
    expect(result['isError']).toBe(true);
    expect(result['content'][0]['text']).toMatch(/^WEB_FETCH_NOT_IN_CORPUS: /);
    expect(await verifyReceipt(wcpOf(result).receipt, jwks)).toMatchObject({ ok: true });
  });

  // Last: it re-enrolls the summarizer. The demo worker at the path checks the signed receipt
  // itself, so a record pointed at another worker's path gets nothing run for it.
  it('a record pointed at another demo worker\'s path: that worker refuses the receipt (DISPATCH_WRONG_WORKER), the client gets isError', async () => {
    const { artifact_hash: _h, ...record } = JSON.parse(readFileSync(join(dir, 'kv-seed/workers/doc-summarizer.json'), 'utf8')) as Record<string, any>;
    const moved = { ...record, dispatch: { ...record['dispatch'], path: '/org.demo.web-fetcher' } };
    const enroll = await fetch(`${hall!.base}/enroll`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...moved, artifact_hash: enrollmentArtifactHash(moved) }),
    });
    expect(enroll.status, await enroll.clone().text()).toBe(201);
    const result = (await client!.callTool({ name: 'cap.doc.summarize', arguments: { text: TEXT } })) as Record<string, any>;
    expect(result['isError']).toBe(true);
    expect(result['content'][0]['text']).toContain('DISPATCH_TARGET_REFUSED');
    expect(result['content'][0]['text']).toContain('DISPATCH_WRONG_WORKER');
    expect(JSON.stringify(result)).not.toContain('photovoltaic');
    expect(wcpOf(result).receipt['worker_id']).toBe('org.demo.doc-summarizer');
  });
});
