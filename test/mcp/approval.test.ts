// REQUIRE_HUMAN through the gateway: the call comes back isError with the pending approval, an
// approver resolves it over the Hall API, and the same call citing the approval proceeds — once.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { APPROVER, DEMO, HALL, connect, gateway, jwks, recordingDispatcher, seedHall, wcpOf } from './helpers.js';

beforeAll(seedHall);

const WCP = 'org.edgehall/wcp';
type Result = { content: { type: string; text?: string }[]; isError?: boolean; _meta?: Record<string, unknown> };
// kv-seed/policy.json: restricted data in prod needs a gatekeeper.
const GATED = { env: 'prod', data_label: 'RESTRICTED' };

describe('REQUIRE_HUMAN → approve → call again', () => {
  it('opens an approval, refuses to proceed while pending, then runs once approved, and only once', async () => {
    const dispatcher = recordingDispatcher();
    const g = gateway({ dispatcher });
    const client = await connect(g.fetch, DEMO);
    const args = { text: 'Board minutes, Q3.', sentences: 2 };

    const first = (await client.callTool({ name: 'cap.doc.summarize', arguments: args, _meta: { [WCP]: GATED } })) as Result;
    expect(first.isError).toBe(true);
    const gate = wcpOf(first);
    expect(gate.deny_code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    const approvalId = gate.pending_approval_id as string;
    expect(approvalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(gate.supervisor_level).toBe('gatekeeper');
    expect(Date.parse(gate.approval_expires_at)).toBeGreaterThan(Date.now());
    expect(gate.approval_resolve_endpoint).toBe(`POST /wcp/approvals/${approvalId}/resolve`);
    expect(first.content[0]!.text).toContain(`POST /wcp/approvals/${approvalId}/resolve`);
    expect(first.content[0]!.text).toContain('approval_id');
    expect(gate.receipt.policy_decision).toBe('REQUIRE_HUMAN');
    expect(await verifyReceipt(gate.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(dispatcher.calls).toHaveLength(0);

    // Citing it before anyone approved: refused with its code, nothing dispatched.
    const early = (await client.callTool({ name: 'cap.doc.summarize', arguments: args, _meta: { [WCP]: { ...GATED, approval_id: approvalId } } })) as Result;
    expect(early.isError).toBe(true);
    expect(wcpOf(early).deny_code).toBe('APPROVAL_PENDING');
    expect(dispatcher.calls).toHaveLength(0);

    const resolved = await g.fetch(`${HALL}/wcp/approvals/${approvalId}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APPROVER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: 'reviewed' }),
    });
    expect(resolved.status).toBe(200);

    // Different arguments are a different request: the approval does not cover them.
    const other = (await client.callTool({ name: 'cap.doc.summarize', arguments: { ...args, sentences: 3 }, _meta: { [WCP]: { ...GATED, approval_id: approvalId } } })) as Result;
    expect(wcpOf(other).deny_code).toBe('APPROVAL_MISMATCH');

    const approved = (await client.callTool({ name: 'cap.doc.summarize', arguments: args, _meta: { [WCP]: { ...GATED, approval_id: approvalId } } })) as Result;
    expect(approved.isError).toBeUndefined();
    const allowed = wcpOf(approved);
    expect(allowed.denied).toBe(false);
    expect(allowed.receipt.policy_decision).toBe('ALLOW');
    expect(allowed.receipt.approval_id).toBe(approvalId);
    expect(await verifyReceipt(allowed.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(dispatcher.calls).toHaveLength(1);
    expect(dispatcher.calls[0]!.arguments).toEqual(args);

    const again = (await client.callTool({ name: 'cap.doc.summarize', arguments: args, _meta: { [WCP]: { ...GATED, approval_id: approvalId } } })) as Result;
    expect(again.isError).toBe(true);
    expect(wcpOf(again).deny_code).toBe('APPROVAL_ALREADY_USED');
    expect(dispatcher.calls).toHaveLength(1);
  });

  it('a dry run shows the gate but opens no approval, and cannot cite one', async () => {
    const client = await connect(gateway({ dispatcher: recordingDispatcher() }).fetch, DEMO);
    const dry = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { ...GATED, dry_run: true } } })) as Result;
    expect(dry.isError).toBe(true);
    expect(wcpOf(dry)).toMatchObject({ deny_code: 'DENY_REQUIRES_HUMAN_APPROVAL', pending_approval_id: null, dry_run: true });
    const citing = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x' }, _meta: { [WCP]: { ...GATED, dry_run: true, approval_id: crypto.randomUUID() } } })) as Result;
    expect(citing.isError).toBe(true);
    expect(wcpOf(citing)).toMatchObject({ deny_code: 'DRY_RUN_CANNOT_CITE_APPROVAL', receipt: null, dry_run: true });
  });
});
