// Evidence honesty for dry runs (finding: dry-run receipts cite approvals): a dry run is marked in its
// signed receipt, cannot cite an approval, and never consumes one.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/receipts/index.js';
import { ADMIN, DEMO, call, json, routeInput, seedKv } from './helpers.js';

beforeAll(seedKv);

const route = (body: unknown) => call('/route', { method: 'POST', token: DEMO, json: body });

describe('dry runs', () => {
  it('three dry runs citing an approved approval are refused; the approval stays unused for the real call', async () => {
    const input = routeInput({ env: 'prod', data_label: 'RESTRICTED' });
    const { decision } = await json(await route(input));
    const id = decision.pending_approval_id as string;
    expect(id).toBeTruthy();
    expect((await call(`/wcp/approvals/${id}/resolve`, { method: 'POST', token: ADMIN, json: { decision: 'approve' } })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await route({ ...input, dry_run: true, approval_id: id, correlation_id: crypto.randomUUID() });
      expect(res.status).toBe(400);
      expect((await json(res)).code).toBe('DRY_RUN_CANNOT_CITE_APPROVAL');
    }
    expect((await json(await call(`/wcp/approvals/${id}`, { token: ADMIN }))).status).toBe('approved');
    const real = await json(await route({ ...input, approval_id: id, correlation_id: crypto.randomUUID() }));
    expect(real.decision.denied).toBe(false);
    expect(real.receipt).toMatchObject({ approval_id: id, dry_run: false, policy_decision: 'ALLOW' });
  });

  it('a dry run is marked in its signed receipt; a real call is not; the chain verifies', async () => {
    const dry = await json(await route(routeInput({ dry_run: true })));
    expect(dry.decision.dry_run).toBe(true);
    expect(dry.receipt.dry_run).toBe(true);
    expect(dry.receipt.approval_id).toBeNull();
    const real = await json(await route(routeInput()));
    expect(real.receipt.dry_run).toBe(false);
    const chain = await json(await call('/receipts?tenant_id=demo&limit=1000', { token: DEMO }));
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyChain(chain.receipts, jwks)).toMatchObject({ ok: true });
  });

  it('a dry run that needs a human opens no approval and cites none', async () => {
    const res = await json(await route(routeInput({ env: 'prod', data_label: 'RESTRICTED', dry_run: true })));
    expect(res.decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    expect(res.decision.pending_approval_id).toBeNull();
    expect(res.receipt).toMatchObject({ dry_run: true, approval_id: null, policy_decision: 'REQUIRE_HUMAN' });
  });
});
