// Decisions are made on the Hall's own facts, never the caller's (issue 8, "Trust boundary"):
// controls and blast score come from the selected worker's own record, tenant risk / data-label
// floor / allowed envs from the tenant record (the stricter of record and request wins, both recorded).
// Every test here is an attack that worked on v0.1.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { computeArtifactHash, parseRouteInput } from '../../src/routing/index.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv, seedValue, settleIndex } from './helpers.js';

const ZETA = 'zeta-tenant-token-0123456789abcdef';
const RISKY = 'risky-tenant-token-0123456789abcdef';
const SECRET = 'secret-tenant-token-0123456789abcdef';
const DEVONLY = 'devonly-tenant-token-0123456789abcdef';

const route = (body: unknown, token = DEMO) => call('/route', { method: 'POST', token, json: body });
const enroll = (record: Record<string, unknown>, token: string) =>
  call('/enroll', { method: 'POST', token, json: { ...record, artifact_hash: enrollmentArtifactHash(record) } });

/** Creates a tenant (a signatory) whose record carries the given Hall-held facts. */
async function tenantWithFacts(id: string, token: string, facts: Record<string, unknown>, namespaces: string[] = []): Promise<void> {
  await addTenant(id, token, namespaces);
  const res = await call(`/admin/tenants/${id}`, { method: 'PUT', token: ADMIN, json: { token, namespaces, ...facts } });
  if (res.status !== 200) throw new Error(`tenant ${id}: ${res.status} ${await res.text()}`);
}

async function addRule(rule: Record<string, unknown>): Promise<void> {
  const doc = (await json(await call('/admin/rules', { token: ADMIN }))).document;
  doc.rules = doc.rules.filter((r: { rule_id: string }) => r.rule_id !== rule['rule_id']);
  doc.rules.push(rule);
  const res = await call('/admin/rules', { method: 'PUT', token: ADMIN, json: doc });
  if (res.status !== 201) throw new Error(`rules: ${res.status} ${await res.text()}`);
}

/** The seed's demo summarizer record (without its artifact_hash), with overrides. */
function summarizer(over: Record<string, unknown> = {}): Record<string, unknown> {
  const { artifact_hash: _h, ...rec } = seedValue('worker:org.demo.doc-summarizer') as Record<string, unknown>;
  return { ...rec, ...over };
}

beforeAll(async () => {
  await seedKv();
  await addTenant('zeta', ZETA, ['org.zeta']);
});

afterAll(async () => {
  await call('/workers/org.zeta.hsm', { method: 'DELETE', token: ADMIN });
  await call('/workers/org.demo.mover', { method: 'DELETE', token: ADMIN });
  await enroll(summarizer(), DEMO);
  await seedKv();
});

describe('borrowed controls: required controls are checked on the selected worker, never a Hall-wide union', () => {
  it("another tenant's worker declaring the control does not satisfy demo's rule; demo's own record does", async () => {
    await addRule({
      rule_id: 'rr_doc_seal_dev',
      match: { capability_id: 'cap.doc.seal', env: 'dev' },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer', score_hint: 1 }],
        required_controls_suggested: ['ctrl.sec.hsm-keys'],
      },
    });
    const before = await json(await route(routeInput({ capability_id: 'cap.doc.seal' })));
    expect(before.decision.deny_reason_if_denied.code).toBe('DENY_MISSING_REQUIRED_CONTROLS');

    // The attack: zeta enrolls an unrelated worker (its own species) that declares the control.
    const zetaWorker = {
      worker_id: 'org.zeta.hsm',
      worker_species_id: 'wrk.zeta.hsm',
      capabilities: ['cap.zeta.sign'],
      currently_implements: ['ctrl.obs.audit-log-append-only', 'ctrl.sec.hsm-keys'],
      risk_tier: 'low',
      owner: 'org.zeta',
    };
    const enrolled = await enroll(zetaWorker, ZETA);
    expect(enrolled.status, await enrolled.clone().text()).toBe(201);

    const after = await json(await route(routeInput({ capability_id: 'cap.doc.seal' })));
    expect(after.decision.denied).toBe(true);
    expect(after.decision.deny_reason_if_denied.code).toBe('DENY_MISSING_REQUIRED_CONTROLS');
    expect(after.decision.deny_reason_if_denied.missing).toEqual(['ctrl.sec.hsm-keys']);
    expect(after.decision.candidate_workers_ranked).toEqual([
      { worker_species_id: 'wrk.doc.summarizer', score_hint: 1, requires_controls_minimum: null, skip_reason: 'missing_required_controls' },
    ]);
    expect(after.receipt).toMatchObject({ policy_decision: 'DENY', deny_code: 'DENY_MISSING_REQUIRED_CONTROLS', controls_verified: [] });

    // The selected worker's own record gains the control: allowed, and the receipt names that worker.
    const own = await enroll(summarizer({ currently_implements: ['ctrl.obs.audit-log-append-only', 'ctrl.sec.hsm-keys'] }), DEMO);
    expect(own.status, await own.clone().text()).toBe(201);
    const ok = await json(await route(routeInput({ capability_id: 'cap.doc.seal' })));
    expect(ok.decision.denied).toBe(false);
    expect(ok.decision.selected_worker_species_id).toBe('wrk.doc.summarizer');
    expect(ok.decision.selected_worker_id).toBe('org.demo.doc-summarizer');
    expect(ok.receipt).toMatchObject({ worker_id: 'org.demo.doc-summarizer', controls_verified: ['ctrl.sec.hsm-keys'] });
  });

  it("controls_verified lists only the selected worker's own verified controls", async () => {
    const { decision, receipt } = await json(await route(routeInput()));
    expect(decision.selected_worker_id).toBe('org.demo.doc-summarizer');
    expect(receipt.controls_verified).toEqual(['ctrl.obs.audit-log-append-only']);
  });
});

