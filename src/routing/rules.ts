// Rules: load, validate, compile into an index.
//
// compileRules(doc)                       strict (the default): RulesDocumentSchema, strict at every
//                                         level; refuses unknown keys, out-of-enum values, a rule
//                                         without `match`, duplicate ids — every problem with its path.
//                                         `match.tenant_id` scopes a rule to tenants.
// compileRules(doc, {mode: 'reference'})  pyhall's loader: anything loadable is accepted and the odd parts
//                                         are reproduced per request; unknown match keys (tenant_id
//                                         included) are ignored and a missing match matches everything,
//                                         as pyhall does (used by the conformance harness).
//
// Both produce the same compiled form. Lookup is by capability id into a bucket of candidate rules
// (first-match order kept), then by a small table over the four enum fields, filled lazily, so a
// decision's cost does not grow with the number of rules. Buckets holding tenant-scoped rules keep
// one such table per tenant those rules name (other tenants share the bucket's table).
import { EdgehallError, type ValidationIssue } from '../util/errors.js';
import { compareCodePoints } from '../util/pyjson.js';
import { flattenZodIssues } from './issues.js';
import { pyEq, pyTruthy } from './pyfns.js';
import {
  CandidateSpecSchema,
  DATA_LABELS,
  ENVS,
  EscalationSpecSchema,
  PreconditionsSpecSchema,
  QOS_CLASSES,
  RuleDecisionSpecSchema,
  RuleMatchSchema,
  RuleSchema,
  RulesDocumentSchema,
  TENANT_RISKS,
  type Escalation,
  type PreconditionsChecked,
} from './schemas.js';

export const MATCH_FIELDS = ['capability_id', 'env', 'data_label', 'tenant_risk', 'qos_class'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export const enum CondKind {
  Any = 0,
  Eq = 1,
  In = 2,
  /** Can never equal a string (bare list, `{}`, `{"any": false}`, `{"eq": ...}`, numbers). */
  Never = 3,
  /** Would make the reference raise or depends on Python-only semantics (`{"in": "str"}`, `{"in": null}`). */
  Invalid = 4,
}

export interface Cond {
  kind: CondKind;
  value?: string;
  set?: Set<string>;
  problem?: string;
}

export interface CandidateSpec {
  /** The id as given when it is a non-empty string, else null (pyhall reports it as "__missing__"). */
  wid: string | null;
  score: number | null;
}

export interface CompiledRule {
  index: number;
  /** The rule's id: a string unless the rule is broken (then `problemAtMatch` is set). */
  ruleId: string;
  raw: Record<string, unknown>;
  /** The raw match object (`{}` when absent or null), for shadow analysis. */
  match: unknown;
  /** Conditions on MATCH_FIELDS, in order. */
  conds: Cond[];
  /** Condition on the tenant id (strict mode's `match.tenant_id`); Any when unscoped and always in reference mode. */
  tenant: Cond;
  problemAtMatch: string | null;
  required: string[];
  requiredSet: Set<string>;
  needsBlast: boolean;
  needsPrivilege: boolean;
  preconditions: PreconditionsChecked | null;
  preconditionsProblem: string | null;
  escRaw: Record<string, unknown>;
  escalation: Escalation | null;
  escalationProblem: string | null;
  candidates: CandidateSpec[] | null;
  candidatesProblem: string | null;
  profiles: Record<string, unknown>[] | null;
  profilesProblem: string | null;
}

export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  readonly mode: 'strict' | 'reference';
  /**
   * First rule accepting the input: index >= 0, -1 for none, or -(3 + i) when rule i hits an invalid
   * condition. `tenant` is the request's tenant id (only tenant-scoped rules look at it).
   */
  firstMatch(capability: string, env: string, label: string, risk: string, qos: string, tenant: string): number;
  /** pyhall's shadow detector result (computed once per rule set). */
  shadows(): ShadowResult;
}

export type ShadowResult = { ok: true; ids: unknown[] } | { ok: false; problem: string };

export const PRECONDITION_DEFAULTS: Readonly<PreconditionsChecked> = Object.freeze({
  must_have_correlation_id: true,
  must_attach_policy_version: true,
  must_record_artifact_hash_if_executes: true,
  deny_if_missing_required_controls: true,
  deny_if_unsigned_artifact_in_prod: false,
  deny_if_no_attestation_in_prod: false,
});

