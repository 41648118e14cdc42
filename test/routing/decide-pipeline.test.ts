// decide() as its pipeline: properties of the whole that no single vector pins.
import { describe, expect, it } from 'vitest';
import { Hall } from '../../src/index.js';

const workers = [{ worker_id: 'org.demo.w', worker_species_id: 'wrk.demo.w', capabilities: ['cap.demo.x'], currently_implements: [] }];
const input = {
  capability_id: 'cap.demo.x',
  env: 'dev',
  data_label: 'PUBLIC',
  tenant_risk: 'low',
  qos_class: 'P2',
  tenant_id: 'demo',
  correlation_id: '550e8400-e29b-41d4-a716-446655440000',
};

describe('decide(): decisions do not share state with the compiled rules', () => {
  it("a caller editing a deny's escalation_effective does not change the next decision", () => {
    const rules = {
      rules: [
        {
          rule_id: 'rr_gated',
          match: { capability_id: 'cap.demo.x' },
          decision: {
            candidate_workers_ranked: [{ worker_species_id: 'wrk.demo.w', score_hint: 1 }],
            escalation: { policy_gate: true, human_required_if: [{ when: 'always' }] },
          },
        },
      ],
    };
    const hall = new Hall({ rules, workers }); // no gate configured: DENY_POLICY_GATE_UNCONFIGURED
    const first = hall.routeSync(input);
    expect(first.deny_reason_if_denied?.code).toBe('DENY_POLICY_GATE_UNCONFIGURED');
    first.escalation_effective.rationale = 'edited by the caller';
    first.escalation_effective.human_required_if.push({ when: 'edited' });
    const next = hall.routeSync(input);
    expect(next.escalation_effective).toEqual({
      policy_gate: true,
      msavx_step_up: false,
      human_required_default: false,
      human_required_if: [{ when: 'always' }],
      rationale: null,
    });
  });
});

describe('decide(): decision ids', () => {
  it('are random UUID v4 (RFC 9562 version and variant), distinct across refills of the random pool', () => {
    const hall = new Hall({
      rules: { rules: [{ rule_id: 'rr_x', match: { capability_id: 'cap.demo.x' }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.demo.w', score_hint: 1 }] } }] },
      workers,
    });
    const ids = Array.from({ length: 1000 }, () => hall.routeSync(input).decision_id); // 4 pool refills
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit outside the fixed version/variant bits shows up: the bytes are not constant.
    const digits = new Set(ids.join('').replace(/-/g, ''));
    expect(digits.size).toBe(16);
  });
});
