// The compiled view of KV the decision path runs on: rule set, registry, hall config, policy,
// ban list and attestation hashes. Built once per isolate and rebuilt only when the KV key
// `hall:version` changes (every admin write bumps it), so a /route call costs one KV read here.
//
// Missing or corrupt rules (or a corrupt config/policy) do not throw: the snapshot records the
// problem and /route denies every request with a named code (fail closed, but still on record).
import {
  HallConfigSchema,
  buildRegistry,
  compilePolicy,
  compileRules,
  type CompiledPolicy,
  type CompiledRules,
  type HallConfig,
  type WorkerRegistry,
} from '../src/routing/index.js';
import { isSha256Hex } from '../src/util/index.js';
import { KV, type ConfigStore } from './stores/config-store.js';

export interface SnapshotProblem {
  code: 'DENY_RULES_UNAVAILABLE' | 'DENY_HALL_CONFIG_UNAVAILABLE' | 'DENY_POLICY_UNAVAILABLE';
  message: string;
}

export interface HallSnapshot {
  /** Value of `hall:version` this snapshot was built from. */
  configVersion: string;
  rulesVersion: string | null;
  rules: CompiledRules | null;
  /** Set when the Hall must deny everything (rules/config/policy missing or corrupt). */
  problem: SnapshotProblem | null;
  registry: WorkerRegistry;
  hallConfig: HallConfig | null;
  policy: CompiledPolicy | null;
  /** Banned package hashes (64 lowercase hex). */
  banned: ReadonlySet<string>;
  /** worker_id → enrolled record. */
  workers: ReadonlyMap<string, Record<string, unknown>>;
  /** species → worker_id of the record that last enrolled it. */
  workerIdOfSpecies: ReadonlyMap<string, string>;
  /** species → verified package hash registered through POST /workers/:id/attestation. */
  registeredHashes: ReadonlyMap<string, string>;
  /** species → hash the worker last reported (its record's attestation.code_hash). */
  currentHashes: ReadonlyMap<string, string>;
  builtAt: string;
}

export const RULES_UNAVAILABLE_MESSAGE =
  'The Hall has no usable rule set (missing or corrupt in KV), so every request is denied. An operator must upload rules with PUT /admin/rules.';

