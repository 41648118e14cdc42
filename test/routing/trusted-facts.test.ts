// Trusted-facts mode (issue 8): required controls and the blast score come from the selected worker's
// own record, never a Hall-wide union or the caller; Hall-held tenant facts (`tenants`) raise the
// declared tenant_risk / data label and gate envs. pyhall mode (the default) stays as it was.
import { describe, expect, it } from 'vitest';
import {
  DENY_ENV_NOT_ALLOWED,
  Hall,
  RouteDecisionSchema,
  ValidationError,
  applyTenantFacts,
  blastScoreOfRadius,
  workerFactsFromRecord,
  buildRegistry,
  compileRules,
  computeArtifactHash,
  decide,
  parseRouteInput,
  type DecideContext,
  type PolicyDocumentLike,
  type TenantFactsLike,
  type TrustedFactsReport,
} from '../../src/index.js';

const HSM = 'ctrl.sec.hsm-keys';
const AUDIT = 'ctrl.obs.audit-log-append-only';

const workers = [
  { worker_id: 'org.demo.sealer', worker_species_id: 'wrk.demo.sealer', capabilities: ['cap.doc.seal'], currently_implements: [AUDIT] },
  { worker_id: 'org.demo.vault', worker_species_id: 'wrk.demo.vault', capabilities: ['cap.doc.seal'], currently_implements: [AUDIT, HSM] },
  // Another tenant's unrelated worker declaring the control (the "borrowed controls" attack).
  { worker_id: 'org.zeta.hsm', worker_species_id: 'wrk.zeta.hsm', capabilities: ['cap.zeta.sign'], currently_implements: [HSM] },
  { worker_id: 'org.demo.mover', worker_species_id: 'wrk.demo.mover', capabilities: ['cap.demo.move'], currently_implements: [AUDIT], blast_score: 90 },
  { worker_id: 'org.demo.calm', worker_species_id: 'wrk.demo.calm', capabilities: ['cap.demo.calm'], currently_implements: [AUDIT], blast_score: 50 },
];

const rule = (rule_id: string, capability_id: string, candidates: string[], required: string[], extra: Record<string, unknown> = {}) => ({
  rule_id,
  match: { capability_id },
  decision: {
    candidate_workers_ranked: candidates.map((worker_species_id) => ({ worker_species_id, score_hint: 1 })),
    required_controls_suggested: required,
    ...extra,
  },
});

const rules = {
  rules: [
    rule('rr_seal_one', 'cap.doc.seal', ['wrk.demo.sealer'], [HSM]),
    rule('rr_seal_two', 'cap.doc.seal2', ['wrk.demo.sealer', 'wrk.demo.vault'], [AUDIT, HSM]),
    rule('rr_seal_gone', 'cap.doc.seal3', ['wrk.gone.one', 'wrk.demo.sealer'], [HSM]),
    rule('rr_move', 'cap.demo.move', ['wrk.demo.mover'], [AUDIT]),
    rule('rr_calm', 'cap.demo.calm', ['wrk.demo.calm'], [AUDIT], { escalation: { policy_gate: true } }),
    rule('rr_none', 'cap.none', ['wrk.gone.one'], [HSM]),
  ],
};

const policy = {
  policy_version: 'policy.test.v1',
  rules: [
    { match: { env: 'prod', data_label: 'RESTRICTED' }, decision: 'REQUIRE_HUMAN', reason: 'restricted_data_in_prod' },
    { match: { env: 'prod', tenant_risk: 'high' }, decision: 'DENY', reason: 'high_risk_tenant_in_prod' },
    { match: { blast_score_gte: 70 }, decision: 'DENY', reason: 'blast_too_high' },
  ],
  default: { decision: 'ALLOW', reason: 'allow' },
} satisfies PolicyDocumentLike;

const req = (over: Record<string, unknown> = {}) => ({
  capability_id: 'cap.doc.seal',
  env: 'dev',
  data_label: 'INTERNAL',
  tenant_risk: 'low',
  qos_class: 'P2',
  tenant_id: 'demo',
  correlation_id: '550e8400-e29b-41d4-a716-446655440000',
  ...over,
});

