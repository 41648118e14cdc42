// Streamable HTTP at the HTTP level: one endpoint that takes POST only, JSON in and out, DNS-rebinding
// protection on Origin, a size cap, JSON-RPC shape errors with the standard codes, batches only where
// the client's revision has them — and the bearer-token challenge that points at RFC 9728 metadata.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO, HALL, MCP_URL, gateway, post, seedHall } from './helpers.js';

beforeAll(seedHall);

type Json = Record<string, any>;
const body = async (res: Response): Promise<Json> => (await res.json()) as Json;
const LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

describe('methods and media types', () => {
  it('GET and DELETE are 405 with Allow: POST (no SSE stream, no session to end)', async () => {
    const { fetch } = gateway();
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(MCP_URL, { method, headers: { authorization: `Bearer ${DEMO}`, accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('a body that is not application/json is 415; an Accept without JSON is 406', async () => {
    const { fetch } = gateway();
    expect((await post(fetch, LIST, { 'content-type': 'text/plain' })).status).toBe(415);
    const notAcceptable = await post(fetch, LIST, { accept: 'text/event-stream' });
    expect(notAcceptable.status).toBe(406);
    expect((await body(notAcceptable)).error.code).toBe(-32600);
    expect((await post(fetch, LIST, { 'content-type': 'application/json; charset=utf-8', accept: '*/*' })).status).toBe(200);
  });

  it('a body over 256 KiB is 413; broken JSON is 400 -32700 without an id', async () => {
    const { fetch } = gateway();
    const big = await post(fetch, { ...LIST, params: { pad: 'x'.repeat(300 * 1024) } });
    expect(big.status).toBe(413);
    for (const text of ['{', '', '{"jsonrpc":"2.0",', '\u0000']) {
      const res = await post(fetch, text);
      expect(res.status).toBe(400);
      const e = await body(res);
      expect(e.error.code).toBe(-32700);
      expect('id' in e).toBe(false);
    }
  });

  it('a malformed request is 400 -32600, citing its id when it has a valid one', async () => {
    const { fetch } = gateway();
    const cases: [unknown, unknown][] = [
      [{ jsonrpc: '1.0', id: 7, method: 'tools/list' }, 7],
      [{ jsonrpc: '2.0', id: null, method: 'tools/list' }, undefined],
      [{ jsonrpc: '2.0', id: 1.5, method: 'tools/list' }, undefined],
      [{ jsonrpc: '2.0', id: 8, method: 'tools/list', params: [1] }, 8],
      [{ jsonrpc: '2.0', id: 9, method: 'tools/list', extra: true }, 9],
      [{ jsonrpc: '2.0', id: 'x', method: '' }, 'x'],
      ['"tools/list"', undefined],
    ];
    for (const [msg, id] of cases) {
      const res = await post(fetch, msg);
      expect(res.status).toBe(400);
      const e = await body(res);
      expect(e.error.code).toBe(-32600);
      expect(e.id).toBe(id);
    }
  });

  it('a params._meta that is not an object is -32602', async () => {
    const { fetch } = gateway();
    for (const meta of ['x', [1], null, 5]) {
      const res = await post(fetch, { jsonrpc: '2.0', id: 11, method: 'tools/list', params: { _meta: meta } }, { 'mcp-protocol-version': '2025-11-25' });
      expect((await body(res)).error.code).toBe(-32602);
    }
  });

  it('a client\'s JSON-RPC response is accepted and ignored (202) in the handshake era', async () => {
    const res = await post(gateway().fetch, { jsonrpc: '2.0', id: 1, result: {} }, { 'mcp-protocol-version': '2025-11-25' });
    expect(res.status).toBe(202);
  });
});

describe('batches', () => {
  it('2025-03-26 (no version header): answered in order, notifications left out', async () => {
    const res = await post(gateway().fetch, [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'nope' },
      { not: 'a message' },
    ]);
    expect(res.status).toBe(200);
    const out = (await res.json()) as Json[];
    expect(out.map((r) => r.id)).toEqual([1, 2, 3, undefined]);
    expect(out[0]!.result).toEqual({});
    expect(out[1]!.result.tools.length).toBeGreaterThan(0);
    expect(out[2]!.error.code).toBe(-32601);
    expect(out[3]!.error.code).toBe(-32600);
  });

  it('initialize may not be batched; a batch of notifications is 202; empty or oversized is 400', async () => {
    const { fetch } = gateway();
    const init = (await (await post(fetch, [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }])).json()) as Json[];
    expect(init[0]!.error.code).toBe(-32600);
    expect((await post(fetch, [{ jsonrpc: '2.0', method: 'notifications/initialized' }])).status).toBe(202);
    expect((await post(fetch, [])).status).toBe(400);
    expect((await post(fetch, Array.from({ length: 33 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })))).status).toBe(400);
  });

  it('2025-06-18 and later have no batches: 400 -32600', async () => {
    for (const v of ['2025-06-18', '2025-11-25', '2026-07-28']) {
      const res = await post(gateway().fetch, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], { 'mcp-protocol-version': v });
      expect(res.status).toBe(400);
      expect((await body(res)).error.code).toBe(-32600);
    }
  });
});

describe('Origin (DNS-rebinding protection)', () => {
  it('refuses a foreign Origin with 403, before the token is even read', async () => {
    const { fetch } = gateway();
    for (const origin of ['https://evil.example', 'null', 'http://hall.test.evil.example', HALL]) {
      const res = await post(fetch, LIST, { origin }, null);
      expect(res.status).toBe(403);
      expect((await body(res)).error.code).toBe(-32600);
    }
  });

  it('refuses a rebinding page: Host and Origin both name the attacker\'s domain (plain http)', async () => {
    // A page on http://evil.example whose name now resolves to the Hall's loopback address: the
    // browser sends Host: evil.example and Origin: http://evil.example — "same origin" as seen from
    // the Host header, which is exactly what must not count.
    const { fetch } = gateway();
    for (const host of ['evil.example.com', 'evil.example.com:8787', '192.168.1.20:8787']) {
      const res = await fetch(`http://${host}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', origin: `http://${host}`, authorization: `Bearer ${DEMO}` },
        body: JSON.stringify(LIST),
      });
      expect(res.status, host).toBe(403);
    }
  });

  it('same origin counts on loopback names and over https', async () => {
    const { fetch } = gateway();
    for (const origin of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787', 'https://hall.example.com']) {
      const res = await fetch(`${origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', origin, authorization: `Bearer ${DEMO}` }, body: JSON.stringify(LIST) });
      expect(res.status, origin).toBe(200);
    }
    // Another loopback origin is still another origin.
    const other = await fetch('http://127.0.0.1:8787/mcp', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost:6274', authorization: `Bearer ${DEMO}` }, body: JSON.stringify(LIST) });
    expect(other.status).toBe(403);
  });

  it('accepts no Origin and the ones HALL_MCP_ALLOWED_ORIGINS lists', async () => {
    expect((await post(gateway().fetch, LIST)).status).toBe(200);
    const listed = gateway({}, { HALL_MCP_ALLOWED_ORIGINS: 'http://localhost:6274, https://app.example' });
    expect((await post(listed.fetch, LIST, { origin: 'https://app.example' })).status).toBe(200);
    expect((await post(listed.fetch, LIST, { origin: 'https://other.example' })).status).toBe(403);
  });
});

describe('authentication', () => {
  it('no token: 401 with WWW-Authenticate pointing at the protected-resource metadata', async () => {
    const res = await post(gateway().fetch, LIST, {}, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${HALL}/.well-known/oauth-protected-resource"`);
    expect(((await res.json()) as Json).code).toBe('AUTH_REQUIRED');
  });

  it('a wrong token: 401 invalid_token, same metadata', async () => {
    const res = await post(gateway().fetch, LIST, {}, 'not-a-real-token-0123456789');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", resource_metadata="${HALL}/.well-known/oauth-protected-resource"`);
  });

  it('RFC 9728 metadata at the root and at the /mcp path suffix: bearer tokens in the header', async () => {
    const { fetch } = gateway();
    const root = await fetch(`${HALL}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(200);
    expect(root.headers.get('access-control-allow-origin')).toBe('*');
    expect(await root.json()).toMatchObject({ resource: HALL, bearer_methods_supported: ['header'] });
    const mcp = (await (await fetch(`${HALL}/.well-known/oauth-protected-resource/mcp`)).json()) as Json;
    expect(mcp).toMatchObject({ resource: MCP_URL, bearer_methods_supported: ['header'] });
    expect(mcp['authorization_servers']).toBeUndefined();
  });

  it('the official SDK client without a token fails to connect with the 401', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { fetch: gateway().fetch });
    const client = new Client({ name: 't', version: '1' });
    const err = await client.connect(transport).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/401|Unauthorized|AUTH_REQUIRED/);
  });
});

describe('/openapi.json', () => {
  it('lists POST /mcp and the protected-resource metadata', async () => {
    const doc = (await (await gateway().fetch(`${HALL}/openapi.json`)).json()) as Json;
    expect(doc.paths['/mcp'].post).toBeDefined();
    expect(doc.paths['/mcp'].get).toBeUndefined();
    expect(doc.paths['/.well-known/oauth-protected-resource'].get).toBeDefined();
    expect(doc.paths['/.well-known/oauth-protected-resource/mcp'].get).toBeDefined();
  });
});
