// Strict documents (issue 8, "a typo opens the Hall"): every rules / policy / config document the
// in-process Hall accepts is strict by default, with the path of every problem; pyhall's lenient
// reading stays available as the explicit compatibility mode (`mode: 'reference'`).
import { describe, expect, it } from 'vitest';
import {
  Hall,
  RULE_LIMITS,
  RulesError,
  ValidationError,
  buildReceipt,
  compilePolicy,
  compileRules,
  lintRules,
  parseHallConfig,
  type RouteInputLike,
} from '../../src/index.js';
import { MAX_RECEIPT_STRING, RECEIPT_MAX_CONTROLS } from '../../src/receipts/core.js';
import { mulberry32 } from '../support/prng.js';

const charger = [
  { worker_id: 'org.pay.charger', worker_species_id: 'wrk.payments.charger', capabilities: ['cap.payments.charge', 'cap.a.b'], currently_implements: [] },
];
const decision = { candidate_workers_ranked: [{ worker_species_id: 'wrk.payments.charger' }] };
const charge: RouteInputLike = {
  capability_id: 'cap.payments.charge',
  env: 'prod',
  data_label: 'RESTRICTED',
  tenant_risk: 'low',
  qos_class: 'P1',
  tenant_id: 'demo',
  correlation_id: '550e8400-e29b-41d4-a716-446655440000',
};
const typoDoc = { rules: [{ rule_id: 'r_only_cap_a_b', mach: { capability_id: 'cap.a.b' }, decision }] };

function refusal(f: () => unknown): { path: string; message: string; code?: string }[] {
  try {
    f();
  } catch (e) {
    if (e instanceof RulesError || e instanceof ValidationError) return e.issues.map((i) => ({ ...i, path: i.path.join('.') }));
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('the typo attack, in process', () => {
  it('a rule whose "match" is misspelt is refused at load, with the path of the typo and of the missing match', () => {
    const issues = refusal(() => new Hall({ rules: typoDoc, workers: charger }));
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['rules.0.mach', 'rules.0.match']));
    expect(issues.find((i) => i.path === 'rules.0.mach')!.message).toMatch(/did you mean "match"/);
    expect(issues.find((i) => i.path === 'rules.0.match')!.message).toMatch(/"match": \{\}/);
    expect(refusal(() => compileRules(typoDoc)).length).toBe(2);
  });

  it('lintRules never says ok for it', () => {
    const rep = lintRules(typoDoc);
    expect(rep.ok).toBe(false);
    expect(rep.issues).toContainEqual(expect.objectContaining({ severity: 'error', code: 'unknown_key', path: ['rules', 0, 'mach'] }));
    expect(rep.issues).toContainEqual(expect.objectContaining({ severity: 'error', code: 'missing_match', path: ['rules', 0, 'match'] }));
  });

  it('in the pyhall compatibility mode the same document loads and matches everything (what pyhall does)', () => {
    const hall = new Hall({ rules: typoDoc, workers: charger, mode: 'reference' });
    const d = hall.routeSync(charge);
    expect(d.denied).toBe(false);
    expect(d.matched_rule_id).toBe('r_only_cap_a_b');
    const rep = lintRules(typoDoc, { mode: 'reference' });
    expect(rep.issues).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'unknown_key', path: ['rules', 0, 'mach'] }));
    expect(rep.issues).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'catch_all' }));
  });

  it('an `in` list with one out-of-enum value is refused with the path to the list index', () => {
    const doc = { rules: [{ rule_id: 'r', match: { capability_id: 'cap.a.b', env: { in: ['dev', 'production'] } }, decision }] };
    const issues = refusal(() => compileRules(doc));
    expect(issues).toEqual([expect.objectContaining({ path: 'rules.0.match.env.in.1', message: '"production" is not a WCP env (allowed: dev, stage, prod, edge)' })]);
    expect(lintRules(doc).issues).toContainEqual(expect.objectContaining({ severity: 'error', code: 'out_of_enum', path: ['rules', 0, 'match', 'env', 'in', 1] }));
  });

  it.each([
    ['exact env', { env: 'production' }, 'rules.0.match.env'],
    ['exact data_label', { data_label: 'restricted' }, 'rules.0.match.data_label'],
    ['tenant_risk list', { tenant_risk: { in: ['low', 'HIGH'] } }, 'rules.0.match.tenant_risk.in.1'],
    ['qos_class', { qos_class: 'P4' }, 'rules.0.match.qos_class'],
    ['ignored key request', { request: { amount: 5 } }, 'rules.0.match.request'],
    ['case change', { Capability_id: 'cap.a.b' }, 'rules.0.match.Capability_id'],
    ['bare list', { env: ['dev'] }, 'rules.0.match.env'],
    ['{"any": false}', { env: { any: false } }, 'rules.0.match.env.any'],
    ['{"in": "dev"}', { env: { in: 'dev' } }, 'rules.0.match.env.in'],
    ['empty in', { env: { in: [] } }, 'rules.0.match.env.in'],
    ['unknown operator', { env: { eq: 'dev' } }, 'rules.0.match.env.eq'],
    ['null condition', { env: null }, 'rules.0.match.env'],
  ])('refuses %s with its path', (_name, match, path) => {
    const issues = refusal(() => compileRules({ rules: [{ rule_id: 'r', match, decision }] }));
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it.each([
    ['rule level', { rule_id: 'r', match: {}, decision, Decision: {} }, 'rules.0.Decision'],
    ['decision level', { rule_id: 'r', match: {}, decision: { ...decision, required_controls: ['ctrl.a.b'] } }, 'rules.0.decision.required_controls'],
    ['candidate level', { rule_id: 'r', match: {}, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.a.b', score: 1 }] } }, 'rules.0.decision.candidate_workers_ranked.0.score'],
    ['escalation level', { rule_id: 'r', match: {}, decision: { escalation: { policygate: true } } }, 'rules.0.decision.escalation.policygate'],
    ['preconditions level', { rule_id: 'r', match: {}, decision: { preconditions: { deny_if_missing_required_control: true } } }, 'rules.0.decision.preconditions.deny_if_missing_required_control'],
    ['null decision', { rule_id: 'r', match: {}, decision: null }, 'rules.0.decision'],
    ['null match', { rule_id: 'r', match: null, decision }, 'rules.0.match'],
  ])('refuses an unknown key or null at the %s', (_name, rule, path) => {
    expect(refusal(() => compileRules({ rules: [rule] })).map((i) => i.path)).toContain(path);
  });

  it('refuses an unknown top-level key and a missing rules list', () => {
    expect(refusal(() => compileRules({ rules: [], rulez: [] })).map((i) => i.path)).toEqual(['rulez']);
    expect(refusal(() => compileRules({})).map((i) => i.path)).toEqual(['rules']);
  });
});

describe('explicit catch-alls', () => {
  it('match: {} and all-{any: true} are accepted and reported by lint as catch_all warnings', () => {
    for (const match of [{}, { capability_id: { any: true }, env: { any: true }, data_label: { any: true }, tenant_risk: { any: true }, qos_class: { any: true }, tenant_id: { any: true } }]) {
      const doc = { rules: [{ rule_id: 'last_resort', match, decision }] };
      expect(() => compileRules(doc)).not.toThrow();
      const rep = lintRules(doc);
      expect(rep.ok).toBe(true);
      expect(rep.issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'catch_all', path: ['rules', 0, 'match'] })]);
    }
  });

  it('a rule scoped to one tenant is not a catch-all', () => {
    expect(lintRules({ rules: [{ rule_id: 't', match: { tenant_id: 'acme' }, decision }] }).issues.some((i) => i.code === 'catch_all')).toBe(false);
  });
});