function parseObject(text: string | null): Record<string, unknown> | null | 'corrupt' {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

async function loadRules(store: ConfigStore): Promise<{ version: string | null; rules: CompiledRules | null }> {
  const pointer = parseObject(await store.get(KV.rulesCurrent));
  if (!pointer || pointer === 'corrupt' || typeof pointer['version'] !== 'string') return { version: null, rules: null };
  const version = pointer['version'];
  const doc = parseObject(await store.get(KV.rules(version)));
  if (!doc || doc === 'corrupt') return { version, rules: null };
  try {
    return { version, rules: compileRules(doc) };
  } catch {
    return { version, rules: null };
  }
}

/** Reads every value under `prefix` (one KV list + one get per key). */
async function loadPrefix(store: ConfigStore, prefix: string): Promise<Map<string, Record<string, unknown>>> {
  const keys = await store.list(prefix);
  const values = await Promise.all(keys.map((k) => store.get(k)));
  const out = new Map<string, Record<string, unknown>>();
  keys.forEach((k, i) => {
    const v = parseObject(values[i] ?? null);
    // A corrupt record is skipped: the worker is then simply not available (fail closed for it alone).
    if (v && v !== 'corrupt') out.set(k.slice(prefix.length), v);
  });
  return out;
}

export async function loadSnapshot(store: ConfigStore, configVersion: string): Promise<HallSnapshot> {
  const [rulesLoad, configRaw, policyRaw, banRaw, workers, attestations] = await Promise.all([
    loadRules(store),
    store.get(KV.config),
    store.get(KV.policy),
    store.get(KV.banList),
    loadPrefix(store, KV.workerPrefix),
    loadPrefix(store, KV.attestationPrefix),
  ]);
  let problem: SnapshotProblem | null = rulesLoad.rules ? null : { code: 'DENY_RULES_UNAVAILABLE', message: RULES_UNAVAILABLE_MESSAGE };

  let hallConfig: HallConfig | null = null;
  const cfg = parseObject(configRaw);
  if (cfg === 'corrupt') {
    problem ??= { code: 'DENY_HALL_CONFIG_UNAVAILABLE', message: 'The Hall config in KV is corrupt, so every request is denied. An operator must fix it with PUT /admin/config.' };
  } else if (cfg) {
    const parsed = HallConfigSchema.safeParse(cfg);
    if (parsed.success) hallConfig = parsed.data;
    else problem ??= { code: 'DENY_HALL_CONFIG_UNAVAILABLE', message: 'The Hall config in KV is invalid, so every request is denied. An operator must fix it with PUT /admin/config.' };
  }

  let policy: CompiledPolicy | null = null;
  const pol = parseObject(policyRaw);
  if (pol === 'corrupt') {
    problem ??= { code: 'DENY_POLICY_UNAVAILABLE', message: 'The policy document in KV is corrupt, so every request is denied. An operator must fix it with PUT /admin/policy.' };
  } else if (pol) {
    try {
      policy = compilePolicy(pol);
    } catch {
      problem ??= { code: 'DENY_POLICY_UNAVAILABLE', message: 'The policy document in KV is invalid, so every request is denied. An operator must fix it with PUT /admin/policy.' };
    }
  }

  const banned = new Set<string>();
  const ban = parseObject(banRaw);
  if (ban && ban !== 'corrupt' && Array.isArray(ban['hashes'])) {
    for (const h of ban['hashes']) {
      const hash = typeof h === 'string' ? h : h && typeof h === 'object' ? (h as Record<string, unknown>)['hash'] : null;
      if (typeof hash === 'string' && isSha256Hex(hash)) banned.add(hash);
    }
  }

  const records = [...workers.values()];
  // The registry is built leniently (pyhall's skip-and-warn): records were validated at enrollment,
  // and one odd record must not take the whole Hall down.
  const registry = buildRegistry(records, { strict: false });
  const workerIdOfSpecies = new Map<string, string>();
  const currentHashes = new Map<string, string>();
  for (const [id, r] of workers) {
    const species = r['worker_species_id'];
    if (typeof species !== 'string') continue;
    workerIdOfSpecies.set(species, id);
    const att = r['attestation'];
    const code = att && typeof att === 'object' ? (att as Record<string, unknown>)['code_hash'] : undefined;
    if (typeof code === 'string') currentHashes.set(species, code);
  }
  const registeredHashes = new Map<string, string>();
  for (const [workerId, a] of attestations) {
    const species = a['worker_species_id'];
    const hash = a['package_hash'];
    if (typeof species === 'string' && typeof hash === 'string' && workers.has(workerId)) registeredHashes.set(species, hash);
  }

  return {
    configVersion,
    rulesVersion: rulesLoad.version,
    rules: rulesLoad.rules,
    problem,
    registry,
    hallConfig,
    policy,
    banned,
    workers,
    workerIdOfSpecies,
    registeredHashes,
    currentHashes,
    builtAt: new Date().toISOString(),
  };
}

/**
 * Per-isolate snapshot cache keyed by `hall:version`. It holds settled snapshots only — a pending
 * promise must not be shared between requests in Workers — so while one request builds a new
 * snapshot the others poll briefly for it instead of all reading every KV key at once.
 */
export class SnapshotCache {
  private current: HallSnapshot | null = null;
  private checkedAt = 0;
  private building: { version: string; since: number } | null = null;

  constructor(private readonly waitMs = 2_000) {}

  invalidate(): void {
    this.current = null;
    this.building = null;
  }

  /**
   * The snapshot for the current `hall:version`. `maxAgeMs` > 0 trusts a snapshot whose version was
   * confirmed that recently without reading KV (KV itself is eventually consistent for up to 60 s;
   * writes made through this isolate invalidate at once).
   */
  async get(store: ConfigStore, maxAgeMs = 0): Promise<HallSnapshot> {
    if (maxAgeMs > 0 && this.current && Date.now() - this.checkedAt < maxAgeMs) return this.current;
    const version = (await store.get(KV.version)) ?? 'unversioned';
    this.checkedAt = Date.now();
    for (;;) {
      if (this.current && this.current.configVersion === version) return this.current;
      const b = this.building;
      if (!b || b.version !== version || Date.now() - b.since > this.waitMs) break;
      await new Promise<void>((resolve) => setTimeout(resolve, 2));
    }
    const mark = { version, since: Date.now() };
    this.building = mark;
    try {
      const snap = await loadSnapshot(store, version);
      this.current = snap;
      return snap;
    } finally {
      if (this.building === mark) this.building = null;
    }
  }
}
