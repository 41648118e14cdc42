// Property test (issue 8, "a typo opens the Hall"): mutate valid admin documents — the seed rules,
// policy and config, a rules document using every match field, and the admin API's tenant, approver,
// namespace and ban-list bodies — with renamed keys (one-character typos, case changes), out-of-enum
// values, wrong types and removed required keys. Every mutant must be refused with a path at or
// below the mutated spot, or be provably harmless: for rules, policy and config, over a grid of
// RouteInputs the mutant never allows what the original denies; for the bodies, the validated value
// is the original's. Seeded, so every run checks the same mutants.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DATA_LABELS,
  ENVS,
  GATE_DECISIONS,
  Hall,
  QOS_CLASSES,
  RulesError,
  TENANT_RISKS,
  ValidationError,
  compilePolicy,
  compileRules,
  lintRules,
  parseHallConfig,
  type RegistryRecordLike,
  type RouteInputLike,
} from '../../src/index.js';
import { flattenZodIssues } from '../../src/routing/issues.js';
import { ApproverBodySchema, BanListBodySchema, NamespaceKeysBodySchema, TenantBodySchema } from '../../worker/admin-schemas.js';
import { mulberry32 } from '../support/prng.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const seedDir = fileURLToPath(new URL('../../kv-seed/', import.meta.url));
const seed = (name: string): Json => JSON.parse(readFileSync(seedDir + name, 'utf8')) as Json;
const seedWorkers = readdirSync(seedDir + 'workers').map((f) => seed(`workers/${f}`) as Record<string, unknown>);
const charger = {
  worker_id: 'org.demo.charger',
  worker_species_id: 'wrk.payments.charger',
  capabilities: ['cap.payments.charge'],
  currently_implements: ['ctrl.obs.audit-log-append-only'],
};
const workers = [...seedWorkers, charger] as unknown as RegistryRecordLike[];
const seedConfig = seed('config.json') as Record<string, Json>;
const seedPolicy = seed('policy.json');
const seedRules = seed('rules.json');
// The routing grid runs without the signatory floor so tenant-scoped rules are exercised too.
const openConfig = { ...seedConfig, require_signatory: false };

/** A valid rules document using every match field and decision block. */
const everyFieldRules: Json = {
  rules: [
    {
      rule_id: 'rr_pay_demo',
      match: {
        capability_id: 'cap.payments.charge',
        env: { in: ['dev', 'stage'] },
        data_label: { in: ['PUBLIC', 'INTERNAL'] },
        tenant_risk: 'low',
        qos_class: { in: ['P1', 'P2'] },
        tenant_id: 'demo',
      },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.payments.charger', score_hint: 1 }],
        required_controls_suggested: ['ctrl.obs.audit-log-append-only'],
        escalation: { policy_gate: true, msavx_step_up: false, human_required_default: false, rationale: 'payments are gated' },
        preconditions: { must_have_correlation_id: true, deny_if_missing_required_controls: true },
        recommended_profiles: [{ profile: 'p.pay' }],
      },
    },
    {
      rule_id: 'rr_pay_others',
      match: { capability_id: { in: ['cap.payments.charge'] }, env: { any: true }, tenant_id: { in: ['demo', 'zeta'] } },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.payments.charger' }],
        escalation: { human_required_default: true },
      },
    },
  ],
};

const jwkX = 'ZmFrZS1lZDI1NTE5LXB1YmxpYy1rZXktMzItYnl0ZXM'; // 43 base64url characters (32 bytes)
const bodies = {
  tenant: { schema: TenantBodySchema, doc: { token: 'tok-0123456789abcdef-tenant', namespaces: ['org.demo'], tenant_risk: 'low', data_label_floor: 'INTERNAL', allowed_envs: ['dev', 'prod'] } },
  approver: { schema: ApproverBodySchema, doc: { token: 'tok-0123456789abcdef-approver', tenants: ['demo'], level: 'gatekeeper' } },
  namespace: { schema: NamespaceKeysBodySchema, doc: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: jwkX, kid: 'demo-1' }] } },
  banlist: { schema: BanListBodySchema, doc: { add: [{ hash: 'a'.repeat(64), reason: 'compromised build' }], remove: ['b'.repeat(64)] } },
} as const;

// ---- mutations -------------------------------------------------------------------------------

