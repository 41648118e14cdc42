import { describe, expect, it } from 'vitest';
import { Hall, ValidationError, compilePolicy, type PostSelectInfo } from '../../src/index.js';
import type { PolicyDocumentLike } from '../../src/routing/schemas.js';
import { input, rules, workers } from './fixtures.js';

const doc = { ...input, capability_id: 'cap.doc.summarize' };

const policy = {
  policy_version: 'pol.acme.v7',
  rules: [
    { id: 'no-restricted-edge', match: { env: 'edge', data_label: 'RESTRICTED' }, decision: 'DENY', reason: 'restricted data never runs at the edge' },
    { id: 'high-risk', match: { tenant_risk: 'high' }, decision: 'REQUIRE_HUMAN', reason: 'high-risk tenant' },
    { id: 'big-blast', match: { blast_score_gte: 60 }, decision: 'REQUIRE_HUMAN', reason: 'large blast radius', supervisor_level: 'security' },
    { id: 'docs', match: { capability_id: 'cap.doc.*' }, decision: 'ALLOW', reason: 'documents are fine' },
  ],
} satisfies PolicyDocumentLike;

describe('declarative policy gate', () => {
  const hall = new Hall({ rules, workers, policy });

  it('allows and carries its policy_version into telemetry', () => {
    const d = hall.routeSync(doc);
    expect(d.denied).toBe(false);
    const gated = d.telemetry_envelopes.find((e) => e.event_id === 'evt.os.policy.gated');
    expect(gated).toMatchObject({ decision: 'ALLOW', policy_version: 'pol.acme.v7', reason: 'policy_gate_allow' });
  });

  it('denies with DENY_POLICY_GATE and the reason', () => {
    const d = hall.routeSync({ ...doc, env: 'edge', data_label: 'RESTRICTED', blast_score: 10, qos_class: 'P3' });
    // edge+RESTRICTED scores 65 in the heuristic (< 85), so the policy decides
    expect(d.deny_reason_if_denied).toMatchObject({
      code: 'DENY_POLICY_GATE',
      reason: 'restricted data never runs at the edge',
      policy_version: 'pol.acme.v7',
    });
    expect(d.escalation_effective.rationale).toBe('restricted data never runs at the edge');
  });

  it('REQUIRE_HUMAN stays denied and names the supervisor level (default gatekeeper)', () => {
    const d = hall.routeSync({ ...doc, tenant_risk: 'high' });
    expect(d.deny_reason_if_denied).toMatchObject({
      code: 'DENY_REQUIRES_HUMAN_APPROVAL',
      supervisor_required: true,
      supervisor_level: 'gatekeeper',
    });
    expect(d.escalation_effective.human_required_default).toBe(true);
  });

  it('matches on the blast score the router computed', () => {
    const d = hall.routeSync({ ...doc, blast_score: 70 });
    expect(d.deny_reason_if_denied).toMatchObject({ code: 'DENY_REQUIRES_HUMAN_APPROVAL', supervisor_level: 'security' });
  });

  it('an approved approval turns REQUIRE_HUMAN into ALLOW and is recorded in telemetry', () => {
    const d = hall.routeSync({ ...doc, tenant_risk: 'high' }, { approvedHumanGate: { approval_id: 'apr_123' } });
    expect(d.denied).toBe(false);
    const gated = d.telemetry_envelopes.find((e) => e.event_id === 'evt.os.policy.gated');
    expect(gated).toMatchObject({ reason: 'human_approved', approval_id: 'apr_123', gate_reason: 'high-risk tenant' });
  });

  it('an approval does not override a DENY', () => {
    const d = hall.routeSync({ ...doc, env: 'edge', data_label: 'RESTRICTED', qos_class: 'P3' }, { approvedHumanGate: { approval_id: 'apr_1' } });
    expect(d.deny_reason_if_denied?.code).toBe('DENY_POLICY_GATE');
  });

  it('falls back to the default (DENY unless configured)', () => {
    const p = compilePolicy({ policy_version: 'v1', rules: [] });
    expect(p.evaluate({ capability_id: 'x', tenant_id: 't', env: 'dev', data_label: 'PUBLIC', tenant_risk: 'low', qos_class: 'P2', policy_version: 'policy.v0' }, { blast_score: 0 })).toMatchObject({
      decision: 'DENY',
      policy_rule: 'default',
    });
  });

  it('is validated by schema', () => {
    expect(() => compilePolicy({ policy_version: 'v', rules: [{ decision: 'MAYBE', reason: 'x' }] })).toThrow(ValidationError);
    expect(() => compilePolicy({ policy_version: 'v', rules: [{ decision: 'ALLOW', reason: 'x', match: { env: 'PROD' } }] })).toThrow(ValidationError);
    // Deliberately invalid (no policy_version): the cast gets it past the types to the runtime check.
    expect(() => new Hall({ rules, workers, policy: { rules: [] } as unknown as PolicyDocumentLike })).toThrow(ValidationError);
  });

  it('without a gate, a rule asking for one denies DENY_POLICY_GATE_UNCONFIGURED', () => {
    expect(new Hall({ rules, workers }).routeSync(doc).deny_reason_if_denied?.code).toBe('DENY_POLICY_GATE_UNCONFIGURED');
  });

  it('callback gates keep the pyhall 3-tuple contract', () => {
    const seen: unknown[] = [];
    const hall = new Hall({ rules, workers, gate: (ctx) => (seen.push(ctx), ['ALLOW', 'p.v2', 'ok']) });
    const d = hall.routeSync(doc);
    expect(d.denied).toBe(false);
    expect(seen).toEqual([{ capability_id: 'cap.doc.summarize', tenant_id: 'acme', env: 'dev', data_label: 'PUBLIC', tenant_risk: 'low', qos_class: 'P2', policy_version: 'policy.v0' }]);
    const bad = new Hall({ rules, workers, gate: () => ['ALLOW', 'p'] });
    expect(bad.routeSync(doc).deny_reason_if_denied?.code).toBe('DENY_INTERNAL_ERROR');
    const odd = new Hall({ rules, workers, gate: () => ['allow', 'p', 'r'] });
    expect(odd.routeSync(doc).deny_reason_if_denied?.message).toBe(
      "policy_gate_eval returned unrecognized decision: 'allow'. Expected 'ALLOW', 'DENY', or 'REQUIRE_HUMAN'. Failing closed.",
    );
  });
});

