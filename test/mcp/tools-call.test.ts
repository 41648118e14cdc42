// tools/call through the official SDK client: every call decided by the same path as /route, with a
// receipt that verifies against the Hall's JWKS; allowed calls dispatched (an injected dispatcher
// here, governed like the Hall's own, so outcome records are real), denials as isError results,
// protocol faults as JSON-RPC errors with nothing recorded.
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { computeArtifactHash } from '../../src/routing/index.js';
import { ADMIN, DEMO, HALL, SUMMARIZE_SCHEMA, connect, decisionsWith, gateway, jwks, recordingDispatcher, seedHall, wcpOf } from './helpers.js';

beforeAll(seedHall);

const WCP = 'org.edgehall/wcp';
type Result = { content: { type: string; text?: string }[]; isError?: boolean; structuredContent?: unknown; _meta?: Record<string, unknown> };

async function rpcError(p: Promise<unknown>): Promise<McpError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('tools/call allowed', () => {
  it('decides, records, dispatches to the selected worker and returns its result with the receipt', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const correlation = crypto.randomUUID();
    const args = { text: 'The Hall decides every call. Then it dispatches.', sentences: 1 };
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: args, _meta: { [WCP]: { correlation_id: correlation } } })) as Result;

    expect(result.isError).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: `summary of ${JSON.stringify(args)}` }]);
    expect(result.structuredContent).toEqual({ summary: `summary of ${JSON.stringify(args)}` });

    const wcp = wcpOf(result);
    expect(wcp.denied).toBe(false);
    expect(wcp.deny_code).toBeNull();
    expect(wcp.correlation_id).toBe(correlation);
    expect(wcp.selected_worker_id).toBe('org.demo.doc-summarizer');
    // The receipt is the signed one /route would return, and it verifies against the published keys.
    expect(await verifyReceipt(wcp.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(wcp.receipt.policy_decision).toBe('ALLOW');
    expect(wcp.receipt.decision_id).toBe(wcp.decision_id);
    expect(wcp.receipt.worker_id).toBe('org.demo.doc-summarizer');
    // artifact_hash covers the tool and its arguments (the RouteInput's request).
    expect(wcp.artifact_hash).toBe(wcp.receipt.artifact_hash);
    const input = {
      capability_id: 'cap.doc.summarize', env: 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', tenant_id: 'demo',
      correlation_id: correlation, request: { tool: 'cap.doc.summarize', arguments: args }, blast_radius: null, blast_score: null,
      privilege_context: null, dry_run: false, tenant_credential: null,
    };
    expect(wcp.artifact_hash).toBe(computeArtifactHash(input as never));
    // The outcome record is signed and linked to the decision's receipt.
    expect(wcp.outcome).toMatchObject({ decision_id: wcp.decision_id, receipt_id: wcp.receipt.receipt_id, receipt_hash: wcp.receipt.receipt_hash, status: 'ok', error_code: null, result_is_error: false });
    expect(wcp.dispatch).toMatchObject({ status: 'ok', error_code: null, http_status: 200 });

    // The dispatcher got the recorded decision and exactly the arguments the hash covers.
    expect(dispatcher.calls).toHaveLength(1);
    expect(dispatcher.calls[0]!.tool).toBe('cap.doc.summarize');
    expect(dispatcher.calls[0]!.arguments).toEqual(args);
    expect(dispatcher.calls[0]!.recorded.decision.decision_id).toBe(wcp.decision_id);
    // And the decision is in the log, like any /route decision.
    const logged = await g.fetch(`${HALL}/decisions/${wcp.decision_id}`, { headers: { authorization: `Bearer ${DEMO}` } });
    expect(logged.status).toBe(200);
    expect(await decisionsWith(correlation)).toBe(1);
  });

  it('checking arguments leaves the worker record\'s schema as enrolled (tools/list publishes it unchanged)', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' } });
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'cap.doc.summarize')!.inputSchema).toEqual(SUMMARIZE_SCHEMA);
    // A capability without an input schema gets {"type": "object"} (frozen), and checking it twice works.
    for (let i = 0; i < 2; i++) {
      const r = (await client.callTool({ name: 'cap.doc.chunk', arguments: {} })) as Result;
      expect(wcpOf(r).receipt.policy_decision).toBe('ALLOW');
    }
  });

  it('takes the correlation id from _meta.traceparent when none is given, else a fresh one', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    const traced = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })) as Result;
    expect(wcpOf(traced).correlation_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const fresh = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { traceparent: 'not-a-traceparent' } })) as Result;
    expect(wcpOf(fresh).correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the admin token acts for the tenant it names', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, ADMIN);
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { tenant_id: 'demo' } } })) as Result;
    expect(result.isError).toBeUndefined();
    expect(wcpOf(result).receipt.tenant_id).toBe('demo');
    const missing = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' } })) as Result;
    expect(missing.isError).toBe(true);
    expect(wcpOf(missing).deny_code).toBe('TENANT_REQUIRED');
    expect(wcpOf(missing).receipt).toBeNull();
  });

  it('a worker that fails is an isError result with its DISPATCH_* code; decision and outcome recorded', async () => {
    const dispatcher = recordingDispatcher(() => ({ status: 'failed', errorCode: 'DISPATCH_TIMEOUT', message: 'The worker did not answer within 10000 ms.', httpStatus: null, durationMs: 10_000, resultSha256: null, result: null }));
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' } })) as Result;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^DISPATCH_TIMEOUT: /);
    const wcp = wcpOf(result);
    expect(wcp.denied).toBe(false);
    expect(await verifyReceipt(wcp.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(wcp.outcome).toMatchObject({ status: 'failed', error_code: 'DISPATCH_TIMEOUT', decision_id: wcp.decision_id });
  });
});

