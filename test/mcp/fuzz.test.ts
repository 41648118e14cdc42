// 500 generated malformed JSON-RPC bodies and headers (seeded, reproducible) against POST /mcp. The
// gateway must answer each without a 5xx and without an internal error (-32603): a JSON-RPC error
// with a standard or MCP code, a 202, or an HTTP refusal — never a crash, never a guess.
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/prng.js';
import { ADMIN, DEMO, MCP_URL, gateway, modern, recordingDispatcher, seedHall } from './helpers.js';

beforeAll(seedHall);

const rand = mulberry32(0x3c9d_0a17);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const junk = () => pick<unknown>([null, 0, -1, 1.5, 2 ** 60, true, false, [], [1], {}, { a: 1 }, '', ' ', 'x'.repeat(300), '💥', '\u0000', 'null', '__proto__', 'constructor']);
const VERSIONS = ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '', 'latest', '2026-07-28 ', 'x'.repeat(100)];
const METHODS = ['tools/call', 'tools/list', 'initialize', 'ping', 'server/discover', 'notifications/initialized', 'resources/read', 'TOOLS/LIST', '', 'rpc.discover', '__proto__'];
const CODES = new Set([-32700, -32600, -32601, -32602, -32020, -32021, -32022]);

function validMessage(): Record<string, any> {
  const method = pick(['tools/call', 'tools/list', 'initialize', 'ping', 'server/discover']);
  const params: Record<string, any> =
    method === 'tools/call'
      ? { name: pick(['cap.doc.summarize', 'cap.doc.chunk', 'cap.mcp.unruled']), arguments: { text: 'fuzz' }, _meta: { 'org.edgehall/wcp': { dry_run: rand() < 0.5 } } }
      : method === 'initialize'
        ? { protocolVersion: pick(VERSIONS), capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } }
        : {};
  if (rand() < 0.4) params['_meta'] = { ...(params['_meta'] ?? {}), ...modern(method).meta };
  return { jsonrpc: '2.0', id: pick<unknown>([1, 'a', 0, -5, 'x'.repeat(20)]), method, params };
}

const MUTATIONS: ((m: Record<string, any>) => void)[] = [
  (m) => delete m[pick(['jsonrpc', 'id', 'method', 'params'])],
  (m) => (m[pick(['jsonrpc', 'id', 'method', 'params'])] = junk()),
  (m) => (m['method'] = pick(METHODS)),
  (m) => (m[pick(['result', 'error', 'extra', '__proto__'])] = junk()),
  (m) => isObj(m.params) && (m.params[pick(['name', 'arguments', 'cursor', '_meta', 'protocolVersion', 'task'])] = junk()),
  (m) => isObj(m.params) && (m.params._meta = { ...(m.params._meta ?? {}), [pick(['io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientCapabilities', 'io.modelcontextprotocol/clientInfo', 'traceparent', 'org.edgehall/wcp'])]: junk() }),
  (m) => isObj(m.params) && (m.params._meta = { ...(m.params._meta ?? {}), 'org.edgehall/wcp': { [pick(['env', 'data_label', 'qos_class', 'correlation_id', 'approval_id', 'dry_run', 'tenant_id', 'tenant_risk'])]: junk() } }),
  (m) => isObj(m.params) && (m.params.arguments = pick<unknown>([{ text: junk() }, { sentences: junk() }, { deep: nest(70) }, { text: 'x', extra: 1 }, 'args', [1, 2]])),
  (m) => isObj(m.params) && (m.params.cursor = pick(['', 'eyJ2IjoxfQ', 'eyJ2IjoxLCJhZnRlciI6IiJ9', '%%%', 'x'.repeat(5000)])),
  (m) => (m['params'] = nest(66)),
];

const isObj = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = rand() < 0.5 ? [v] : { k: v };
  return v;
}

function headers(method: unknown): Record<string, string> {
  const h: Record<string, string> = { 'content-type': pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/jsonx']), accept: pick(['application/json, text/event-stream', '*/*', 'text/html', 'application/json']) };
  if (rand() < 0.6) h['mcp-protocol-version'] = pick(VERSIONS).trim() || '2026-07-28';
  if (rand() < 0.5) h['mcp-method'] = rand() < 0.7 && typeof method === 'string' && method ? method : pick(METHODS) || 'x';
  if (rand() < 0.3) h['mcp-name'] = pick(['cap.doc.summarize', '=?base64?Y2FwLmRvYy5zdW1tYXJpemU=?=', '=?base64?***?=', 'x']);
  if (rand() < 0.1) h['origin'] = pick(['https://evil.example', 'http://hall.test']);
  if (rand() < 0.2) h['traceparent'] = pick(['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'ff-00-00', '']);
  return h;
}

function fuzzCase(): { body: string | Uint8Array; headers: Record<string, string>; token: string } {
  const kind = int(12);
  const token = pick([DEMO, DEMO, DEMO, ADMIN]);
  if (kind === 0) {
    const text = JSON.stringify(validMessage());
    return { body: text.slice(0, int(text.length)), headers: headers('tools/call'), token };
  }
  if (kind === 1) return { body: pick(['42', '"x"', 'null', 'true', '{}', '[[]]', '[1,2]', '{"a":1,}', 'NaN', '\u0000', ' ', '[{"jsonrpc":"2.0"}]']), headers: headers('x'), token };
  if (kind === 2) return { body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: headers('x'), token };
  if (kind === 3) {
    const batch = Array.from({ length: int(6) }, () => (rand() < 0.5 ? validMessage() : junk()));
    return { body: JSON.stringify(batch), headers: headers('x'), token };
  }
  const m = validMessage();
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) pick(MUTATIONS)(m);
  let text: string;
  try {
    text = JSON.stringify(m);
  } catch {
    text = '{';
  }
  return { body: text, headers: headers(m['method']), token };
}

describe('500 malformed JSON-RPC bodies', () => {
  it('never a 5xx, never an internal error', async () => {
    const { fetch } = gateway({ dispatcher: recordingDispatcher() });
    const seen = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const c = fuzzCase();
      const res = await fetch(MCP_URL, { method: 'POST', headers: { ...c.headers, authorization: `Bearer ${c.token}` }, body: c.body });
      const text = await res.text();
      const where = `case ${i}: ${res.status} ${text.slice(0, 300)} for ${typeof c.body === 'string' ? c.body.slice(0, 200) : '<bytes>'} ${JSON.stringify(c.headers)}`;
      expect(res.status, where).toBeLessThan(500);
      seen.set(String(res.status), (seen.get(String(res.status)) ?? 0) + 1);
      if (res.status === 202) {
        expect(text, where).toBe('');
        continue;
      }
      const parsed = JSON.parse(text) as unknown;
      for (const msg of Array.isArray(parsed) ? parsed : [parsed]) {
        const r = msg as Record<string, any>;
        if (r['jsonrpc'] === undefined) {
          // An HTTP-level refusal from the Hall itself (auth): problem+json with a code.
          expect(typeof r['code'], where).toBe('string');
          continue;
        }
        if (r['error']) expect(CODES.has(r['error'].code), where).toBe(true);
        else if (r['result']?.isError) expect(r['result']._meta['org.edgehall/wcp'].deny_code ?? r['result']._meta['org.edgehall/wcp'].dispatch?.error_code, where).toBeTruthy();
      }
    }
    // The generator reaches every kind of answer.
    for (const status of ['200', '202', '400']) expect(seen.get(status) ?? 0).toBeGreaterThan(0);
  });
});