const pinned = () => {
  let n = 0;
  return { now: () => Date.UTC(2026, 0, 1), newId: () => `id-${++n}` };
};

describe('trusted-facts mode: required controls on the selected worker', () => {
  const pyhall = new Hall({ rules, workers, policy });
  const trusted = new Hall({ rules, workers, policy, perWorkerControls: true });

  it("pyhall mode keeps the Hall-wide union (another worker's control counts)", () => {
    const d = pyhall.routeSync(req());
    expect(d.denied).toBe(false);
    expect(d.selected_worker_species_id).toBe('wrk.demo.sealer');
  });

  it("another worker's control does not count: DENY_MISSING_REQUIRED_CONTROLS with the missing controls and the species considered", () => {
    const d = trusted.routeSync(req());
    expect(RouteDecisionSchema.parse(d)).toEqual(d);
    expect(d.denied).toBe(true);
    expect(d.deny_reason_if_denied).toMatchObject({
      code: 'DENY_MISSING_REQUIRED_CONTROLS',
      missing: [HSM],
      workers_considered: [{ worker_species_id: 'wrk.demo.sealer', missing: [HSM] }],
    });
    expect(d.candidate_workers_ranked).toEqual([
      { worker_species_id: 'wrk.demo.sealer', score_hint: 1, requires_controls_minimum: null, skip_reason: 'missing_required_controls' },
    ]);
    expect(d.required_controls_effective).toEqual([HSM]);
    expect(d.matched_rule_id).toBe('rr_seal_one');
  });

  it('skips a candidate lacking a required control and selects the first qualifying available one', () => {
    const d = trusted.routeSync(req({ capability_id: 'cap.doc.seal2' }));
    expect(d.denied).toBe(false);
    expect(d.selected_worker_species_id).toBe('wrk.demo.vault');
    expect(d.candidate_workers_ranked.map((c) => c.skip_reason)).toEqual(['missing_required_controls', null]);
    // pyhall mode selects the first available candidate regardless.
    expect(pyhall.routeSync(req({ capability_id: 'cap.doc.seal2' })).selected_worker_species_id).toBe('wrk.demo.sealer');
  });

  it('unavailable candidates are skipped as before; none available is still DENY_NO_AVAILABLE_WORKER', () => {
    const d = trusted.routeSync(req({ capability_id: 'cap.doc.seal3' }));
    expect(d.deny_reason_if_denied?.code).toBe('DENY_MISSING_REQUIRED_CONTROLS');
    expect(d.candidate_workers_ranked.map((c) => c.skip_reason)).toEqual(['unavailable', 'missing_required_controls']);
    const none = trusted.routeSync(req({ capability_id: 'cap.none' }));
    expect(none.deny_reason_if_denied?.code).toBe('DENY_NO_AVAILABLE_WORKER');
    expect(none.candidate_workers_ranked.map((c) => c.skip_reason)).toEqual(['unavailable']);
  });

  it('controls the Hall itself provides count for every worker', () => {
    const hall = new Hall({ rules, workers, perWorkerControls: true, controlsPresent: [HSM] });
    const d = hall.routeSync(req());
    expect(d.denied).toBe(false);
    expect(d.selected_worker_species_id).toBe('wrk.demo.sealer');
  });

  it('with control enforcement off, selection is not filtered (as pyhall)', () => {
    const config = { enforce_required_controls: false };
    const lax = { rules: [rule('rr_lax', 'cap.doc.seal', ['wrk.demo.sealer'], [HSM], { preconditions: { deny_if_missing_required_controls: false } })] };
    const d = new Hall({ rules: lax, workers, config, perWorkerControls: true }).routeSync(req());
    expect(d.denied).toBe(false);
    expect(d.selected_worker_species_id).toBe('wrk.demo.sealer');
  });

  it('a throwing facts callback counts as no facts (fail closed, never a throw)', () => {
    const reg = buildRegistry(workers);
    const ctx: DecideContext = {
      rules: compileRules(rules),
      controlsPresent: new Set<string>(),
      workerAvailable: (s) => reg.workerAvailable(s),
      workerFacts: () => {
        throw new Error('boom');
      },
    };
    const d = decide(parseRouteInput(req({ capability_id: 'cap.doc.seal2' })), ctx);
    expect(d.deny_reason_if_denied?.code).toBe('DENY_MISSING_REQUIRED_CONTROLS');
  });
});

