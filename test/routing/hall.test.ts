import { describe, expect, it } from 'vitest';
import {
  DENY_CODES,
  Hall,
  RouteDecisionSchema,
  RulesError,
  ValidationError,
  compileRules,
  computeArtifactHash,
  artifactHashPreimage,
  isoTimestamp,
  parseRouteInput,
} from '../../src/index.js';
import { input, rules, workers } from './fixtures.js';

const pinned = () => {
  let n = 0;
  return { now: () => Date.UTC(2026, 10, 22, 0, 40, 19) + 0.727546 * 1000, newId: () => `id-${++n}` };
};

describe('Hall', () => {
  it('routes an allowed request to a RouteDecision with pyhall fields', async () => {
    const hall = new Hall({ rules, workers });
    const d = await hall.route(input);
    expect(RouteDecisionSchema.parse(d)).toEqual(d);
    expect(d.denied).toBe(false);
    expect(d.selected_worker_species_id).toBe('wrk.hello.greeter');
    expect(d.matched_rule_id).toBe('rr_hello');
    expect(d.artifact_hash).toBe(computeArtifactHash(parseRouteInput(input)));
    expect(d.telemetry_envelopes.map((e) => e.event_id)).toEqual([
      'evt.os.task.routed',
      'evt.os.worker.selected',
      'evt.os.policy.gated',
    ]);
  });

  it('pins the clock and the id generator', () => {
    const hall = new Hall({ rules, workers, ...pinned() });
    const d = hall.routeSync(input);
    expect(d.decision_id).toMatch(/^id-\d$/);
    expect(d.timestamp).toBe('2026-11-22T00:40:19.727546+00:00');
    expect(d.telemetry_envelopes.every((e) => e.timestamp === d.timestamp)).toBe(true);
  });

  it('formats timestamps like Python isoformat (fraction omitted at 0 µs)', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(isoTimestamp(t)).toBe('2026-01-02T03:04:05+00:00');
    expect(isoTimestamp(t + 1)).toBe('2026-01-02T03:04:05.001000+00:00');
    expect(isoTimestamp(t + 0.005)).toBe('2026-01-02T03:04:05.000005+00:00');
  });

  it('default decision ids are UUID v4', () => {
    const d = new Hall({ rules, workers }).routeSync(input);
    expect(d.decision_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects invalid input with a ValidationError listing every problem', async () => {
    const hall = new Hall({ rules, workers });
    const bad = { ...input, env: 'PROD', blast_score: '42', dry_run: 'yes', tenant_id: ' \x85', request: [] };
    const err = await hall.route(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['blast_score', 'dry_run', 'env', 'request', 'tenant_id']);
    expect((err as ValidationError).code).toBe('INVALID_INPUT');
  });

  it('is strict: no lax coercion, but 55.0 (an integer after JSON.parse) is an integer', () => {
    const hall = new Hall({ rules, workers });
    for (const v of [{ blast_score: '42' }, { blast_score: 90.5 }, { blast_score: true }, { dry_run: 0 }, { dry_run: 'true' }])
      expect(() => hall.routeSync({ ...input, ...v })).toThrow(ValidationError);
    expect(hall.routeSync(JSON.parse(JSON.stringify({ ...input, blast_score: 55.0 }))).denied).toBe(false);
  });

  it('accepts an empty correlation_id and denies it in the router, as pyhall does', () => {
    const d = new Hall({ rules, workers }).routeSync({ ...input, correlation_id: '' });
    expect(d.deny_reason_if_denied?.code).toBe(DENY_CODES.MISSING_CORRELATION_ID);
  });

  it('never throws after validation: a throwing gate fails closed', () => {
    const hall = new Hall({
      rules,
      workers,
      gate: () => {
        throw new Error('boom');
      },
    });
    const d = hall.routeSync({ ...input, capability_id: 'cap.doc.summarize' });
    expect(d.deny_reason_if_denied?.code).toBe('DENY_INTERNAL_ERROR');
  });

  it('refuses malformed rules at load with the path of each problem', () => {
    const bad = {
      rules: [
        { rule_id: 'a', match: { env: { in: 'dev,stage' } } },
        { rule_id: 'a', match: { env: ['dev'], request: { x: 1 } } },
        { rule_id: 'c', decision: { escalation: { policy_gate: 'yes' }, candidate_workers_ranked: [{ worker_species_id: 5 }] } },
      ],
    };
    let err: unknown;
    try {
      compileRules(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RulesError);
    const paths = (err as RulesError).issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'rules.0.match.env.in',
        'rules.1.match.env',
        'rules.1.match.request',
        'rules.1.rule_id',
        'rules.2.match',
        'rules.2.decision.escalation.policy_gate',
        'rules.2.decision.candidate_workers_ranked.0.worker_species_id',
      ]),
    );
    expect(() => new Hall({ rules: bad, workers })).toThrow(RulesError);
    // Structurally valid but never-matching or duplicated rules are refused too.
    expect(() => compileRules({ rules: [{ rule_id: 'x', match: { env: 'dev' } }, { rule_id: 'x', match: {} }] })).toThrow(/duplicate rule_id/);
  });

  it('refuses malformed worker records with paths', () => {
    expect(() =>
      new Hall({ rules, workers: [{ worker_species_id: 'wrk.a.b', currently_implements: ['CTRL.X'], attestation: { code_hash: 'sha256:' + 'a'.repeat(64) } }] }),
    ).toThrow(ValidationError);
  });

  it('computes artifact_hash byte-identically to pyhall (BEHAVIOR.md §13 example)', () => {
    const i = parseRouteInput({ ...input, tenant_id: 'test-tenant', capability_id: 'cap.hello.greet' });
    expect(artifactHashPreimage(i)).toBe(
      '{"blast_radius": null, "blast_score": null, "capability_id": "cap.hello.greet", "correlation_id": "550e8400-e29b-41d4-a716-446655440000", "data_label": "PUBLIC", "dry_run": false, "env": "dev", "privilege_context": null, "qos_class": "P2", "request": {}, "tenant_credential": null, "tenant_id": "test-tenant", "tenant_risk": "low"}',
    );
    expect(computeArtifactHash(i)).toBe('4de02fbb66432a223f00d5b1fb575e67f011d57e35a54acc814596fc14b97296');
  });

  it('denies shadowed rule sets in prod/edge only, analysed once per rule set', () => {
    const shadowed = { rules: [{ rule_id: 'all', match: {}, decision: {} }, ...rules.rules] };
    const hall = new Hall({ rules: shadowed, workers });
    expect(hall.routeSync({ ...input, env: 'prod' }).deny_reason_if_denied).toMatchObject({
      code: 'DENY_SHADOW_RULES_DETECTED',
      shadowed_rule_ids: ['rr_hello', 'rr_doc'],
      shadow_count: 2,
    });
    expect(hall.rules.shadows()).toBe(hall.rules.shadows());
  });
});

