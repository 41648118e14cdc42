// Every public routing vector. Untagged cases must match pyhall exactly (decision, calls, warnings);
// tagged cases must never throw and must show edgehall's documented strict behaviour.
import { describe, expect, it } from 'vitest';
import { runRoutingCase } from '../../src/routing/conformance.js';
import { cases, diff, isTagged } from './helpers.js';

const untagged = cases.filter((c) => !isTagged(c));
const tagged = cases.filter(isTagged);

describe('routing vectors: untagged cases match pyhall exactly', () => {
  it('has the public suite', () => {
    expect(cases.length).toBe(161);
    expect(untagged.length).toBeGreaterThan(120);
  });
  it.each(untagged.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const o = runRoutingCase(c);
    if (c.expected.invalid_input === true) {
      expect(o.line.invalid_input).toBe(true);
      expect(typeof o.line.error).toBe('string');
      expect(o.line.decision).toBeUndefined();
      return;
    }
    expect(o.line.error).toBeUndefined();
    expect(diff(o.line.decision, c.expected)).toEqual([]);
    expect(diff(o.calls, c.expected_calls, 'calls')).toEqual([]);
    expect(o.warnings).toEqual(c.expected_warnings);
  });
});

/** edgehall's deliberate answer for each tagged public case (see docs/sdk-core.md, "Deviations"). */
const STRICT: Record<string, { code?: string; invalid?: true; allowedHashDiffers?: true; matches?: true }> = {
  'allow.in_operator_string_substring': { code: 'DENY_RULES_INVALID' },
  'deny.no_match.in_string_no_substring': { code: 'DENY_RULES_INVALID' },
  'deny.invalid_input.blast_string_coerced': { invalid: true },
  'deny.invalid_input.blast_float_coerced': { matches: true }, // 1000.0 is the integer 1000 after JSON.parse
  'allow.hash_blast_float_coerced': { matches: true }, // likewise 55.0
  'allow.dry_run_int_zero': { invalid: true },
  'allow.correlation_rule_false_string': { code: 'DENY_RULES_INVALID' },
  'deny.policy_unconfigured.coerced_flag': { code: 'DENY_RULES_INVALID' },
  'raises.shadow_unhashable_in_list': { code: 'DENY_RULES_INVALID' },
  'raises.precondition_null': { code: 'DENY_RULES_INVALID' },
  'raises.candidate_nonstring_id': { code: 'DENY_RULES_INVALID' },
  'raises.policy_gate_deny_nonstring_reason': { code: 'DENY_INTERNAL_ERROR' },
  'raises.attestation_registered_nonstring': { code: 'DENY_WORKER_ATTESTATION_INVALID_HASH' },
  'deny.policy_invalid.three_char_string': { code: 'DENY_INTERNAL_ERROR' },
  'allow.attestation_trailing_newline_both': { code: 'DENY_WORKER_ATTESTATION_INVALID_HASH' },
  'deny.worker_tampered.trailing_newline_current': { code: 'DENY_WORKER_HASH_UNAVAILABLE' },
  'deny.privilege_violated.allowlist_string_iterated': { code: 'DENY_INTERNAL_ERROR' },
  'allow.privilege_truthy_string': { code: 'DENY_PRIVILEGE_ENVELOPE_VIOLATED' },
  'allow.hash_float_repr_exponent': { allowedHashDiffers: true },
  'allow.hash_integral_float': { allowedHashDiffers: true },
  'allow.blast_flags_null_and_float_zero': { allowedHashDiffers: true },
};

describe('routing vectors: tagged cases are strict and never throw', () => {
  it.each(tagged.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const o = runRoutingCase(c);
    const want = STRICT[c.id] ?? (c.expected.invalid_input ? { invalid: true as const } : { matches: true });
    if (want.invalid) {
      // Lax coercions are refused with a message naming the field.
      expect(o.line.invalid_input).toBe(true);
      expect(o.line.error).toMatch(/^(blast_score|dry_run|tenant_id): /);
      return;
    }
    expect(o.line.error).toBeUndefined();
    const d = o.line.decision!;
    expect(d).toBeDefined();
    if (want.code) {
      expect(d.denied).toBe(true);
      expect(d.deny_reason_if_denied?.code).toBe(want.code);
      expect(d.artifact_hash).toBeNull();
      expect(d.telemetry_envelopes).toHaveLength(1);
      expect(d.telemetry_envelopes[0]!.deny_code).toBe(want.code);
    } else if (want.allowedHashDiffers) {
      const { artifact_hash: _h, ...rest } = c.expected;
      expect(diff({ ...d, artifact_hash: undefined }, { ...rest, artifact_hash: undefined })).toEqual([]);
      expect(d.artifact_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(d.artifact_hash).not.toBe(c.expected.artifact_hash);
    } else {
      expect(diff(d, c.expected)).toEqual([]);
    }
  });
});
