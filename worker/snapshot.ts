// The compiled view the decision path runs on: rule set, hall config, policy and ban list (KV, a
// fixed handful of reads) plus the worker registry and revocation list (D1, one batch). Built once
// per isolate and rebuilt only when its version changes: the KV key `hall:version` (seeds) or the
// D1 Hall generation (every admin write, enrollment and attestation bumps it in the same batch).
//
// Missing or corrupt rules (or a corrupt config/policy) do not throw: the snapshot records the
// problem and /route denies every request with a named code (fail closed, but still on record).
// A registry record that is corrupt, or whose species is not owned by its namespace, is left out
// (that worker is unavailable) and reported in `registryProblems`.
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
import type { RegistryStore, RegistryView } from './stores/registry-store.js';

export interface SnapshotProblem {
  code: 'DENY_RULES_UNAVAILABLE' | 'DENY_HALL_CONFIG_UNAVAILABLE' | 'DENY_POLICY_UNAVAILABLE';
  message: string;
}

export interface HallSnapshot {
  /** `<hall:version>#<generation>` this snapshot was built from. */
  configVersion: string;
  /** The D1 Hall generation it was built from. */
  generation: number;
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
  /** species → worker_id of the one record enrolled for it (species are owned by one namespace). */
  workerIdOfSpecies: ReadonlyMap<string, string>;
  /** worker_id → namespace that enrolled it. */
  namespaceOfWorker: ReadonlyMap<string, string>;
  /** species → owning namespace. */
  speciesOwners: ReadonlyMap<string, string>;
  /** SHA-256 hex of revoked bearer tokens. */
  revokedTokens: ReadonlySet<string>;
  /** Registry rows left out of the snapshot, and why. */
  registryProblems: { worker_id: string; problem: string }[];
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

interface RegistryMaps {
  workers: Map<string, Record<string, unknown>>;
  workerIdOfSpecies: Map<string, string>;
  namespaceOfWorker: Map<string, string>;
  speciesOwners: Map<string, string>;
  registeredHashes: Map<string, string>;
  currentHashes: Map<string, string>;
  registryProblems: { worker_id: string; problem: string }[];
}

/** The registry rows as lookup maps; a row that does not hold up is left out (its worker is unavailable). */
function registryFrom(view: RegistryView): RegistryMaps {
  const speciesOwners = new Map(view.owners.map((o) => [o.worker_species_id, o.namespace]));
  const m: RegistryMaps = {
    workers: new Map(),
    workerIdOfSpecies: new Map(),
    namespaceOfWorker: new Map(),
    speciesOwners,
    registeredHashes: new Map(),
    currentHashes: new Map(),
    registryProblems: [],
  };
  for (const row of view.workers) {
    const record = parseObject(row.record_json);
    if (!record || record === 'corrupt') {
      m.registryProblems.push({ worker_id: row.worker_id, problem: 'record_corrupt' });
      continue;
    }
    const species = row.worker_species_id;
    if (record['worker_species_id'] !== species || record['worker_id'] !== row.worker_id) {
      m.registryProblems.push({ worker_id: row.worker_id, problem: 'record_mismatch' });
      continue;
    }
    // An admin may re-assign a species; a worker of the old owner then stops being selectable.
    if (speciesOwners.get(species) !== row.namespace) {
      m.registryProblems.push({ worker_id: row.worker_id, problem: 'species_not_owned' });
      continue;
    }
    m.workers.set(row.worker_id, record);
    m.workerIdOfSpecies.set(species, row.worker_id);
    m.namespaceOfWorker.set(row.worker_id, row.namespace);
    const att = record['attestation'];
    const code = att && typeof att === 'object' ? (att as Record<string, unknown>)['code_hash'] : undefined;
    if (typeof code === 'string') m.currentHashes.set(species, code);
  }
  for (const a of view.attestations) {
    // Only the species' own worker's attestation counts.
    if (m.workerIdOfSpecies.get(a.worker_species_id) === a.worker_id && isSha256Hex(a.package_hash)) m.registeredHashes.set(a.worker_species_id, a.package_hash);
  }
  return m;
}

export interface SnapshotStores {
  config: ConfigStore;
  registry: RegistryStore;
}

export async function loadSnapshot(stores: SnapshotStores, configVersion: string): Promise<HallSnapshot> {
  const store = stores.config;
  const [rulesLoad, configRaw, policyRaw, banRaw, view] = await Promise.all([
    loadRules(store),
    store.get(KV.config),
    store.get(KV.policy),
    store.get(KV.banList),
    stores.registry.load(),
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

  const reg = registryFrom(view);
  // The registry is built leniently (pyhall's skip-and-warn): records were validated at enrollment,
  // and one odd record must not take the whole Hall down.
  const registry = buildRegistry([...reg.workers.values()], { strict: false });

  return {
    configVersion,
    rulesVersion: rulesLoad.version,
    rules: rulesLoad.rules,
    problem,
    generation: view.generation,
    registry,
    hallConfig,
    policy,
    banned,
    ...reg,
    revokedTokens: new Set(view.revoked),
    builtAt: new Date().toISOString(),
  };
}

/**
 * Per-isolate snapshot cache keyed by `hall:version` and the D1 generation. It holds settled
 * snapshots only — a pending promise must not be shared between requests in Workers — so while one
 * request builds a new snapshot the others poll briefly for it instead of all reading every key.
 */
export class SnapshotCache {
  private current: HallSnapshot | null = null;
  private checkedAt = 0;
  private building: { version: string; since: number } | null = null;

  /** `onChange` runs when a snapshot of a new version replaces the old one (drop token caches). */
  constructor(
    private readonly waitMs = 2_000,
    private readonly onChange: () => void = () => undefined,
  ) {}

  invalidate(): void {
    this.current = null;
    this.building = null;
  }

  /**
   * The snapshot for the current version. `maxAgeMs` > 0 trusts a snapshot whose version was
   * confirmed that recently without reading the stores: that is the bound within which a change
   * made through another isolate (a revoked token, a new rule set, an enrollment) takes effect
   * here. Writes made through this isolate invalidate at once.
   */
  async get(stores: SnapshotStores, maxAgeMs = 0): Promise<HallSnapshot> {
    if (maxAgeMs > 0 && this.current && Date.now() - this.checkedAt < maxAgeMs) return this.current;
    const [kvVersion, generation] = await Promise.all([stores.config.get(KV.version), stores.registry.generation()]);
    const version = `${kvVersion ?? 'unversioned'}#${generation}`;
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
      const snap = await loadSnapshot(stores, version);
      const changed = this.current !== null && this.current.configVersion !== snap.configVersion;
      this.current = snap;
      if (changed) this.onChange();
      return snap;
    } finally {
      if (this.building === mark) this.building = null;
    }
  }
}
