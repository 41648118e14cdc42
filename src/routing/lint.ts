// lintRules: everything wrong or suspicious in a rules document, with paths, in one pass.
// Beyond the strict loader's errors it reports pyhall's runtime shadow findings (which deny every
// prod/edge request) and the exact unreachable rules the reference's detector misses.
import type { ValidationIssue } from '../util/errors.js';
import { isControlId } from './registry.js';
import { wcpIdProblem } from './ids.js';
import { CondKind, MATCH_FIELDS, RulesError, compileForLint, strictRuleIssues, type CompiledRule, type CompiledRules } from './rules.js';
import { DATA_LABELS, ENVS, MISSING_MATCH_MESSAGE, QOS_CLASSES, TENANT_RISKS } from './schemas.js';
import type { TaxonomyCatalog } from '../taxonomy/schema.js';
import { suggestTaxonomyIds } from '../taxonomy/search.js';

export interface LintIssue {
  severity: 'error' | 'warning';
  code: string;
  path: (string | number)[];
  message: string;
}

export interface LintReport {
  /** No errors (warnings allowed). */
  ok: boolean;
  issues: LintIssue[];
}

export interface LintOptions {
  /**
   * 'strict' (default): what the strict loader (compileRules, new Hall, the edge Hall) refuses is an
   * error. 'reference': the document is meant for pyhall's lenient reading; those problems are
   * warnings (pyhall ignores unknown match keys and treats a missing match as a catch-all).
   */
  mode?: 'strict' | 'reference';
  /**
   * The WCP taxonomy to check capability ids against (e.g. wcpTaxonomy() from
   * 'edgehall/taxonomy/catalog'). When given, a rule matching a capability id the catalog does not
   * hold warns `unknown_capability` (with close ids), unless the id is in a tenant namespace
   * (`org.*`, `x.*`). Opt-in so the SDK entries never carry the catalog data.
   */
  taxonomy?: TaxonomyCatalog;
}

const ENUMS: readonly (readonly string[])[] = [ENVS, DATA_LABELS, TENANT_RISKS, QOS_CLASSES];
// A capability id no rule names: stands for "every other capability" when probing the index.
const OTHER_CAPABILITY = '\u0000edgehall:any-other-capability';
// A tenant id no rule names: stands for "every other tenant".
const OTHER_TENANT = '\u0000edgehall:any-other-tenant';
const ENUM_FIELDS = new Set<string>(MATCH_FIELDS.slice(1));

function acceptedValues(r: CompiledRule, f: number): string[] {
  const c = r.conds[f]!;
  const all = ENUMS[f - 1]!;
  if (c.kind === CondKind.Any) return [...all];
  if (c.kind === CondKind.Eq) return all.includes(c.value!) ? [c.value!] : [];
  if (c.kind === CondKind.In) return all.filter((v) => c.set!.has(v));
  return [];
}

/** Lint code of a strict-loader problem. */
function strictCode(i: ValidationIssue): string {
  if (i.code === 'duplicate_rule_id') return i.code;
  if (i.code === 'unrecognized_keys') return 'unknown_key';
  if (i.message === MISSING_MATCH_MESSAGE) return 'missing_match';
  const p = i.path;
  if (i.code === 'invalid_value' && p[0] === 'rules' && p[2] === 'match' && ENUM_FIELDS.has(String(p[3]))) {
    // An exact value outside the enum can never match; a bad entry of an `in` list is a typo beside valid ones.
    if (p.length === 4) return 'never_matches';
    if (p.length === 6 && p[4] === 'in') return 'out_of_enum';
  }
  return 'schema';
}