describe('tools/call denied', () => {
  it('an engine denial is a result with isError, the deny code and sentence, and a verifiable DENY receipt', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const result = (await client.callTool({ name: 'cap.mcp.unruled', arguments: {} })) as Result;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^DENY_NO_MATCHING_RULE: \S/);
    const wcp = wcpOf(result);
    expect(wcp).toMatchObject({ denied: true, deny_code: 'DENY_NO_MATCHING_RULE' });
    expect(await verifyReceipt(wcp.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(wcp.receipt.policy_decision).toBe('DENY');
    expect(wcp.receipt.deny_code).toBe('DENY_NO_MATCHING_RULE');
    expect(dispatcher.calls).toHaveLength(0);
  });

  it('an env the tenant record does not allow is denied before routing, on record', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { env: 'edge' } } })) as Result;
    expect(result.isError).toBe(true);
    expect(wcpOf(result).deny_code).toBe('DENY_ENV_NOT_ALLOWED');
    expect(await verifyReceipt(wcpOf(result).receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(dispatcher.calls).toHaveLength(0);
  });

  it('a tenant token cannot act for another tenant: isError TENANT_FORBIDDEN, nothing recorded', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    const correlation = crypto.randomUUID();
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { tenant_id: 'acme', correlation_id: correlation } } })) as Result;
    expect(result.isError).toBe(true);
    expect(wcpOf(result)).toMatchObject({ deny_code: 'TENANT_FORBIDDEN', receipt: null, decision_id: null });
    expect(await decisionsWith(correlation)).toBe(0);
  });

  it('an allowed capability whose worker has no dispatch target is decided, then fails DISPATCH_NO_TARGET', async () => {
    const g = gateway();
    const client = await connect(g.fetch, DEMO);
    const result = (await client.callTool({ name: 'cap.doc.chunk', arguments: { target_tokens: 500 } })) as Result;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^DISPATCH_NO_TARGET: /);
    expect(wcpOf(result).receipt.policy_decision).toBe('ALLOW');
    expect(wcpOf(result).outcome).toMatchObject({ status: 'failed', error_code: 'DISPATCH_NO_TARGET' });
  });
});

describe('tools/call dry run', () => {
  it('decides and receipts, dispatches nothing', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { dry_run: true } } })) as Result;
    expect(result.isError).toBeUndefined();
    expect(result.content[0]!.text).toMatch(/^Dry run: cap\.doc\.summarize would be allowed/);
    expect(wcpOf(result)).toMatchObject({ denied: false, dry_run: true });
    expect(wcpOf(result).receipt.dry_run).toBe(true);
    expect(await verifyReceipt(wcpOf(result).receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(dispatcher.calls).toHaveLength(0);
  });
});

describe('tools/call protocol faults (JSON-RPC errors, nothing recorded)', () => {
  it('an unknown tool is -32602', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    const e = await rpcError(client.callTool({ name: 'cap.payments.charge', arguments: { amount_cents: 500 } }));
    expect(e.code).toBe(-32602);
    expect(e.message).toContain('Unknown tool: cap.payments.charge');
  });

  it('arguments that break the worker\'s input schema are -32602 with every failing path', async () => {
    const dispatcher = recordingDispatcher();
    const client = await connect(gateway({ dispatcher }).fetch, DEMO);
    const correlation = crypto.randomUUID();
    const e = await rpcError(client.callTool({ name: 'cap.doc.summarize', arguments: { sentences: 0, colour: 'red' }, _meta: { [WCP]: { correlation_id: correlation } } }));
    expect(e.code).toBe(-32602);
    expect(e.message).toMatch(/^MCP error -32602: Invalid arguments for tool cap\.doc\.summarize/);
    const data = e.data as { code: string; issues: { path: (string | number)[]; message: string }[] };
    expect(data.code).toBe('INVALID_ARGUMENTS');
    const paths = data.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['', 'sentences', 'colour']));
    expect(data.issues.find((i) => i.path.length === 0)!.message).toContain('text');
    expect(await decisionsWith(correlation)).toBe(0);
    expect(dispatcher.calls).toHaveLength(0);
  });

  it('a malformed _meta["org.edgehall/wcp"] is -32602 with its path', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    for (const bad of [{ dry_run: 'yes' }, { approval_id: 'not-a-uuid' }, { tenant_risk: 'low' }, { qos_class: 'P9' }, 'string']) {
      const e = await rpcError(client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: bad } }));
      expect(e.code).toBe(-32602);
      expect(JSON.stringify(e.data)).toContain(WCP);
    }
  });
});

describe('tools/call when the evidence path fails', () => {
  it('a Hall that cannot sign is an isError result with its code — never a 5xx, never a dispatch', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher }, { HALL_SIGNING_KEY: '{"kty":"OKP"}' });
    const client = await connect(g.fetch, DEMO);
    const correlation = crypto.randomUUID();
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { correlation_id: correlation } } })) as Result;
    expect(result.isError).toBe(true);
    const wcp = wcpOf(result);
    expect(wcp).toMatchObject({ denied: true, decision_id: null, receipt: null, http_status: 503 });
    expect(wcp.deny_code).toMatch(/^HALL_SIGNING_KEY_/);
    expect(result.content[0]!.text).toMatch(new RegExp(`^${wcp.deny_code}: `));
    expect(dispatcher.calls).toHaveLength(0);
    expect(await decisionsWith(correlation)).toBe(0);
  });
});