describe('tenant-scoped rules (match.tenant_id, strict mode)', () => {
  const workers = [
    { worker_id: 'org.acme.a', worker_species_id: 'wrk.acme.special', capabilities: ['cap.doc.x'], currently_implements: [] },
    { worker_id: 'org.base.a', worker_species_id: 'wrk.base.plain', capabilities: ['cap.doc.x'], currently_implements: [] },
  ];
  const doc = {
    rules: [
      { rule_id: 'acme_only', match: { capability_id: 'cap.doc.x', tenant_id: 'acme' }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.acme.special' }] } },
      { rule_id: 'beta_gamma', match: { capability_id: 'cap.doc.x', tenant_id: { in: ['beta', 'gamma'] }, env: 'dev' }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.acme.special' }] } },
      { rule_id: 'everyone', match: { capability_id: 'cap.doc.x', tenant_id: { any: true } }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.base.plain' }] } },
    ],
  };
  const req = (tenant_id: string, env = 'dev'): RouteInputLike => ({ ...charge, capability_id: 'cap.doc.x', data_label: 'PUBLIC', env: env as 'dev', tenant_id });

  it('route only the tenants they name; every other tenant falls through to the next rule', () => {
    const hall = new Hall({ rules: doc, workers });
    expect(hall.routeSync(req('acme')).matched_rule_id).toBe('acme_only');
    expect(hall.routeSync(req('beta')).matched_rule_id).toBe('beta_gamma');
    expect(hall.routeSync(req('gamma')).matched_rule_id).toBe('beta_gamma');
    expect(hall.routeSync(req('gamma', 'stage')).matched_rule_id).toBe('everyone');
    expect(hall.routeSync(req('zeta')).matched_rule_id).toBe('everyone');
    expect(hall.routeSync(req('acm')).matched_rule_id).toBe('everyone');
    // The cached tables stay right when tenants alternate.
    for (const t of ['zeta', 'acme', 'zeta', 'beta', 'acme']) expect(hall.routeSync(req(t)).matched_rule_id).toBe(t === 'zeta' ? 'everyone' : t === 'acme' ? 'acme_only' : 'beta_gamma');
  });

  it('are ignored in the pyhall compatibility mode, as pyhall does', () => {
    const hall = new Hall({ rules: doc, workers, mode: 'reference' });
    expect(hall.routeSync(req('zeta')).matched_rule_id).toBe('acme_only');
  });

  it('refuse a non-string or empty tenant condition', () => {
    expect(refusal(() => compileRules({ rules: [{ rule_id: 'r', match: { tenant_id: 7 } }] })).map((i) => i.path)).toContain('rules.0.match.tenant_id');
    expect(refusal(() => compileRules({ rules: [{ rule_id: 'r', match: { tenant_id: { in: ['a', ''] } } }] })).map((i) => i.path)).toContain('rules.0.match.tenant_id.in.1');
  });

  it('lint reachability knows tenants: a tenant rule after an unscoped one is unreachable, not the other way round', () => {
    const r = (rule_id: string, match: object) => ({ rule_id, match: { capability_id: 'cap.doc.x', ...match }, decision });
    const rep = lintRules({ rules: [r('acme', { tenant_id: 'acme' }), r('all', {}), r('acme_late', { tenant_id: { in: ['acme', 'other'] } }), r('beta_late', { tenant_id: 'beta' })] });
    const unreachable = rep.issues.filter((i) => i.code === 'unreachable').map((i) => i.path[1]);
    expect(unreachable).toEqual([2, 3]);
  });

  it('the index agrees with a plain in-order scan on random rule sets with tenant conditions', () => {
    const rnd = mulberry32(808);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const caps = ['cap.a.x', 'cap.a.y', 'cap.b.z'];
    const envs = ['dev', 'stage', 'prod', 'edge'];
    const tenants = ['t1', 't2', 't3'];
    const cond = (vals: string[]): unknown => {
      const k = Math.floor(rnd() * 4);
      if (k === 0) return undefined;
      if (k === 1) return pick(vals);
      if (k === 2) return { any: true };
      return { in: [pick(vals), pick(vals)] };
    };
    const accepts = (c: unknown, v: string) =>
      c === undefined || c === v || (typeof c === 'object' && c !== null && ('any' in c || (c as { in: string[] }).in.includes(v)));
    for (let round = 0; round < 30; round++) {
      const rules = Array.from({ length: 25 }, (_, i) => {
        const m: Record<string, unknown> = { capability_id: cond(caps), env: cond(envs), tenant_id: cond(tenants) };
        for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
        return { rule_id: `r${i}`, match: m };
      });
      const compiled = compileRules({ rules });
      for (let probe = 0; probe < 3; probe++)
        for (const cap of [...caps, 'cap.other.q'])
          for (const env of envs)
            for (const tenant of [...tenants, 'nobody']) {
              const want = rules.findIndex((r) => accepts(r.match.capability_id, cap) && accepts(r.match.env, env) && accepts(r.match.tenant_id, tenant));
              expect(compiled.firstMatch(cap, env, 'PUBLIC', 'low', 'P2', tenant)).toBe(want);
            }
    }
  });
});

describe('limits keep every stored rule receipt-safe', () => {
  it('the rule limits are below the receipt limits', () => {
    expect(RULE_LIMITS.controls).toBeLessThanOrEqual(RECEIPT_MAX_CONTROLS);
    expect(RULE_LIMITS.controlId).toBeLessThanOrEqual(MAX_RECEIPT_STRING);
    expect(RULE_LIMITS.id).toBeLessThanOrEqual(MAX_RECEIPT_STRING);
  });

  it('refuses 257 controls, a 129-character control and an empty one', () => {
    const ctl = (n: number, len = 20) => Array.from({ length: n }, (_, i) => `ctrl.x.${String(i).padStart(len - 7, 'a')}`);
    const rule = (required: string[]) => ({ rules: [{ rule_id: 'r', match: {}, decision: { ...decision, required_controls_suggested: required } }] });
    expect(refusal(() => compileRules(rule(ctl(257)))).map((i) => i.path)).toEqual(['rules.0.decision.required_controls_suggested']);
    expect(refusal(() => compileRules(rule(ctl(1, 129)))).map((i) => i.path)).toEqual(['rules.0.decision.required_controls_suggested.0']);
    expect(refusal(() => compileRules(rule(['']))).map((i) => i.path)).toEqual(['rules.0.decision.required_controls_suggested.0']);
  });

  it('the largest accepted rule yields a decision whose receipt builds', () => {
    const required = Array.from({ length: RULE_LIMITS.controls }, (_, i) => `ctrl.x.${String(i).padStart(RULE_LIMITS.controlId - 7, 'c')}`);
    const species = `wrk.x.${'s'.repeat(RULE_LIMITS.id - 6)}`;
    const hall = new Hall({
      rules: { rules: [{ rule_id: 'r'.repeat(RULE_LIMITS.ruleId), match: { capability_id: 'cap.x.y' }, decision: { candidate_workers_ranked: [{ worker_species_id: species }], required_controls_suggested: required } }] },
      workers: [{ worker_id: 'org.x.big', worker_species_id: species, capabilities: ['cap.x.y'], currently_implements: required }],
    });
    const d = hall.routeSync({ ...charge, capability_id: 'cap.x.y', env: 'dev' });
    expect(d.denied).toBe(false);
    expect(d.required_controls_effective).toHaveLength(RULE_LIMITS.controls);
    expect(() =>
      buildReceipt({
        tenant_id: 'demo', seq: 1, prev_receipt_hash: null, decision_id: d.decision_id, correlation_id: d.correlation_id,
        worker_id: 'org.x.big', worker_species_id: d.selected_worker_species_id, capability_id: d.capability_id,
        policy_decision: 'ALLOW', deny_code: null, controls_verified: d.required_controls_effective,
        artifact_hash: d.artifact_hash, rules_version: 'rv-0123456789abcdef', approval_id: null, signing_key_id: 'k1', dry_run: false,
      }),
    ).not.toThrow();
  });
});

describe('hall config', () => {
  it('is strict by default: an unknown key is refused with its path', () => {
    const issues = refusal(() => parseHallConfig({ requre_signatory: true }));
    expect(issues).toEqual([expect.objectContaining({ path: 'requre_signatory' })]);
    expect(() => new Hall({ rules: { rules: [] }, config: { require_signatory: true, allowed_tenant: ['demo'] } as never })).toThrow(ValidationError);
  });

  it('ignores unknown keys only in the pyhall compatibility mode', () => {
    expect(parseHallConfig({ requre_signatory: true }, 'reference').require_signatory).toBe(false);
    expect(new Hall({ rules: { rules: [] }, config: { extra: 1 } as never, mode: 'reference' }).config).not.toBeNull();
  });

  it('refuses an unknown mode', () => {
    expect(() => new Hall({ rules: { rules: [] }, mode: 'lenient' as never })).toThrow(ValidationError);
    expect(() => compileRules({ rules: [] }, { mode: 'lenient' as never })).toThrow(RulesError);
  });
});

describe('policy documents', () => {
  const ok = { policy_version: 'p1', rules: [{ id: 'deny-pay', match: { capability_id: 'cap.payments.*', env: 'prod' }, decision: 'DENY', reason: 'no payments in prod' }] };

  it('accept a valid document', () => {
    expect(() => compilePolicy(ok)).not.toThrow();
  });

  it.each([
    ['a misspelt match', { mach: { env: 'prod' } }, 'rules.0.mach'],
    ['a missing match', {}, 'rules.0.match'],
    ['an out-of-enum env in a list', { match: { env: ['dev', 'production'] } }, 'rules.0.match.env.1'],
    ['an out-of-enum label', { match: { data_label: 'SECRET' } }, 'rules.0.match.data_label'],
    ['a mid-pattern star', { match: { capability_id: 'cap.pay*' } }, 'rules.0.match.capability_id'],
    ['an empty blast range', { match: { blast_score_gte: 50, blast_score_lt: 50 } }, 'rules.0.match.blast_score_lt'],
    ['an unknown match key', { match: { request: {} } }, 'rules.0.match.request'],
    ['a wrong decision', { match: {}, decision: 'deny' }, 'rules.0.decision'],
  ])('refuse %s with its path', (_name, patch, path) => {
    const { match: _m, ...rest } = ok.rules[0]!;
    const doc = { ...ok, rules: [{ ...rest, ...patch }] };
    expect(refusal(() => compilePolicy(doc)).map((i) => i.path)).toContain(path);
  });

  it('refuse unknown keys at the document and default levels', () => {
    expect(refusal(() => compilePolicy({ ...ok, defaults: {} })).map((i) => i.path)).toEqual(['defaults']);
    expect(refusal(() => compilePolicy({ ...ok, default: { decision: 'ALLOW', reason: 'x', level: 'a' } })).map((i) => i.path)).toEqual(['default.level']);
  });
});