/** Tenants to probe for rule `r`: one stand-in per group of tenants the index treats alike. */
function tenantProbes(r: CompiledRule, namedBy: ReadonlyMap<string, number>): string[] {
  const t = r.tenant;
  if (t.kind === CondKind.Any) return [OTHER_TENANT];
  const mine = t.kind === CondKind.Eq ? [t.value!] : t.kind === CondKind.In ? [...t.set!] : [];
  const shared = mine.filter((x) => (namedBy.get(x) ?? 0) > 1);
  const own = mine.find((x) => (namedBy.get(x) ?? 0) <= 1);
  return own === undefined ? shared : [...shared, own];
}

/** Earlier rules that take every request `r` would match; null when `r` is reachable. */
function shadowersOf(rules: CompiledRules, r: CompiledRule, namedBy: ReadonlyMap<string, number>): Set<number> | null {
  const capCond = r.conds[0]!;
  const caps =
    capCond.kind === CondKind.Eq ? [capCond.value!] : capCond.kind === CondKind.In ? [...capCond.set!] : [OTHER_CAPABILITY];
  const vals = [1, 2, 3, 4].map((f) => acceptedValues(r, f));
  const tenants = tenantProbes(r, namedBy);
  const by = new Set<number>();
  for (const tenant of tenants)
    for (const cap of caps)
      for (const e of vals[0]!)
        for (const l of vals[1]!)
          for (const k of vals[2]!)
            for (const q of vals[3]!) {
              const m = rules.firstMatch(cap, e, l, k, q, tenant);
              const idx = m >= 0 ? m : m < -1 ? -(m + 3) : -1;
              if (idx === r.index || idx === -1) return null;
              by.add(idx);
            }
  return by;
}

/** Tenant namespaces (org.*, x.*) are the tenant's own and never in the catalog. */
const isTenantCapability = (id: string) => id.startsWith('org.') || id.startsWith('x.');

const unusable = (c: { kind: CondKind }) => c.kind === CondKind.Never || c.kind === CondKind.Invalid;

