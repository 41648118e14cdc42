// The declarative policy gate: an ordered list of policy rules; the first whose conditions all
// hold decides ALLOW, DENY or REQUIRE_HUMAN. Validated by PolicyDocumentSchema and compiled once.
import { ValidationError } from '../util/errors.js';
import { flattenZodIssues } from './issues.js';
import {
  PolicyDocumentSchema,
  PolicyMatchSchema,
  PolicyRuleSchema,
  type GateContext,
  type GateDecision,
  type PolicyDocumentLike,
} from './schemas.js';

/** Every key a policy document may hold at some level (for "did you mean" hints). */
const POLICY_KEYS: readonly string[] = [
  ...new Set([...Object.keys(PolicyDocumentSchema.shape), ...Object.keys(PolicyRuleSchema.shape), ...Object.keys(PolicyMatchSchema.shape)]),
];

export const DEFAULT_SUPERVISOR_LEVEL = 'gatekeeper';

export interface PolicyResult {
  decision: GateDecision;
  policy_version: string;
  reason: string;
  /** For REQUIRE_HUMAN: who must approve (defaults to `gatekeeper`). */
  supervisor_level?: string;
  /** The matching policy rule's id (or index), or `default`. */
  policy_rule: string;
}

/** What the router knows beyond the gate context when it consults a declarative policy. */
export interface PolicyFacts {
  /** The blast score: the router's gated score when it computed one, else the heuristic for this input. */
  blast_score: number;
}

export interface CompiledPolicy {
  readonly policy_version: string;
  evaluate(ctx: GateContext, facts: PolicyFacts): PolicyResult;
}

type Pred = (ctx: GateContext, facts: PolicyFacts) => boolean;

const asList = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function capabilityPred(patterns: string[]): (cap: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p === '*') return () => true;
    if (p.endsWith('.*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (cap) => exact.has(cap) || prefixes.some((p) => cap.startsWith(p));
}

/** Validates and compiles a policy document; throws ValidationError listing every problem. */
export function compilePolicy(doc: PolicyDocumentLike | unknown): CompiledPolicy {
  const parsed = PolicyDocumentSchema.safeParse(doc);
  if (!parsed.success)
    throw new ValidationError('policy document', flattenZodIssues(parsed.error.issues, POLICY_KEYS));
  const d = parsed.data;
  const rules = d.rules.map((r, i) => {
    const preds: Pred[] = [];
    const m = r.match;
    for (const f of ['env', 'data_label', 'tenant_risk', 'qos_class', 'tenant_id'] as const) {
      const list = asList<string>(m[f] as string | string[] | undefined);
      if (list) {
        const s = new Set(list);
        preds.push((c) => s.has(c[f]));
      }
    }
    const caps = asList(m.capability_id);
    if (caps) {
      const p = capabilityPred(caps);
      preds.push((c) => p(c.capability_id));
    }
    if (m.blast_score_gte !== undefined) {
      const v = m.blast_score_gte;
      preds.push((_c, f) => f.blast_score >= v);
    }
    if (m.blast_score_lt !== undefined) {
      const v = m.blast_score_lt;
      preds.push((_c, f) => f.blast_score < v);
    }
    const result: PolicyResult = {
      decision: r.decision,
      policy_version: d.policy_version,
      reason: r.reason,
      policy_rule: r.id ?? `rules[${i}]`,
      ...(r.decision === 'REQUIRE_HUMAN' ? { supervisor_level: r.supervisor_level ?? DEFAULT_SUPERVISOR_LEVEL } : {}),
    };
    return { preds, result };
  });
  const fallback: PolicyResult = {
    decision: d.default.decision,
    policy_version: d.policy_version,
    reason: d.default.reason,
    policy_rule: 'default',
    ...(d.default.decision === 'REQUIRE_HUMAN'
      ? { supervisor_level: d.default.supervisor_level ?? DEFAULT_SUPERVISOR_LEVEL }
      : {}),
  };
  return {
    policy_version: d.policy_version,
    evaluate(ctx, facts) {
      outer: for (const r of rules) {
        for (const p of r.preds) if (!p(ctx, facts)) continue outer;
        return r.result;
      }
      return fallback;
    },
  };
}