export const ESCALATION_DEFAULTS: Readonly<Escalation> = Object.freeze({
  policy_gate: false,
  msavx_step_up: false,
  human_required_default: false,
  human_required_if: [],
  rationale: null,
});

/** Raised by compileRules for a document it refuses; `details.issues` has every problem with its path. */
export class RulesError extends EdgehallError {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    const first = issues[0];
    const where = first ? ` at ${first.path.join('.') || '(root)'}: ${first.message}` : '';
    super(
      'RULES_INVALID',
      `Rules document refused (${issues.length} problem${issues.length === 1 ? '' : 's'})${where}. Fix the listed rules and upload again.`,
      { issues },
    );
    this.name = 'RulesError';
    this.issues = issues;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function compileCond(c: unknown): Cond {
  if (c === null || c === undefined) return { kind: CondKind.Any };
  if (typeof c === 'string') return { kind: CondKind.Eq, value: c };
  if (isObj(c)) {
    if (c.any === true) return { kind: CondKind.Any };
    if ('in' in c) {
      const list = c.in;
      if (Array.isArray(list)) {
        const set = new Set<string>();
        for (const x of list) if (typeof x === 'string') set.add(x);
        return set.size ? { kind: CondKind.In, set } : { kind: CondKind.Never };
      }
      return {
        kind: CondKind.Invalid,
        problem: `"in" must be a list of strings (got ${list === null ? 'null' : typeof list})`,
      };
    }
  }
  return { kind: CondKind.Never };
}

function condAccepts(c: Cond, v: string): boolean {
  switch (c.kind) {
    case CondKind.Any:
      return true;
    case CondKind.Eq:
      return c.value === v;
    case CondKind.In:
      return c.set!.has(v);
    default:
      return false;
  }
}

const BOOL_KEYS_ESC = ['policy_gate', 'msavx_step_up', 'human_required_default'] as const;

/** Escalation from a rule's raw block with `overlay` applied (pyhall: `Escalation(**{**esc_raw, **overlay})`). */
export function buildEscalation(
  raw: Record<string, unknown>,
  overlay?: Partial<Escalation>,
): Escalation | string {
  const src: Record<string, unknown> = overlay ? { ...raw, ...overlay } : raw;
  const out: Escalation = { ...ESCALATION_DEFAULTS, human_required_if: [] };
  for (const k of BOOL_KEYS_ESC) {
    if (!(k in src)) continue;
    const v = src[k];
    if (typeof v !== 'boolean') return `escalation.${k} must be a boolean`;
    out[k] = v;
  }
  if ('human_required_if' in src) {
    const v = src.human_required_if;
    if (!Array.isArray(v) || !v.every(isObj)) return 'escalation.human_required_if must be a list of objects';
    out.human_required_if = v;
  }
  if ('rationale' in src) {
    const v = src.rationale;
    if (v !== null && typeof v !== 'string') return 'escalation.rationale must be a string or null';
    out.rationale = v;
  }
  return out;
}

function buildPreconditions(raw: unknown): PreconditionsChecked | string {
  if (raw === null || raw === undefined) return { ...PRECONDITION_DEFAULTS };
  if (!isObj(raw)) return 'preconditions must be an object';
  const out = { ...PRECONDITION_DEFAULTS };
  for (const k of Object.keys(PRECONDITION_DEFAULTS) as (keyof PreconditionsChecked)[]) {
    if (!(k in raw)) continue;
    const v = raw[k];
    if (typeof v !== 'boolean') return `preconditions.${k} must be a boolean`;
    out[k] = v;
  }
  return out;
}

function compileRule(raw: Record<string, unknown>, index: number, tenantScoped: boolean): CompiledRule {
  const matchRaw = 'match' in raw ? raw.match : {};
  // pyhall: `rule.match or {}`
  const match = pyTruthy(matchRaw) ? matchRaw : {};
  let problemAtMatch: string | null = null;
  const conds: Cond[] = [];
  let tenant: Cond = { kind: CondKind.Any };
  if (isObj(match)) {
    for (const f of MATCH_FIELDS) conds.push(compileCond(match[f]));
    // pyhall ignores tenant_id in match; strict mode makes it a real condition.
    if (tenantScoped) tenant = compileCond(match.tenant_id);
  } else {
    for (let i = 0; i < 5; i++) conds.push({ kind: CondKind.Any });
    conds[0] = { kind: CondKind.Invalid, problem: 'match must be an object' };
  }
  const ruleId = raw.rule_id;
  if (typeof ruleId !== 'string') problemAtMatch = 'rule_id must be a string';
  // pyhall: `rule.decision or {}`
  const dRaw = 'decision' in raw ? raw.decision : {};
  const d: Record<string, unknown> = isObj(dRaw) ? dRaw : {};
  if (pyTruthy(dRaw) && !isObj(dRaw)) problemAtMatch ??= 'decision must be an object';

  let required: string[] = [];
  if ('required_controls_suggested' in d) {
    const r = d.required_controls_suggested;
    if (Array.isArray(r) && r.every((x) => typeof x === 'string')) required = [...new Set(r as string[])];
    else problemAtMatch ??= 'decision.required_controls_suggested must be a list of strings';
  }
  required.sort(compareCodePoints);

  const pre = buildPreconditions(d.preconditions);
  const escRawV = d.escalation;
  let escRaw: Record<string, unknown> = {};
  let escalation: Escalation | null = null;
  let escalationProblem: string | null = null;
  // pyhall: `Escalation(**esc_raw) if esc_raw else Escalation()`
  if (!pyTruthy(escRawV)) escalation = { ...ESCALATION_DEFAULTS, human_required_if: [] };
  else if (!isObj(escRawV)) escalationProblem = 'escalation must be an object';
  else {
    escRaw = escRawV;
    const e = buildEscalation(escRaw);
    if (typeof e === 'string') escalationProblem = e;
    else escalation = e;
  }

  let candidates: CandidateSpec[] | null = [];
  let candidatesProblem: string | null = null;
  if ('candidate_workers_ranked' in d) {
    const list = d.candidate_workers_ranked;
    if (!Array.isArray(list)) {
      candidates = null;
      candidatesProblem = 'decision.candidate_workers_ranked must be a list';
    } else {
      for (const c of list) {
        if (!isObj(c)) {
          candidatesProblem = 'each candidate must be an object';
          break;
        }
        const w = c.worker_species_id;
        if (pyTruthy(w) && typeof w !== 'string') {
          candidatesProblem = 'candidate worker_species_id must be a string';
          break;
        }
        const s = c.score_hint;
        if (s !== undefined && s !== null && typeof s !== 'number') {
          candidatesProblem = 'candidate score_hint must be a number or null';
          break;
        }
        candidates.push({ wid: pyTruthy(w) ? (w as string) : null, score: (s as number | undefined) ?? null });
      }
      if (candidatesProblem) candidates = null;
    }
  }

  let profiles: Record<string, unknown>[] | null = [];
  let profilesProblem: string | null = null;
  if ('recommended_profiles' in d) {
    const p = d.recommended_profiles;
    if (Array.isArray(p) && p.every(isObj)) profiles = p as Record<string, unknown>[];
    else {
      profiles = null;
      profilesProblem = 'decision.recommended_profiles must be a list of objects';
    }
  }

  const requiredSet = new Set(required);
  return {
    index,
    ruleId: typeof ruleId === 'string' ? ruleId : String(ruleId),
    raw,
    match,
    conds,
    tenant,
    problemAtMatch,
    required,
    requiredSet,
    needsBlast: requiredSet.has('ctrl.blast_radius_scoring'),
    needsPrivilege: requiredSet.has('ctrl.privilege_envelopes_required'),
    preconditions: typeof pre === 'string' ? null : pre,
    preconditionsProblem: typeof pre === 'string' ? pre : null,
    escRaw,
    escalation,
    escalationProblem,
    candidates,
    candidatesProblem,
    profiles,
    profilesProblem,
  };
}

// ---- lookup index ----------------------------------------------------------------------------

const ENV_IX = new Map<string, number>(ENVS.map((v, i) => [v, i]));
const LABEL_IX = new Map<string, number>(DATA_LABELS.map((v, i) => [v, i]));
const RISK_IX = new Map<string, number>(TENANT_RISKS.map((v, i) => [v, i]));
const QOS_IX = new Map<string, number>(QOS_CLASSES.map((v, i) => [v, i]));
const COMBOS = ENVS.length * DATA_LABELS.length * TENANT_RISKS.length * QOS_CLASSES.length;
const NOT_COMPUTED = -2;

interface Bucket {
  rules: CompiledRule[];
  /** For tenants no tenant-scoped rule names (all tenants when the bucket has no scoped rule). */
  table: Int32Array | null;
  /** Whether a rule of the bucket is tenant-scoped. */
  scoped: boolean;
  /** Tables of tenants named by a tenant-scoped rule (only in scoped buckets), filled lazily. */
  perTenant: Map<string, Int32Array> | null;
}

/** Per-tenant tables a bucket keeps at most (then it starts over), bounding memory. */
const MAX_TENANT_TABLES = 1024;

/** Evaluates rules in order the way pyhall's matcher does (fields in order, short-circuit). */
function scan(rules: readonly CompiledRule[], values: readonly string[], skipCap: boolean): number {
  for (const r of rules) {
    let ok = true;
    for (let f = skipCap ? 1 : 0; f < 5; f++) {
      const c = r.conds[f]!;
      if (c.kind === CondKind.Invalid) return -(3 + r.index);
      if (!condAccepts(c, values[f]!)) {
        ok = false;
        break;
      }
    }
    if (ok) return r.index;
  }
  return -1;
}

function buildIndex(rules: CompiledRule[]) {
  const specific = new Map<string, CompiledRule[]>();
  const wildcard: CompiledRule[] = [];
  // Every tenant some tenant-scoped rule names (linear in the document).
  const namedTenants = new Set<string>();
  for (const r of rules) {
    const c = r.conds[0]!;
    if (c.kind === CondKind.Eq) {
      const l = specific.get(c.value!) ?? [];
      l.push(r);
      specific.set(c.value!, l);
    } else if (c.kind === CondKind.In) {
      for (const v of c.set!) {
        const l = specific.get(v) ?? [];
        l.push(r);
        specific.set(v, l);
      }
    } else if (c.kind === CondKind.Any || c.kind === CondKind.Invalid) wildcard.push(r);
    if (r.tenant.kind === CondKind.Eq) namedTenants.add(r.tenant.value!);
    else if (r.tenant.kind === CondKind.In) for (const t of r.tenant.set!) namedTenants.add(t);
  }
  const bucketOf = (list: CompiledRule[]): Bucket => {
    const scoped = list.some((r) => r.tenant.kind !== CondKind.Any);
    return { rules: list, table: null, scoped, perTenant: scoped ? new Map() : null };
  };
  const buckets = new Map<string, Bucket>();
  for (const [cap, list] of specific) {
    const merged = [...list, ...wildcard].sort((a, b) => a.index - b.index);
    buckets.set(cap, bucketOf(merged));
  }
  const other = bucketOf(wildcard);

  // The capability condition of bucket members is settled except for Invalid ones, which scan()
  // reports when reached; so scan from the env field for Eq/In/Any and from field 0 otherwise.
  // `tenant` null stands for a tenant no rule names: tenant-scoped rules never match it.
  const scanBucket = (b: Bucket, values: string[], tenant: string | null): number => {
    for (const r of b.rules) {
      if (r.conds[0]!.kind === CondKind.Invalid) return -(3 + r.index);
      if (r.tenant.kind !== CondKind.Any && (tenant === null || !condAccepts(r.tenant, tenant))) continue;
      const res = scan([r], values, true);
      if (res !== -1) return res;
    }
    return -1;
  };

  return function firstMatch(cap: string, env: string, label: string, risk: string, qos: string, tenant: string): number {
    const b = buckets.get(cap) ?? other;
    const named = b.scoped && namedTenants.has(tenant) ? tenant : null;
    const e = ENV_IX.get(env);
    const l = LABEL_IX.get(label);
    const k = RISK_IX.get(risk);
    const q = QOS_IX.get(qos);
    if (e === undefined || l === undefined || k === undefined || q === undefined) {
      return scanBucket(b, [cap, env, label, risk, qos], named);
    }
    const ix = ((e * 3 + l) * 3 + k) * 4 + q;
    let t: Int32Array | null | undefined;
    if (named === null) {
      t = b.table;
      if (t === null) t = b.table = new Int32Array(COMBOS).fill(NOT_COMPUTED);
    } else {
      const per = b.perTenant!;
      t = per.get(named);
      if (t === undefined) {
        if (per.size >= MAX_TENANT_TABLES) per.clear();
        t = new Int32Array(COMBOS).fill(NOT_COMPUTED);
        per.set(named, t);
      }
    }
    let res = t[ix]!;
    if (res === NOT_COMPUTED) res = t[ix] = scanBucket(b, [cap, env, label, risk, qos], named);
    return res;
  };
}

// ---- shadow detection (pyhall's, BEHAVIOR.md §6) ---------------------------------------------

class Unhashable extends Error {}

/** Python `set(x)` of JSON values (keys of hashables), throwing where Python raises TypeError. */
function pySet(x: unknown): unknown[] {
  if (typeof x === 'string') return [...x];
  if (Array.isArray(x)) {
    for (const e of x) if (typeof e === 'object' && e !== null) throw new Unhashable();
    return x;
  }
  if (isObj(x)) return Object.keys(x);
  throw new Unhashable();
}

const pyIn = (v: unknown, set: unknown[]): boolean => {
  if (typeof v === 'object' && v !== null) throw new Unhashable();
  return set.some((s) => pyEq(s, v));
};

const isAnyTrue = (c: unknown): boolean => isObj(c) && c.any === true;

function covers(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return true;
  if (isAnyTrue(a)) return true;
  if (pyEq(a, b)) return true;
  if (isObj(a) && 'in' in a) {
    const set = pySet(a.in);
    if (typeof b === 'string') return pyIn(b, set);
    // pyhall: early_set.issuperset(set(late["in"])) - the late set is built in full first.
    if (isObj(b) && 'in' in b) return pySet(b.in).every((x) => pyIn(x, set));
    return false;
  }
  return false;
}

/**
 * Does early match `ma` cover late match `mb` on every key? A key that refutes the pair wins over a
 * key that would raise: pyhall visits keys in hash order, so only cases where the order cannot
 * matter are deterministic there, and this choice agrees with all of them.
 */
function semanticallyShadows(ma: Record<string, unknown>, mb: Record<string, unknown>): boolean {
  let raised = false;
  const check = (k: string): boolean => {
    const a = ma[k];
    const b = mb[k];
    if (b === null || b === undefined) return a === null || a === undefined || isAnyTrue(a);
    try {
      return covers(a, b);
    } catch (e) {
      if (!(e instanceof Unhashable)) throw e;
      raised = true;
      return true;
    }
  };
  for (const k in ma) if (!check(k)) return false;
  for (const k in mb) if (!(k in ma) && !check(k)) return false;
  if (raised) throw new Unhashable();
  return true;
}

/**
 * pyhall's shadow detector: ids of later rules flagged, one per flagged pair, in pair order.
 * Pairs whose capability ids are two different plain strings can never be flagged (the late rule
 * constrains the capability to a value the early one excludes), so only same-capability and
 * non-string-capability pairs are examined: near-linear for typical rule sets.
 */
export function referenceShadows(rules: readonly { ruleId: unknown; match: unknown }[]): ShadowResult {
  const n = rules.length;
  const flagged: [number, number][] = [];
  const matches: Record<string, unknown>[] = [];
  for (const r of rules) {
    if (!isObj(r.match)) {
      if (n > 1) return { ok: false, problem: 'a rule\'s match is not an object' };
      matches.push({});
    } else matches.push(r.match);
  }
  const strCap = matches.map((m) => (typeof m.capability_id === 'string' ? m.capability_id : null));
  const byCap = new Map<string, number[]>();
  const open: number[] = []; // rules whose capability condition is not a plain string
  try {
    for (let j = 0; j < n; j++) {
      const cj = strCap[j] ?? null;
      const earlier: number[] = cj === null ? Array.from({ length: j }, (_, i) => i) : mergeSorted(byCap.get(cj) ?? [], open);
      for (const i of earlier) {
        const ma = matches[i]!;
        const mb = matches[j]!;
        if (pyEq(ma, mb)) {
          if (!pyEq(rules[i]!.ruleId, rules[j]!.ruleId)) flagged.push([i, j]);
        } else if (semanticallyShadows(ma, mb)) flagged.push([i, j]);
      }
      if (cj === null) open.push(j);
      else {
        const l = byCap.get(cj);
        if (l) l.push(j);
        else byCap.set(cj, [j]);
      }
    }
  } catch (e) {
    if (e instanceof Unhashable)
      return { ok: false, problem: 'a match condition cannot be analysed (an "in" value holds lists/objects or is not a list)' };
    throw e;
  }
  flagged.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { ok: true, ids: flagged.map(([, j]) => rules[j]!.ruleId) };
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

// ---- entry point -----------------------------------------------------------------------------

export interface CompileRulesOptions {
  /**
   * 'strict' (default): refuse anything outside RulesDocumentSchema (unknown keys, out-of-enum values,
   * a rule without `match`, duplicate ids) and honour `match.tenant_id`. 'reference': load like pyhall
   * (compatibility mode for pyhall documents and the conformance vectors).
   */
  mode?: 'strict' | 'reference';
}

/** Every key a rules document may hold at some level (for "did you mean" hints). */
export const RULE_DOCUMENT_KEYS: readonly string[] = Object.freeze([
  ...new Set([
    'rules',
    ...Object.keys(RuleSchema.shape),
    ...Object.keys(RuleMatchSchema.shape),
    ...Object.keys(RuleDecisionSpecSchema.shape),
    ...Object.keys(CandidateSpecSchema.shape),
    ...Object.keys(EscalationSpecSchema.shape),
    ...Object.keys(PreconditionsSpecSchema.shape),
    'any',
    'in',
  ]),
]);

/** Problems the strict loader adds on top of the schema: duplicate rule ids. */
function duplicateIdIssues(rawRules: readonly unknown[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  rawRules.forEach((r, index) => {
    if (!isObj(r) || typeof r.rule_id !== 'string') return;
    const prev = seen.get(r.rule_id);
    if (prev !== undefined)
      issues.push({ path: ['rules', index, 'rule_id'], message: `duplicate rule_id '${r.rule_id}' (also rules.${prev})`, code: 'duplicate_rule_id' });
    else seen.set(r.rule_id, index);
  });
  return issues;
}

/** The strict loader's problems with a rules document (empty when compileRules would accept it). */
export function strictRuleIssues(doc: unknown): ValidationIssue[] {
  const parsed = RulesDocumentSchema.safeParse(doc);
  const issues = parsed.success ? [] : flattenZodIssues(parsed.error.issues, RULE_DOCUMENT_KEYS);
  const rawRules = isObj(doc) && Array.isArray(doc.rules) ? doc.rules : [];
  return [...issues, ...duplicateIdIssues(rawRules)];
}

export function compileRules(doc: unknown, options: CompileRulesOptions = {}): CompiledRules {
  const mode = options.mode ?? 'strict';
  if (mode === 'strict') {
    const issues = strictRuleIssues(doc);
    if (issues.length) throw new RulesError(issues);
    return build((doc as { rules: unknown[] }).rules, 'strict', true);
  }
  if (mode === 'reference') return build(loadableRules(doc), 'reference', false);
  throw new RulesError([{ path: [], message: `unknown mode '${String(mode)}' (use 'strict' or 'reference')` }]);
}

/**
 * Loads what pyhall's loader would load (with match.tenant_id honoured when `tenantScoped`): lintRules
 * analyses a document the strict loader refused as far as it can. Not for routing.
 * @internal
 */
export function compileForLint(doc: unknown, tenantScoped: boolean): CompiledRules {
  return build(loadableRules(doc), 'reference', tenantScoped);
}

/** pyhall's loader: an object whose `rules` is a list of objects that each have a rule_id. */
function loadableRules(doc: unknown): unknown[] {
  if (!isObj(doc)) throw new RulesError([{ path: [], message: 'rules document must be an object' }]);
  const r = 'rules' in doc ? doc.rules : [];
  if (!Array.isArray(r)) throw new RulesError([{ path: ['rules'], message: 'rules must be a list' }]);
  const issues: ValidationIssue[] = [];
  r.forEach((x, i) => {
    if (!isObj(x)) issues.push({ path: ['rules', i], message: 'each rule must be an object' });
    else if (!('rule_id' in x)) issues.push({ path: ['rules', i, 'rule_id'], message: 'rule_id is required' });
  });
  if (issues.length) throw new RulesError(issues);
  return r;
}

function build(rawRules: readonly unknown[], mode: 'strict' | 'reference', tenantScoped: boolean): CompiledRules {
  const compiled = rawRules.map((r, i) => compileRule(r as Record<string, unknown>, i, tenantScoped));
  const firstMatch = buildIndex(compiled);
  let shadowCache: ShadowResult | null = null;
  return {
    rules: compiled,
    mode,
    firstMatch,
    shadows() {
      return (shadowCache ??= referenceShadows(compiled.map((r) => ({ ruleId: r.raw.rule_id, match: r.match }))));
    },
  };
}