describe('trusted-facts mode: blast score from the worker record', () => {
  const trusted = new Hall({ rules, workers, policy, perWorkerControls: true });

  it('a record score of 90 needs a human in prod even when the caller says 0', () => {
    const d = trusted.routeSync(req({ capability_id: 'cap.demo.move', env: 'prod', blast_score: 0 }));
    expect(d.deny_reason_if_denied).toMatchObject({ code: 'DENY_REQUIRES_HUMAN', blast_score: 90, reason: 'REQUIRE_HUMAN_HIGH_BLAST' });
    // pyhall mode takes the caller's word (and ignores the record's score).
    expect(new Hall({ rules, workers, policy }).routeSync(req({ capability_id: 'cap.demo.move', env: 'prod', blast_score: 0 })).denied).toBe(false);
  });

  it('the caller can only raise the score; the policy gate sees the raised score', () => {
    const raised = trusted.routeSync(req({ capability_id: 'cap.demo.calm', env: 'prod', blast_score: 95 }));
    expect(raised.deny_reason_if_denied).toMatchObject({ code: 'DENY_REQUIRES_HUMAN', blast_score: 95 });
    // dev: no blast gate, but the policy gate gets max(heuristic 30, caller 0, record 50) = 50 → allowed
    const dev = trusted.routeSync(req({ capability_id: 'cap.demo.calm', blast_score: 0 }));
    expect(dev.denied).toBe(false);
    // prod: record 50 + policy rule blast_score_gte 70 does not fire; caller 75 does (scored 75, below 85).
    const prod75 = trusted.routeSync(req({ capability_id: 'cap.demo.calm', env: 'prod', blast_score: 75 }));
    expect(prod75.deny_reason_if_denied).toMatchObject({ code: 'DENY_POLICY_GATE', reason: 'blast_too_high' });
    const blast = prod75.telemetry_envelopes;
    expect(blast[0]!.event_id).toBe('evt.os.task.denied');
  });

  it('a record\'s blast_radius (WCP §7: five dimensions of 0-5) implies a score on pyhall\'s 0-100 scale', () => {
    expect(blastScoreOfRadius({ data: 1, network: 0, financial: 0, time: 1, reversibility: 'reversible' })).toBe(8);
    expect(blastScoreOfRadius({ data: 5, network: 5, financial: 4, time: 3, reversibility: 'irreversible' })).toBe(88);
    expect(blastScoreOfRadius({ data: 9 })).toBe(20);
    expect(blastScoreOfRadius(null)).toBeNull();
    expect(blastScoreOfRadius({})).toBeNull();
    // The stricter of a declared blast_score and the radius counts.
    expect(workerFactsFromRecord({ blast_score: 10, blast_radius: { data: 5, network: 5, financial: 5, time: 5, reversibility: 5 } }).blast_score).toBe(100);
    expect(workerFactsFromRecord({ blast_score: 60, blast_radius: { data: 1 } }).blast_score).toBe(60);
  });

  it('reports the worker whose facts were used', () => {
    const report: TrustedFactsReport = { worker_species_id: null, held_blast_score: null };
    trusted.routeSync(req({ capability_id: 'cap.demo.move', env: 'prod' }), { report });
    expect(report).toEqual({ worker_species_id: 'wrk.demo.mover', held_blast_score: 90 });
  });
});