const ENUM_SETS: readonly (readonly string[])[] = [ENVS, DATA_LABELS, TENANT_RISKS, QOS_CLASSES, GATE_DECISIONS, ['OKP'], ['Ed25519'], ['advisory', 'gatekeeper', 'executor', 'incident_commander']];
const REQUIRED_KEYS: Record<string, ReadonlySet<string>> = {
  rules: new Set(['rules', 'rule_id', 'match', 'worker_species_id']),
  policy: new Set(['policy_version', 'decision', 'reason', 'match']),
  config: new Set(),
  tenant: new Set(['token']),
  approver: new Set(['token', 'tenants']),
  namespace: new Set(['keys', 'kty', 'crv', 'x', 'kid']),
  banlist: new Set(['hash', 'reason']),
};

interface Mutant {
  kind: 'rename' | 'enum' | 'type' | 'remove';
  /** Where the mutation happened (for a rename: the new key). */
  path: Path;
  doc: Json;
}

const typeOf = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const WRONG: Json[] = [42, true, null, 'x', [], {}];
const clone = (v: Json): Json => structuredClone(v);

function at(doc: Json, path: Path): Json {
  let v: Json = doc;
  for (const p of path) v = (v as Record<string | number, Json>)[p]!;
  return v;
}

function oneCharTypos(s: string, rnd: () => number): string[] {
  const i = Math.floor(rnd() * s.length);
  const j = Math.min(s.length - 1, i + 1);
  const letter = 'abcdefghijklmnopqrstuvwxyz_'[Math.floor(rnd() * 27)]!;
  const swapped = s.slice(0, i) + s[j] + s[i] + s.slice(j + 1);
  const out = [
    s.slice(0, i) + s.slice(i + 1), // dropped character
    s.slice(0, i) + letter + s.slice(i), // inserted character
    s.slice(0, i) + (s[i] === letter ? 'q' : letter) + s.slice(i + 1), // replaced character
    swapped, // swapped neighbours
    s[0]!.toUpperCase() + s.slice(1), // case changes
    s.toUpperCase(),
    s.toLowerCase(),
  ];
  return [...new Set(out)].filter((t) => t !== s && t.length > 0);
}

function mutants(doc: Json, kind: keyof typeof REQUIRED_KEYS, seedNo: number): Mutant[] {
  const rnd = mulberry32(seedNo);
  const out: Mutant[] = [];
  const visit = (v: Json, path: Path) => {
    if (path.length > 0) {
      // wrong types
      for (const w of WRONG) {
        if (typeOf(w) === typeOf(v)) continue;
        const m = clone(doc);
        const parent = at(m, path.slice(0, -1)) as Record<string | number, Json>;
        parent[path[path.length - 1]!] = clone(w);
        out.push({ kind: 'type', path, doc: m });
      }
      // out-of-enum values (typos and case changes of a value some enum holds)
      if (typeof v === 'string') {
        const set = ENUM_SETS.find((s) => s.includes(v));
        if (set)
          for (const t of [...oneCharTypos(v, rnd), v + 's', v.slice(0, -1)]) {
            if (set.includes(t) || t === v) continue;
            const m = clone(doc);
            (at(m, path.slice(0, -1)) as Record<string | number, Json>)[path[path.length - 1]!] = t;
            out.push({ kind: 'enum', path, doc: m });
          }
      }
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i]));
    else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        // renamed keys (order kept)
        for (const t of oneCharTypos(k, rnd)) {
          if (t in v) continue;
          const m = clone(doc);
          const obj = at(m, path) as Record<string, Json>;
          const renamed = Object.fromEntries(Object.entries(obj).map(([kk, vv]) => [kk === k ? t : kk, vv]));
          if (path.length === 0) out.push({ kind: 'rename', path: [t], doc: renamed });
          else {
            (at(m, path.slice(0, -1)) as Record<string | number, Json>)[path[path.length - 1]!] = renamed;
            out.push({ kind: 'rename', path: [...path, t], doc: m });
          }
        }
        // removed required keys
        if (REQUIRED_KEYS[kind]!.has(k)) {
          const m = clone(doc);
          delete (at(m, path) as Record<string, Json>)[k];
          out.push({ kind: 'remove', path: [...path, k], doc: m });
        }
        visit(v[k]!, [...path, k]);
      }
    }
  };
  visit(doc, []);
  return out;
}

