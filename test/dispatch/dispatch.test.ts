// The gateway dispatches to real targets — an auxiliary Worker behind a Service binding, an https
// target and an upstream MCP server on loopback — through POST /mcp with the official SDK client.
// Each target re-verifies the dispatch (verifyDispatch). Every call leaves a signed outcome record
// linked to its receipt; a target that hangs, fails, or answers garbage gives a DISPATCH_* result,
// with the decision and the outcome still recorded; the caller's token never reaches a target.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyOutcome } from '../../src/receipts/outcome.js';
import { verifyReceipt } from '../../src/receipts/verify.js';
import { sha256Hex, utf8 } from '../../src/util/index.js';
import { DEMO, JWKS, ORG_DEMO_SECRET, call, enroll, hall, mcpClient, routeCapabilities, seenByLoopback, seenByWorkerTarget, setUpWorkers, textOf, wcpMeta, type Fetch } from './helpers.js';

let fetch: Fetch;
let client: Client;

beforeAll(async () => {
  fetch = hall();
  await setUpWorkers(fetch);
  client = await mcpClient(fetch);
});

async function callTool(name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as { content: unknown[]; structuredContent?: Record<string, unknown>; isError?: boolean; _meta?: Record<string, unknown> };
  return { result, meta: wcpMeta(result) };
}

/** The stored outcome (GET /decisions/:id/outcome), verified against the Hall's key and the receipt. */
async function storedOutcome(meta: ReturnType<typeof wcpMeta>) {
  const res = await call(fetch, `/decisions/${encodeURIComponent(meta.decision_id)}/outcome`, { token: DEMO });
  expect(res.status).toBe(200);
  const { outcome } = (await res.json()) as { outcome: Record<string, unknown> & { status: string; error_code: string | null; duration_ms: number; result_sha256: string | null } };
  expect(await verifyOutcome(outcome, JWKS, { receipt: meta.receipt })).toEqual({ ok: true });
  expect(outcome).toEqual(meta.outcome);
  return outcome;
}

function noCallerToken(seen: { headers: Record<string, unknown>; body: string }[]): void {
  for (const s of seen) {
    expect(JSON.stringify(s.headers)).not.toContain(DEMO);
    expect(s.body).not.toContain(DEMO);
  }
}