describe('Hall tenants option: Hall-held tenant facts', () => {
  const tenants = [
    { tenant_id: 'risky', tenant_risk: 'high', data_label_floor: 'PUBLIC', allowed_envs: ['dev', 'stage', 'prod'] },
    { tenant_id: 'secret', tenant_risk: 'low', data_label_floor: 'RESTRICTED', allowed_envs: ['dev', 'stage', 'prod'] },
    { tenant_id: 'devonly', allowed_envs: ['dev'] },
  ] satisfies TenantFactsLike[];
  const hall = new Hall({ rules, workers, policy, tenants, ...pinned() });

  it('a high-risk tenant saying low is denied by the policy gate; the decision carries the effective risk', () => {
    const d = hall.routeSync(req({ tenant_id: 'risky', capability_id: 'cap.demo.calm', env: 'prod', tenant_risk: 'low' }));
    expect(d.deny_reason_if_denied).toMatchObject({ code: 'DENY_POLICY_GATE', reason: 'high_risk_tenant_in_prod' });
    expect(d.tenant_risk).toBe('high');
  });

  it('a RESTRICTED floor turns INTERNAL into RESTRICTED: human needed in prod, artifact_hash over the effective input', () => {
    const d = hall.routeSync(req({ tenant_id: 'secret', capability_id: 'cap.demo.calm', env: 'prod', data_label: 'INTERNAL' }));
    expect(d.deny_reason_if_denied?.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    expect(d.data_label).toBe('RESTRICTED');
    const body = req({ tenant_id: 'secret', capability_id: 'cap.demo.calm', data_label: 'PUBLIC' });
    const dev = hall.routeSync(body);
    expect(dev.denied).toBe(false);
    expect(dev.artifact_hash).toBe(computeArtifactHash(parseRouteInput({ ...body, data_label: 'RESTRICTED' })));
  });

  it('an env outside allowed_envs is DENY_ENV_NOT_ALLOWED before routing', () => {
    const d = hall.routeSync(req({ tenant_id: 'devonly', env: 'stage' }));
    expect(RouteDecisionSchema.parse(d)).toEqual(d);
    expect(d.deny_reason_if_denied).toMatchObject({ code: DENY_ENV_NOT_ALLOWED, env: 'stage', allowed_envs: ['dev'] });
    expect(d.matched_rule_id).toBe('PRE_ROUTING');
    expect(d.telemetry_envelopes[0]).toMatchObject({ event_id: 'evt.os.task.denied', deny_code: DENY_ENV_NOT_ALLOWED });
  });

  it('a tenant without a record keeps pyhall behaviour exactly', () => {
    const a = new Hall({ rules, workers, policy, tenants, ...pinned() });
    const b = new Hall({ rules, workers, policy, ...pinned() });
    for (const over of [{}, { env: 'prod', tenant_risk: 'high', capability_id: 'cap.demo.calm' }, { env: 'edge' }, { data_label: 'PUBLIC' }]) {
      expect(a.routeSync(req({ tenant_id: 'nobody', ...over }))).toEqual(b.routeSync(req({ tenant_id: 'nobody', ...over })));
    }
  });

  it('tenant records are strict', () => {
    for (const bad of [
      [{ tenant_id: 'x', tenant_risk: 'none' }],
      [{ tenant_id: 'x', data_label_floor: 'SECRET' }],
      [{ tenant_id: 'x', allowed_envs: ['production'] }],
      [{ tenant_id: 'x', allowed_envs: [] }],
      [{ tenant_id: 'x', tenant_rsk: 'high' }],
      [{ tenant_id: 'x' }, { tenant_id: 'x' }],
    ]) {
      expect(() => new Hall({ rules, tenants: bad as never }), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });

  it('applyTenantFacts: the stricter side wins, no record = declared', () => {
    const input = parseRouteInput(req({ tenant_risk: 'medium', data_label: 'INTERNAL' }));
    const held = applyTenantFacts(input, { tenant_risk: 'low', data_label_floor: 'RESTRICTED', allowed_envs: ['prod'] });
    expect(held.input).toMatchObject({ tenant_risk: 'medium', data_label: 'RESTRICTED' });
    expect(held.envAllowed).toBe(false);
    expect(held.facts).toEqual({
      tenant_risk: { declared: 'medium', held: 'low', effective: 'medium' },
      data_label: { declared: 'INTERNAL', held: 'RESTRICTED', effective: 'RESTRICTED' },
      env: { declared: 'dev', held: ['prod'], effective: 'dev', allowed: false },
    });
    const none = applyTenantFacts(input, null);
    expect(none.input).toBe(input);
    expect(none.facts.tenant_risk).toEqual({ declared: 'medium', held: null, effective: 'medium' });
    expect(none.envAllowed).toBe(true);
  });
});