// ---- verdicts ----------------------------------------------------------------------------------

/** Some issue sits at or below the mutated spot's parent: the refusal names the place. */
function namesThePlace(issues: { path: Path }[], m: Mutant): boolean {
  const parent = m.path.slice(0, -1).map(String).join('.');
  return issues.some((i) => {
    const p = i.path.map(String).join('.');
    return i.path.length > 0 && (parent === '' || p === parent || p.startsWith(parent + '.'));
  });
}

function capabilitiesIn(doc: Json): string[] {
  const caps = new Set<string>(['cap.payments.charge', 'cap.unknown.x', 'cap.doc.summarize']);
  const walk = (v: Json, key: string | null) => {
    if (typeof v === 'string' && key === 'capability_id') caps.add(v.replace(/\.\*$/, '.x'));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key === 'capability_id' || key === 'in' ? key : null));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k === 'in' ? key : k);
  };
  walk(doc, null);
  return [...caps];
}

/** Keys of the grid points the Hall allows. */
function allowedSet(hall: Hall, caps: string[]): Set<string> {
  const allowed = new Set<string>();
  for (const capability_id of caps)
    for (const env of ENVS)
      for (const data_label of DATA_LABELS)
        for (const tenant_risk of TENANT_RISKS)
          for (const qos_class of ['P0', 'P2'] as const)
            for (const tenant_id of ['demo', 'zeta']) {
              const input: RouteInputLike = { capability_id, env, data_label, tenant_risk, qos_class, tenant_id, correlation_id: '550e8400-e29b-41d4-a716-446655440000' };
              if (!hall.routeSync(input).denied) allowed.add(JSON.stringify(input));
            }
  return allowed;
}

function widened(original: Set<string>, mutant: Set<string>): string[] {
  return [...mutant].filter((k) => !original.has(k));
}

interface Tally {
  total: number;
  refused: number;
  harmless: number;
  failures: string[];
}

const describeMutant = (m: Mutant) => `${m.kind} at ${m.path.join('.')}`;

function checkRules(base: Json, seedNo: number): Tally {
  const t: Tally = { total: 0, refused: 0, harmless: 0, failures: [] };
  // The grid: capabilities the original names plus a few others (e.g. cap.payments.charge, which a
  // catch-all would open). A mutant that renames a capability only moves the rule to another id.
  const caps = capabilitiesIn(base);
  const original = allowedSet(new Hall({ rules: base, workers, config: openConfig, policy: seedPolicy as never }), caps);
  // lintRules reports every strict-loader problem as an error by construction; a third of the
  // refusals re-check it (the whole suite stays fast).
  const sample = mulberry32(seedNo + 1000);
  for (const m of mutants(base, 'rules', seedNo)) {
    t.total++;
    try {
      compileRules(m.doc);
    } catch (e) {
      if (!(e instanceof RulesError)) {
        t.failures.push(`${describeMutant(m)}: threw ${String(e)}`);
        continue;
      }
      if (!namesThePlace(e.issues, m)) t.failures.push(`${describeMutant(m)}: refused without naming the place: ${JSON.stringify(e.issues)}`);
      else if (sample() < 1 / 3 && lintRules(m.doc).ok) t.failures.push(`${describeMutant(m)}: refused by compileRules but lintRules says ok`);
      else t.refused++;
      continue;
    }
    const wider = widened(original, allowedSet(new Hall({ rules: m.doc, workers, config: openConfig, policy: seedPolicy as never }), caps));
    if (wider.length) t.failures.push(`${describeMutant(m)}: accepted and allows ${wider.length} requests the original denies, e.g. ${wider[0]}`);
    else t.harmless++;
  }
  return t;
}

function checkPolicy(base: Json, seedNo: number): Tally {
  const t: Tally = { total: 0, refused: 0, harmless: 0, failures: [] };
  const caps = capabilitiesIn(seedRules);
  const original = allowedSet(new Hall({ rules: seedRules, workers, config: openConfig, policy: base as never }), caps);
  for (const m of mutants(base, 'policy', seedNo)) {
    t.total++;
    try {
      compilePolicy(m.doc);
    } catch (e) {
      if (!(e instanceof ValidationError)) t.failures.push(`${describeMutant(m)}: threw ${String(e)}`);
      else if (!namesThePlace(e.issues, m)) t.failures.push(`${describeMutant(m)}: refused without naming the place: ${JSON.stringify(e.issues)}`);
      else t.refused++;
      continue;
    }
    const wider = widened(original, allowedSet(new Hall({ rules: seedRules, workers, config: openConfig, policy: m.doc as never }), caps));
    if (wider.length) t.failures.push(`${describeMutant(m)}: accepted and allows ${wider.length} requests the original denies, e.g. ${wider[0]}`);
    else t.harmless++;
  }
  return t;
}