export function lintRules(doc: unknown, options: LintOptions = {}): LintReport {
  const mode = options.mode ?? 'strict';
  const catalog = options.taxonomy;
  const knownCaps = catalog ? new Set(catalog.entities.filter((e) => e.type === 'capability').map((e) => e.id)) : null;
  const issues: LintIssue[] = [];
  const err = (code: string, path: LintIssue['path'], message: string) => issues.push({ severity: 'error', code, path, message });
  const warn = (code: string, path: LintIssue['path'], message: string) => issues.push({ severity: 'warning', code, path, message });

  for (const i of strictRuleIssues(doc)) {
    const code = strictCode(i);
    if (mode === 'strict') err(code, i.path, i.message);
    else if (code !== 'missing_match') warn(code, i.path, `${i.message} (pyhall ignores this; the strict loader refuses it)`);
  }
  let rules: CompiledRules;
  try {
    rules = compileForLint(doc, mode === 'strict');
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    if (mode === 'reference') for (const i of e.issues) err('schema', i.path, i.message);
    return { ok: false, issues: dedupe(issues) };
  }
  // How many rules name each tenant (tenant-scoped rules).
  const namedBy = new Map<string, number>();
  for (const r of rules.rules) {
    const t = r.tenant;
    const names = t.kind === CondKind.Eq ? [t.value!] : t.kind === CondKind.In ? [...t.set!] : [];
    for (const n of names) namedBy.set(n, (namedBy.get(n) ?? 0) + 1);
  }

  for (const r of rules.rules) {
    const base = ['rules', r.index];
    const cap = r.conds[0]!;
    const capIds = cap.kind === CondKind.Eq ? [cap.value!] : cap.kind === CondKind.In ? [...cap.set!] : [];
    for (const id of capIds) {
      const p = wcpIdProblem(id, 'cap');
      if (p) warn('id_grammar', [...base, 'match', 'capability_id'], `capability id '${id}' ${p} (WCP §3.2)`);
      else if (knownCaps && !knownCaps.has(id) && !isTenantCapability(id)) {
        const near = suggestTaxonomyIds(catalog!, id, 3).filter((s) => knownCaps.has(s));
        warn('unknown_capability', [...base, 'match', 'capability_id'], `capability id '${id}' is not in the WCP taxonomy${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; use a catalog id ('edgehall search <words>') or a tenant id (org.<tenant>.*, x.*)`);
      }
    }
    if (r.conds.every((c) => c.kind === CondKind.Any) && r.tenant.kind === CondKind.Any)
      warn('catch_all', [...base, 'match'], `rule '${r.ruleId}' matches every request; fine as a deliberate last rule, and every rule after it is unreachable`);
    const hri = r.escalation?.human_required_if ?? [];
    if (hri.length)
      warn('not_evaluated', [...base, 'decision', 'escalation', 'human_required_if'], 'human_required_if is copied into the decision but never evaluated: to require a human, set human_required_default or add a REQUIRE_HUMAN policy rule');
    for (let f = 1; f < 5; f++) {
      const c = r.conds[f]!;
      if ((c.kind === CondKind.Eq || c.kind === CondKind.In) && acceptedValues(r, f).length === 0)
        err('never_matches', [...base, 'match', MATCH_FIELDS[f]!], `no valid ${MATCH_FIELDS[f]} value satisfies this condition (allowed: ${ENUMS[f - 1]!.join(', ')})`);
    }
    r.candidates?.forEach((c, i) => {
      if (c.wid === null) err('candidate_without_id', [...base, 'decision', 'candidate_workers_ranked', i], 'candidate has no worker_species_id; it can never be selected');
      else {
        const p = wcpIdProblem(c.wid, 'wrk');
        if (p) warn('id_grammar', [...base, 'decision', 'candidate_workers_ranked', i, 'worker_species_id'], `species id '${c.wid}' ${p} (WCP §3.2)`);
      }
    });
    if (r.candidates && r.candidates.length === 0)
      warn('no_candidates', [...base, 'decision', 'candidate_workers_ranked'], 'rule has no candidate workers: every request it matches is denied DENY_NO_AVAILABLE_WORKER');
    r.required.forEach((c, i) => {
      if (!isControlId(c))
        err('control_id', [...base, 'decision', 'required_controls_suggested', i], `'${c}' can never be registered as a present control (ctrl.<name>), so this rule always denies DENY_MISSING_REQUIRED_CONTROLS`);
      else {
        const p = wcpIdProblem(c, 'ctrl');
        if (p) warn('id_grammar', [...base, 'decision', 'required_controls_suggested', i], `control id '${c}' ${p} (WCP §3.2)`);
      }
    });
  }

  // pyhall's detector (runs per request in prod/edge there; once per rule set here).
  const sh = rules.shadows();
  if (!sh.ok) err('shadow_analysis', ['rules'], `${sh.problem}; every prod/edge request would be denied`);
  else if (sh.ids.length) {
    const ids = [...new Set(sh.ids.map(String))];
    err('reference_shadow', ['rules'], `pyhall's shadow detector flags ${ids.join(', ')}: every prod/edge request is denied DENY_SHADOW_RULES_DETECTED until the rules are reordered`);
  }
  // Exact reachability over the matcher's semantics (finds what the reference misses).
  for (const r of rules.rules) {
    if (r.conds.some(unusable) || unusable(r.tenant)) continue;
    if ([1, 2, 3, 4].some((f) => acceptedValues(r, f).length === 0)) continue;
    const by = shadowersOf(rules, r, namedBy);
    if (by) {
      const names = [...by].sort((a, b) => a - b).map((i) => rules.rules[i]!.ruleId);
      warn('unreachable', ['rules', r.index], `rule '${r.ruleId}' can never be selected: every request it matches is taken first by ${names.join(', ')}`);
    }
  }
  const unique = dedupe(issues);
  return { ok: !unique.some((i) => i.severity === 'error'), issues: unique };
}

/** The strict loader and the checks above can report the same problem once each. */
function dedupe(issues: LintIssue[]): LintIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.code}@${i.path.join('.')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