describe('caller-declared risk: tenant facts come from the tenant record, the stricter side wins', () => {
  beforeAll(async () => {
    await tenantWithFacts('risky', RISKY, { tenant_risk: 'high', data_label_floor: 'PUBLIC', allowed_envs: ['dev', 'stage', 'prod'] });
    await tenantWithFacts('secret', SECRET, { tenant_risk: 'low', data_label_floor: 'RESTRICTED', allowed_envs: ['dev', 'stage', 'prod'] });
    await tenantWithFacts('devonly', DEVONLY, { tenant_risk: 'low', data_label_floor: 'PUBLIC', allowed_envs: ['dev'] });
  });

  it('a high-risk tenant saying "low" in prod is denied by the policy gate (its own token and the admin acting for it)', async () => {
    for (const token of [RISKY, ADMIN]) {
      const { decision, receipt } = await json(await route(routeInput({ tenant_id: 'risky', env: 'prod', tenant_risk: 'low' }), token));
      expect(decision.denied).toBe(true);
      expect(decision.deny_reason_if_denied).toMatchObject({ code: 'DENY_POLICY_GATE', reason: 'high_risk_tenant_in_prod' });
      expect(decision.tenant_risk).toBe('high');
      expect(decision.hall_facts.tenant_risk).toEqual({ declared: 'low', held: 'high', effective: 'high' });
      expect(receipt.deny_code).toBe('DENY_POLICY_GATE');
    }
  });

  it('a RESTRICTED-floor tenant saying INTERNAL in prod needs a human; the evidence is over the effective input', async () => {
    const res = await route(routeInput({ tenant_id: 'secret', env: 'prod', data_label: 'INTERNAL' }), SECRET);
    const { decision, receipt } = await json(res);
    expect(decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    expect(decision.data_label).toBe('RESTRICTED');
    expect(decision.hall_facts.data_label).toEqual({ declared: 'INTERNAL', held: 'RESTRICTED', effective: 'RESTRICTED' });
    expect(receipt.policy_decision).toBe('REQUIRE_HUMAN');
    await settleIndex(receipt.tenant_id);
    const row = await env.HALL_DB.prepare('SELECT data_label FROM decisions WHERE decision_id = ?').bind(decision.decision_id).first();
    expect(row).toMatchObject({ data_label: 'RESTRICTED' });

    // An allowed dev request: artifact_hash is over the effective input (RESTRICTED), not the declared one.
    const body = routeInput({ tenant_id: 'secret', data_label: 'PUBLIC' });
    const dev = await json(await route(body, SECRET));
    expect(dev.decision.denied).toBe(false);
    expect(dev.decision.artifact_hash).toBe(computeArtifactHash(parseRouteInput({ ...body, data_label: 'RESTRICTED' })));
    expect(dev.receipt.artifact_hash).toBe(dev.decision.artifact_hash);
  });

  it('an env outside allowed_envs is a denied decision with a signed receipt, recorded like any other', async () => {
    const res = await route(routeInput({ tenant_id: 'devonly', env: 'stage' }), DEVONLY);
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(true);
    expect(decision.deny_reason_if_denied.code).toBe('DENY_ENV_NOT_ALLOWED');
    expect(decision.deny_reason_if_denied.message).toContain('PUT /admin/tenants/devonly');
    expect(decision.hall_facts.env).toEqual({ declared: 'stage', held: ['dev'], effective: 'stage', allowed: false });
    expect(receipt).toMatchObject({ policy_decision: 'DENY', deny_code: 'DENY_ENV_NOT_ALLOWED', worker_id: null });
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });
    await settleIndex(receipt.tenant_id);
    const row = await env.HALL_DB.prepare('SELECT deny_code, receipt_id FROM decisions WHERE decision_id = ?').bind(decision.decision_id).first();
    expect(row).toMatchObject({ deny_code: 'DENY_ENV_NOT_ALLOWED', receipt_id: receipt.receipt_id });
    // The allowed env still routes.
    expect((await json(await route(routeInput({ tenant_id: 'devonly' }), DEVONLY))).decision.denied).toBe(false);
  });

  it("where no tenant record exists (admin acting for it) the declared values stand, recorded as held: null", async () => {
    const { decision } = await json(await route(routeInput({ tenant_id: 'stranger', tenant_risk: 'medium' }), ADMIN));
    expect(decision.hall_facts.tenant_risk).toEqual({ declared: 'medium', held: null, effective: 'medium' });
    expect(decision.hall_facts.data_label).toEqual({ declared: 'INTERNAL', held: null, effective: 'INTERNAL' });
    expect(decision.hall_facts.env).toEqual({ declared: 'dev', held: null, effective: 'dev', allowed: true });
  });

  it('the seeded demo tenant carries realistic facts', async () => {
    const { decision } = await json(await route(routeInput({ data_label: 'PUBLIC' })));
    expect(decision.hall_facts.data_label).toEqual({ declared: 'PUBLIC', held: 'INTERNAL', effective: 'INTERNAL' });
    expect(decision.hall_facts.tenant_risk.held).toBe('low');
    const edge = await json(await route(routeInput({ env: 'edge' })));
    expect(edge.decision.deny_reason_if_denied.code).toBe('DENY_ENV_NOT_ALLOWED');
  });

  it('the tenant comes from the token: tenant_id may be omitted, another tenant id stays 403', async () => {
    const { tenant_id: _t, ...body } = routeInput();
    const res = await route(body);
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.tenant_id).toBe('demo');
    expect(receipt.tenant_id).toBe('demo');
    const other = await route(routeInput({ tenant_id: 'risky' }));
    expect(other.status).toBe(403);
    expect((await json(other)).code).toBe('TENANT_FORBIDDEN');
    const admin = await route(body, ADMIN);
    expect(admin.status).toBe(400);
    expect(JSON.stringify(await json(admin))).toContain('tenant_id');
  });

  it('tenant facts are strict admin documents', async () => {
    for (const bad of [{ tenant_risk: 'none' }, { data_label_floor: 'SECRET' }, { allowed_envs: ['production'] }, { allowed_envs: [] }, { tenant_rsk: 'high' }]) {
      const res = await call('/admin/tenants/risky', { method: 'PUT', token: ADMIN, json: { token: RISKY, ...bad } });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe("blast score: the worker record's score counts, the caller can only raise it", () => {
  it('a worker whose record says 90 needs a human in prod even when the caller says 0', async () => {
    const mover = {
      worker_id: 'org.demo.mover',
      worker_species_id: 'wrk.demo.mover',
      capabilities: ['cap.demo.move'],
      currently_implements: ['ctrl.obs.audit-log-append-only'],
      risk_tier: 'high',
      owner: 'org.demo',
      blast_score: 90,
    };
    const enrolled = await enroll(mover, DEMO);
    expect(enrolled.status, await enrolled.clone().text()).toBe(201);
    await addRule({
      rule_id: 'rr_demo_move_prod',
      match: { capability_id: 'cap.demo.move', env: 'prod' },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.demo.mover', score_hint: 1 }],
        required_controls_suggested: ['ctrl.obs.audit-log-append-only'],
      },
    });
    const { decision, receipt } = await json(await route(routeInput({ capability_id: 'cap.demo.move', env: 'prod', blast_score: 0 })));
    expect(decision.denied).toBe(true);
    expect(decision.deny_reason_if_denied).toMatchObject({ code: 'DENY_REQUIRES_HUMAN', reason: 'REQUIRE_HUMAN_HIGH_BLAST', blast_score: 90 });
    expect(decision.hall_facts.blast_score).toEqual({ declared: 0, held: 90, effective: 90, worker_id: 'org.demo.mover' });
    expect(receipt.deny_code).toBe('DENY_REQUIRES_HUMAN');
  });
});