function checkConfig(base: Json, seedNo: number): Tally {
  const t: Tally = { total: 0, refused: 0, harmless: 0, failures: [] };
  const caps = capabilitiesIn(seedRules);
  const original = allowedSet(new Hall({ rules: seedRules, workers, config: base as never, policy: seedPolicy as never }), caps);
  for (const m of mutants(base, 'config', seedNo)) {
    t.total++;
    try {
      parseHallConfig(m.doc);
    } catch (e) {
      if (!(e instanceof ValidationError)) t.failures.push(`${describeMutant(m)}: threw ${String(e)}`);
      else if (!namesThePlace(e.issues, m)) t.failures.push(`${describeMutant(m)}: refused without naming the place: ${JSON.stringify(e.issues)}`);
      else t.refused++;
      continue;
    }
    const wider = widened(original, allowedSet(new Hall({ rules: seedRules, workers, config: m.doc as never, policy: seedPolicy as never }), caps));
    if (wider.length) t.failures.push(`${describeMutant(m)}: accepted and allows ${wider.length} requests the original denies, e.g. ${wider[0]}`);
    else t.harmless++;
  }
  return t;
}

function checkBody(name: keyof typeof bodies, seedNo: number): Tally {
  const { schema, doc } = bodies[name];
  const t: Tally = { total: 0, refused: 0, harmless: 0, failures: [] };
  const original = schema.safeParse(doc);
  if (!original.success) throw new Error(`${name} fixture invalid: ${JSON.stringify(original.error.issues)}`);
  for (const m of mutants(doc as unknown as Json, name, seedNo)) {
    t.total++;
    const r = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: never[] } } }).safeParse(m.doc);
    if (!r.success) {
      const issues = flattenZodIssues(r.error!.issues);
      if (!namesThePlace(issues, m)) t.failures.push(`${describeMutant(m)}: refused without naming the place: ${JSON.stringify(issues)}`);
      else t.refused++;
    } else if (JSON.stringify(r.data) !== JSON.stringify(original.data)) {
      t.failures.push(`${describeMutant(m)}: accepted with a different meaning: ${JSON.stringify(r.data)}`);
    } else t.harmless++;
  }
  return t;
}

describe('strict documents: seeded mutants are refused with a path or provably harmless', () => {
  const totals: Record<string, Tally> = {};
  const expectClean = (name: string, t: Tally, minimum: number) => {
    totals[name] = t;
    expect(t.failures.slice(0, 10)).toEqual([]);
    expect(t.total).toBeGreaterThanOrEqual(minimum);
    expect(t.refused + t.harmless).toBe(t.total);
    // Nearly every mutant is a refusal; "harmless" is the rare accepted one (e.g. a null score_hint).
    expect(t.refused).toBeGreaterThan(t.total * 0.8);
  };

  it('kv-seed/rules.json', () => expectClean('seed rules', checkRules(seedRules, 1), 1000), 30_000);
  it('a rules document using every match field (tenant_id included)', () => expectClean('every-field rules', checkRules(everyFieldRules, 2), 250));
  it('kv-seed/policy.json', () => expectClean('seed policy', checkPolicy(seedPolicy, 3), 150));
  it('kv-seed/config.json', () => expectClean('seed config', checkConfig(seedConfig, 4), 60));
  it.each(Object.keys(bodies) as (keyof typeof bodies)[])('the admin API %s body', (name) => expectClean(name, checkBody(name, 5), 15));

  it('adds up to a few thousand mutants', () => {
    const all = Object.values(totals).reduce((n, t) => n + t.total, 0);
    expect(all).toBeGreaterThan(2000);
    console.log(`strict mutants: ${Object.entries(totals).map(([k, t]) => `${k} ${t.total} (${t.refused} refused, ${t.harmless} harmless)`).join('; ')}; ${all} in all`);
  });
});