describe('first-match index', () => {
  it('agrees with a plain in-order scan on random rule sets', () => {
    const caps = ['cap.a.x', 'cap.a.y', 'cap.b.z', 'cap.other.q'];
    const envs = ['dev', 'stage', 'prod', 'edge'];
    const labels = ['PUBLIC', 'INTERNAL', 'RESTRICTED'];
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const cond = (vals: string[]) => {
      const k = rnd(4);
      if (k === 0) return undefined;
      if (k === 1) return vals[rnd(vals.length)];
      if (k === 2) return { any: true };
      return { in: [vals[rnd(vals.length)], vals[rnd(vals.length)]] };
    };
    for (let round = 0; round < 20; round++) {
      const doc = {
        rules: Array.from({ length: 30 }, (_, i) => ({
          rule_id: `r${i}`,
          match: { capability_id: cond(caps.slice(0, 3)), env: cond(envs), data_label: cond(labels) },
        })),
      };
      const compiled = compileRules(doc, { mode: 'reference' });
      const accepts = (c: unknown, v: string) =>
        c === undefined || (typeof c === 'object' && c !== null && ('any' in c || (c as { in: string[] }).in.includes(v))) || c === v;
      for (const cap of caps)
        for (const env of envs)
          for (const label of labels) {
            const expected = doc.rules.findIndex(
              (r) => accepts(r.match.capability_id, cap) && accepts(r.match.env, env) && accepts(r.match.data_label, label),
            );
            expect(compiled.firstMatch(cap, env, label, 'low', 'P2', 'acme')).toBe(expected);
          }
    }
  });
});

describe('blast_score of any integer size', () => {
  it('accepts integers beyond 2^53 and denies them by range, as pyhall does', () => {
    const d = new Hall({ rules, workers }).routeSync({ ...input, blast_score: 1e20 });
    expect(d.deny_reason_if_denied).toMatchObject({ code: 'DENY_INVALID_INPUT', blast_score: 1e20 });
  });
});
