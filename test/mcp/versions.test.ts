// Protocol revisions: the 2025 handshake (2025-03-26, 2025-06-18, 2025-11-25) answered without a
// session, and the stateless 2026-07-28 revision (per-request _meta + MCP-Protocol-Version,
// server/discover, mirrored headers, resultType), each with the error the spec names.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO, connect, gateway, modern, post, recordingDispatcher, seedHall } from './helpers.js';

beforeAll(seedHall);

type Json = Record<string, any>;
const body = async (res: Response): Promise<Json> => (await res.json()) as Json;

describe('the 2025 handshake', () => {
  for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
    it(`initialize at ${version}: that version, tools capability, no session`, async () => {
      const { fetch } = gateway();
      const res = await post(fetch, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('mcp-session-id')).toBeNull();
      const r = await body(res);
      expect(r).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: version, capabilities: { tools: { listChanged: false } }, serverInfo: { name: 'edgehall' } } });
      expect(r.result.resultType).toBeUndefined();
      expect(typeof r.result.instructions).toBe('string');

      const headers: Record<string, string> = version === '2025-03-26' ? {} : { 'mcp-protocol-version': version };
      const initialized = await post(fetch, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      expect(initialized.status).toBe(202);
      expect(await initialized.text()).toBe('');
      const ping = await post(fetch, { jsonrpc: '2.0', id: 'p', method: 'ping' }, headers);
      expect(await body(ping)).toEqual({ jsonrpc: '2.0', id: 'p', result: {} });
      const list = await body(await post(fetch, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers));
      expect(list.result.tools.map((t: Json) => t.name)).toContain('cap.doc.summarize');
      expect(list.result.ttlMs).toBeUndefined();
    });
  }

  it('a version it does not serve (or the stateless one) is answered with 2025-11-25', async () => {
    const { fetch } = gateway();
    for (const asked of ['2024-11-05', '2026-07-28', '1900-01-01']) {
      const r = await body(await post(fetch, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
      expect(r.result.protocolVersion).toBe('2025-11-25');
    }
  });

  it('the official SDK client negotiates 2025-11-25, pings and lists without a session', async () => {
    const client = await connect(gateway().fetch, DEMO);
    expect(client.getServerVersion()).toEqual({ name: 'edgehall', version: '0.1.0' });
    expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } });
    await client.ping();
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it('an unsupported MCP-Protocol-Version header is 400 -32022 with the supported list', async () => {
    const r = await post(gateway().fetch, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2024-11-05' });
    expect(r.status).toBe(400);
    expect((await body(r)).error).toEqual({ code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'], requested: '2024-11-05' } });
  });

  it('an unknown method is -32601 (HTTP 200 in the handshake era)', async () => {
    const r = await post(gateway().fetch, { jsonrpc: '2.0', id: 9, method: 'prompts/list' }, { 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(200);
    expect((await body(r)).error.code).toBe(-32601);
  });
});

describe('2026-07-28, stateless', () => {
  it('server/discover names the versions, capabilities and identity', async () => {
    const m = modern('server/discover');
    const r = await post(gateway().fetch, { jsonrpc: '2.0', id: 'd', method: 'server/discover', params: { _meta: m.meta } }, m.headers);
    expect(r.status).toBe(200);
    const result = (await body(r)).result;
    expect(result).toMatchObject({
      resultType: 'complete',
      supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
      capabilities: { tools: {} },
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'edgehall', version: '0.1.0' } },
    });
    expect(result.ttlMs).toBeGreaterThanOrEqual(0);
  });

  it('tools/list and tools/call work per request, with resultType and caching hints', async () => {
    const dispatcher = recordingDispatcher();
    const { fetch } = gateway({ dispatcher });
    const l = modern('tools/list');
    const list = (await body(await post(fetch, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: l.meta } }, l.headers))).result;
    expect(list).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(list.tools.map((t: Json) => t.name)).toContain('cap.doc.summarize');

    const c = modern('tools/call', 'cap.doc.summarize');
    const res = await post(fetch, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'cap.doc.summarize', arguments: { text: 'hello' }, _meta: { ...c.meta, 'org.edgehall/wcp': { env: 'dev' } } } }, c.headers);
    expect(res.status).toBe(200);
    const call = (await body(res)).result;
    expect(call.resultType).toBe('complete');
    expect(call.isError).toBeUndefined();
    expect(call._meta['org.edgehall/wcp'].receipt.policy_decision).toBe('ALLOW');
    expect(call._meta['io.modelcontextprotocol/serverInfo'].name).toBe('edgehall');
    expect(dispatcher.calls).toHaveLength(1);
  });

  it('Mcp-Name may be Base64-sentinel encoded', async () => {
    const c = modern('tools/call', `=?base64?${btoa('cap.doc.summarize')}?=`);
    const res = await post(gateway({ dispatcher: recordingDispatcher() }).fetch, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'cap.doc.summarize', arguments: { text: 'hello' }, _meta: c.meta } }, c.headers);
    expect(res.status).toBe(200);
    expect((await body(res)).result.isError).toBeUndefined();
  });

  const refusals: { what: string; mutate: (b: Json, h: Record<string, string>) => void; status: number; code: number }[] = [
    { what: 'header and _meta versions differ', mutate: (_b, h) => (h['mcp-protocol-version'] = '2025-11-25'), status: 400, code: -32020 },
    { what: 'the MCP-Protocol-Version header is missing', mutate: (_b, h) => delete h['mcp-protocol-version'], status: 400, code: -32020 },
    { what: 'Mcp-Method is missing', mutate: (_b, h) => delete h['mcp-method'], status: 400, code: -32020 },
    { what: 'Mcp-Method disagrees with the body', mutate: (_b, h) => (h['mcp-method'] = 'tools/list'), status: 400, code: -32020 },
    { what: 'Mcp-Name is missing', mutate: (_b, h) => delete h['mcp-name'], status: 400, code: -32020 },
    { what: 'Mcp-Name disagrees with the body', mutate: (_b, h) => (h['mcp-name'] = 'cap.doc.chunk'), status: 400, code: -32020 },
    { what: 'a broken Base64 sentinel', mutate: (_b, h) => (h['mcp-name'] = '=?base64?!!!?='), status: 400, code: -32020 },
    { what: 'clientCapabilities are missing', mutate: (b) => delete b.params._meta['io.modelcontextprotocol/clientCapabilities'], status: 400, code: -32602 },
    { what: 'clientInfo is malformed', mutate: (b) => (b.params._meta['io.modelcontextprotocol/clientInfo'] = 'me'), status: 400, code: -32602 },
    { what: 'the version is not served', mutate: (b, h) => ((b.params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01'), (h['mcp-protocol-version'] = '2099-01-01')), status: 400, code: -32022 },
    { what: 'only the header names the modern version', mutate: (b) => delete b.params._meta['io.modelcontextprotocol/protocolVersion'], status: 400, code: -32602 },
  ];
  for (const r of refusals) {
    it(`refuses a tools/call when ${r.what} (${r.status}, ${r.code})`, async () => {
      const dispatcher = recordingDispatcher();
      const c = modern('tools/call', 'cap.doc.summarize');
      const b: Json = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'cap.doc.summarize', arguments: { text: 'hello' }, _meta: { ...c.meta } } };
      const h = { ...c.headers };
      r.mutate(b, h);
      const res = await post(gateway({ dispatcher }).fetch, b, h);
      expect(res.status).toBe(r.status);
      const e = await body(res);
      expect(e.id).toBe(3);
      expect(e.error.code).toBe(r.code);
      expect(dispatcher.calls).toHaveLength(0);
    });
  }

  it('an annotated argument must be mirrored in its Mcp-Param header', async () => {
    // x-mcp-header from the worker record's schema: the gateway checks what it publishes.
    const { putWorker, summarizerRecord, SUMMARIZE_SCHEMA } = await import('./helpers.js');
    const record = summarizerRecord();
    const schema = { ...SUMMARIZE_SCHEMA, properties: { ...SUMMARIZE_SCHEMA.properties, region: { type: 'string', 'x-mcp-header': 'Region' } } };
    (record['tools'] as Json)['cap.doc.summarize'].input_schema = schema;
    await putWorker(record);
    try {
      const { fetch } = gateway({ dispatcher: recordingDispatcher() });
      const c = modern('tools/call', 'cap.doc.summarize');
      const call = (headers: Record<string, string>) =>
        post(fetch, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'cap.doc.summarize', arguments: { text: 'x', region: 'eu-west' }, _meta: c.meta } }, { ...c.headers, ...headers });
      expect((await body(await call({}))).error.code).toBe(-32020);
      expect((await body(await call({ 'mcp-param-region': 'us-east' }))).error.code).toBe(-32020);
      const ok = await call({ 'mcp-param-region': 'eu-west' });
      expect(ok.status).toBe(200);
      expect((await body(ok)).result.isError).toBeUndefined();
    } finally {
      await putWorker(summarizerRecord());
    }
  });

  it('ping and initialize are not part of it; an unknown method is 404 -32601', async () => {
    const { fetch } = gateway();
    const p = modern('ping');
    const ping = await post(fetch, { jsonrpc: '2.0', id: 5, method: 'ping', params: { _meta: p.meta } }, p.headers);
    expect(ping.status).toBe(404);
    expect((await body(ping)).error.code).toBe(-32601);
    const u = modern('resources/list');
    const unknown = await post(fetch, { jsonrpc: '2.0', id: 6, method: 'resources/list', params: { _meta: u.meta } }, u.headers);
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).error.code).toBe(-32601);
  });
});

describe('notifications', () => {
  it('are accepted (202) in every served revision, refused (400 -32022) under a version not served', async () => {
    const { fetch } = gateway();
    for (const v of ['2026-07-28', '2025-11-25', '2025-06-18']) {
      expect((await post(fetch, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { 'mcp-protocol-version': v })).status).toBe(202);
    }
    const refused = await post(fetch, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-protocol-version': '2024-11-05' });
    expect(refused.status).toBe(400);
    expect((await body(refused)).error.code).toBe(-32022);
  });
});