describe('post-selection hook (ban list)', () => {
  it('denies the selected worker through the common deny builder', () => {
    const seen: PostSelectInfo[] = [];
    const hall = new Hall({
      rules,
      workers,
      afterSelect: (info) => {
        seen.push(info);
        return { code: 'DENY_WORKER_BANNED', message: 'Worker package is banned.', extras: { worker_species_id: info.worker_species_id } };
      },
    });
    const d = hall.routeSync(input);
    expect(seen[0]).toMatchObject({ rule_id: 'rr_hello', worker_species_id: 'wrk.hello.greeter' });
    expect(d).toMatchObject({
      denied: true,
      matched_rule_id: 'rr_hello',
      selected_worker_species_id: null,
      artifact_hash: null,
      required_controls_effective: ['ctrl.obs.audit-log-append-only'],
      deny_reason_if_denied: { code: 'DENY_WORKER_BANNED', message: 'Worker package is banned.', worker_species_id: 'wrk.hello.greeter' },
    });
    expect(d.telemetry_envelopes).toEqual([
      expect.objectContaining({ event_id: 'evt.os.task.denied', deny_code: 'DENY_WORKER_BANNED', matched_rule_id: 'rr_hello' }),
    ]);
  });

  it('a throwing hook fails closed; returning null lets the request through', () => {
    const boom = new Hall({ rules, workers, afterSelect: () => { throw new Error('kv down'); } });
    expect(boom.routeSync(input).deny_reason_if_denied?.code).toBe('DENY_INTERNAL_ERROR');
    expect(new Hall({ rules, workers, afterSelect: () => null }).routeSync(input).denied).toBe(false);
  });
});

describe('attestation and privilege through the Hall', () => {
  const attRules = {
    rules: [
      {
        rule_id: 'rr_doc',
        match: { capability_id: 'cap.doc.summarize' },
        decision: {
          candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }],
          required_controls_suggested: ['ctrl.privilege_envelopes_required'],
        },
      },
    ],
  };
  const req = { ...doc, env: 'prod', data_label: 'RESTRICTED', qos_class: 'P3' } as const;

  it('requires a current-hash source when attestation is on (fails closed)', () => {
    const hall = new Hall({ rules: attRules, workers, config: { require_worker_attestation: true } });
    expect(hall.routeSync(req).deny_reason_if_denied?.code).toBe('DENY_ATTESTATION_UNCONFIGURED');
  });

  it('allows when the current hash matches the enrolled one and the egress is allowlisted', () => {
    const hall = new Hall({
      rules: attRules,
      workers,
      config: { require_worker_attestation: true },
      getCurrentHash: () => 'a'.repeat(64),
      egressAllowlist: { prod: ['api.example.com'] },
    });
    const d = hall.routeSync(req);
    expect(d.denied).toBe(false);
    expect(d.worker_attestation_valid).toBe(true);
  });

  it('denies tampered workers and non-allowlisted egress', () => {
    const tampered = new Hall({ rules: attRules, workers, config: { require_worker_attestation: true }, getCurrentHash: () => 'b'.repeat(64) });
    expect(tampered.routeSync(req).deny_reason_if_denied?.code).toBe('DENY_WORKER_TAMPERED');
    const noEgress = new Hall({ rules: attRules, workers });
    expect(noEgress.routeSync(req).deny_reason_if_denied).toMatchObject({
      code: 'DENY_PRIVILEGE_ENVELOPE_VIOLATED',
      reason: 'egress_denied_no_allowlist_configured',
    });
  });
});