describe('Service binding target (auxiliary Worker)', () => {
  it('dispatches an allowed call: the worker verified it, the result comes back, the outcome is signed and stored', async () => {
    const { result, meta } = await callTool('cap.dtest.svc', { text: 'hello' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('echo: hello');
    expect(result.structuredContent).toEqual({ echo: { text: 'hello' }, decision_id: meta.decision_id, worker_id: 'org.demo.dt-svc' });
    expect(await verifyReceipt(meta.receipt, JWKS)).toEqual({ ok: true });
    expect(meta.receipt['policy_decision']).toBe('ALLOW');

    const outcome = await storedOutcome(meta);
    expect(outcome).toMatchObject({ status: 'ok', error_code: null, http_status: 200, target_kind: 'service', worker_id: 'org.demo.dt-svc', result_is_error: false });
    // result_sha256 covers the exact bytes the worker sent (its JSON, as it serialised it).
    const sent = JSON.stringify({
      content: [{ type: 'text', text: 'echo: hello' }],
      structuredContent: { echo: { text: 'hello' }, decision_id: meta.decision_id, worker_id: 'org.demo.dt-svc' },
      _meta: { 'org.edgehall/wcp': { forged: true }, 'com.example/trace': 'kept' },
    });
    expect(outcome.result_sha256).toBe(sha256Hex(utf8(sent)));
    // The worker's attempt to speak for the Hall in _meta is not handed on.
    expect(JSON.stringify(result._meta)).not.toContain('forged');
  });

  it('sends the envelope and its headers, and never the caller\'s token', async () => {
    const { meta } = await callTool('cap.dtest.svc', { text: 'headers' });
    const seen = await seenByWorkerTarget(meta.decision_id);
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.path).toBe('/w/org.demo.dt-svc');
    expect(s.headers['x-wcp-decision-id']).toBe(meta.decision_id);
    expect(s.headers['x-wcp-receipt-id']).toBe(meta.receipt.receipt_id);
    expect(s.headers['authorization']).toBeUndefined();
    const envelope = JSON.parse(s.body) as Record<string, unknown>;
    expect(Object.keys(envelope).sort()).toEqual(['decision_id', 'receipt', 'route_input', 'tool', 'wcp_dispatch']);
    expect(envelope['receipt']).toEqual(meta.receipt);
    noCallerToken(seen);
  });

  it('a target that hangs → DISPATCH_TIMEOUT after the record\'s timeout_ms, decision and outcome recorded', async () => {
    const { result, meta } = await callTool('cap.dtest.svc', { mode: 'hang', ms: 8000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^DISPATCH_TIMEOUT: /);
    expect(await verifyReceipt(meta.receipt, JWKS)).toEqual({ ok: true });
    const outcome = await storedOutcome(meta);
    expect(outcome).toMatchObject({ status: 'failed', error_code: 'DISPATCH_TIMEOUT', result_sha256: null, http_status: null });
    // Bounded by timeout_ms (1000), not by the target's 8 s.
    expect(outcome.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(outcome.duration_ms).toBeLessThan(8000);
  });

  it('5xx → DISPATCH_UPSTREAM_ERROR with the status and the bytes\' hash', async () => {
    const { result, meta } = await callTool('cap.dtest.svc', { mode: 'fail' });
    expect(textOf(result)).toMatch(/^DISPATCH_UPSTREAM_ERROR: .*HTTP 500/);
    expect(await storedOutcome(meta)).toMatchObject({ status: 'failed', error_code: 'DISPATCH_UPSTREAM_ERROR', http_status: 500, result_sha256: sha256Hex(utf8('internal failure of the test target')) });
  });

  it('garbage, a wrong shape, a redirect → DISPATCH_BAD_RESPONSE; more than 1 MiB → DISPATCH_RESULT_TOO_LARGE', async () => {
    const garbage = await callTool('cap.dtest.svc', { mode: 'garbage' });
    expect(textOf(garbage.result)).toMatch(/^DISPATCH_BAD_RESPONSE: /);
    expect(await storedOutcome(garbage.meta)).toMatchObject({ error_code: 'DISPATCH_BAD_RESPONSE', http_status: 200, result_sha256: sha256Hex(utf8('this is {not json')) });
    const shape = await callTool('cap.dtest.svc', { mode: 'badshape' });
    expect(textOf(shape.result)).toMatch(/^DISPATCH_BAD_RESPONSE: .*content/);
    const redirect = await callTool('cap.dtest.svc', { mode: 'redirect' });
    expect(await storedOutcome(redirect.meta)).toMatchObject({ error_code: 'DISPATCH_BAD_RESPONSE', http_status: 302 });
    const big = await callTool('cap.dtest.svc', { mode: 'big' });
    expect(textOf(big.result)).toMatch(/^DISPATCH_RESULT_TOO_LARGE: /);
    expect(await storedOutcome(big.meta)).toMatchObject({ error_code: 'DISPATCH_RESULT_TOO_LARGE', result_sha256: null });
  });

  it('structuredContent is checked against the tool\'s output_schema', async () => {
    const bad = await callTool('cap.dtest.svc-structured', { mode: 'structured', count: 'seven' });
    expect(textOf(bad.result)).toMatch(/^DISPATCH_BAD_RESPONSE: .*output schema/);
    const good = await callTool('cap.dtest.svc-structured', { mode: 'structured', count: 7 });
    expect(good.result.isError).toBeFalsy();
    expect(good.result.structuredContent).toEqual({ count: 7 });
  });

  it('another tenant cannot read the outcome (404, not 403)', async () => {
    const { meta } = await callTool('cap.dtest.svc', { text: 'mine' });
    const other = 'dispatch-other-tenant-token-0123456789';
    expect((await call(fetch, '/admin/tenants/other', { method: 'PUT', token: (await import('./helpers.js')).ADMIN, json: { token: other, namespaces: ['org.other'] } })).status).toBe(200);
    const res = await call(fetch, `/decisions/${meta.decision_id}/outcome`, { token: other });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('OUTCOME_NOT_FOUND');
  });
});

describe('https target on loopback (local dev)', () => {
  it('sends the namespace\'s Worker secret as the bearer token, never the caller\'s', async () => {
    const { result, meta } = await callTool('cap.dtest.https', { text: 'over https' });
    expect(textOf(result)).toBe('https echo: over https');
    const seen = await seenByLoopback(meta.decision_id);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${ORG_DEMO_SECRET}`);
    noCallerToken(seen);
    expect(await storedOutcome(meta)).toMatchObject({ status: 'ok', target_kind: 'https', http_status: 200 });
  });

  // workerd itself logs "uncaught … Network connection lost" here, for the request body it was still
  // sending (a bare fetch with a body to a closed port does the same); the fetch's rejection is caught.
  it('nothing listening → DISPATCH_UNREACHABLE, recorded', async () => {
    const closed = { worker_id: 'org.demo.dt-closed', worker_species_id: 'wrk.dtest.closed', capabilities: ['cap.dtest.closed'], dispatch: { kind: 'https', url: 'http://127.0.0.1:1/run' }, tools: { 'cap.dtest.closed': { input_schema: { type: 'object' } } } };
    expect((await enroll(fetch, closed)).status).toBe(201);
    await routeCapabilities(fetch, { 'cap.dtest.closed': 'wrk.dtest.closed' });
    const { result, meta } = await callTool('cap.dtest.closed', {});
    expect(textOf(result)).toMatch(/^DISPATCH_UNREACHABLE: /);
    expect(await storedOutcome(meta)).toMatchObject({ status: 'failed', error_code: 'DISPATCH_UNREACHABLE', http_status: null, result_sha256: null });
  });

  it('503 → DISPATCH_UPSTREAM_ERROR; a hang → DISPATCH_TIMEOUT', async () => {
    const fail = await callTool('cap.dtest.https', { mode: 'fail' });
    expect(await storedOutcome(fail.meta)).toMatchObject({ error_code: 'DISPATCH_UPSTREAM_ERROR', http_status: 503 });
    const hang = await callTool('cap.dtest.https', { mode: 'hang' });
    expect(await storedOutcome(hang.meta)).toMatchObject({ error_code: 'DISPATCH_TIMEOUT' });
  });
});

describe('upstream MCP server (the official SDK\'s server, Streamable HTTP on loopback)', () => {
  it('calls the upstream tool with the arguments; the upstream verifies the envelope in _meta (SSE answer)', async () => {
    const { result, meta } = await callTool('cap.dtest.mcp-echo', { text: 'via mcp' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('upstream echo: via mcp');
    expect(result.structuredContent).toEqual({ echo: { text: 'via mcp' }, decision_id: meta.decision_id });
    const outcome = await storedOutcome(meta);
    expect(outcome).toMatchObject({ status: 'ok', target_kind: 'mcp', http_status: 200 });
    const seen = await seenByLoopback(meta.decision_id);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${ORG_DEMO_SECRET}`);
    const rpc = JSON.parse(seen[0]!.body) as { method: string; params: { name: string; _meta: Record<string, unknown> } };
    expect(rpc.method).toBe('tools/call');
    expect(rpc.params.name).toBe('echo');
    expect(rpc.params._meta['org.edgehall/wcp']).toMatchObject({ wcp_dispatch: 'edgehall-dispatch-v1', decision_id: meta.decision_id });
    noCallerToken(seen);
  });

  it('JSON answers work too', async () => {
    const { result, meta } = await callTool('cap.dtest.mcpjson-echo', { text: 'json' });
    expect(textOf(result)).toBe('upstream echo: json');
    expect(await storedOutcome(meta)).toMatchObject({ status: 'ok', target_kind: 'mcp' });
  });

  it('a tool error result is handed on (status ok, result_is_error true)', async () => {
    const { result, meta } = await callTool('cap.dtest.mcp-boom', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('failed on purpose');
    expect(await storedOutcome(meta)).toMatchObject({ status: 'ok', error_code: null, result_is_error: true });
  });

  it('a slow upstream → DISPATCH_TIMEOUT; an upstream answering 500 → DISPATCH_UPSTREAM_ERROR', async () => {
    const slow = await callTool('cap.dtest.mcp-slow', { ms: 8000 });
    expect(await storedOutcome(slow.meta)).toMatchObject({ error_code: 'DISPATCH_TIMEOUT' });
    const down = await callTool('cap.dtest.mcpdown', {});
    expect(textOf(down.result)).toMatch(/^DISPATCH_UPSTREAM_ERROR: /);
    expect(await storedOutcome(down.meta)).toMatchObject({ error_code: 'DISPATCH_UPSTREAM_ERROR', http_status: 500 });
  });
});
