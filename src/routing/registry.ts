// The worker registry: enrolled records, available species, present controls, privilege
// envelopes, egress allowlists and registered attestation hashes (pyhall's Registry, BEHAVIOR.md §14).
import { ValidationError, type ValidationIssue } from '../util/errors.js';
import { isSha256Hex } from '../util/sha256.js';
import { pyTruthy } from './pyfns.js';
import { ENVS, RegistryRecordSchema, type RegistryRecordLike } from './schemas.js';

// pyhall's control-id pattern, without Python's `$`-before-trailing-newline quirk.
const CONTROL_ID = /^ctrl\.[a-z0-9][a-z0-9._-]*$/;

export function isControlId(id: unknown): id is string {
  return typeof id === 'string' && CONTROL_ID.test(id);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a worker's own record says (trusted-facts mode): its controls and its blast score. */
export interface RecordFacts {
  controls: ReadonlySet<string>;
  blast_score: number | null;
}

/**
 * The facts of one registry record: its valid control ids (`currently_implements`) and its
 * `blast_score` (an integer 0-100, else none). Never throws.
 */
export function workerFactsFromRecord(record: Record<string, unknown>): RecordFacts {
  const controls = new Set<string>();
  const ci = record.currently_implements;
  if (Array.isArray(ci)) for (const c of ci) if (isControlId(c)) controls.add(c);
  const b = record.blast_score;
  const declared = typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 100 ? b : null;
  const derived = blastScoreOfRadius(record.blast_radius);
  const blast_score = declared === null ? derived : derived === null ? declared : Math.max(declared, derived);
  return { controls, blast_score };
}

const REVERSIBILITY_SCORE: Record<string, number> = { reversible: 0, partially_reversible: 2, 'partially-reversible': 2, difficult: 4, irreversible: 5 };

/**
 * The blast score a record's `blast_radius` implies: WCP §7 sums five dimensions of 0-5 (0-25);
 * times 4 puts it on pyhall's 0-100 scale (threshold 85). Null when the record gives no dimensions.
 */
export function blastScoreOfRadius(radius: unknown): number | null {
  if (typeof radius !== 'object' || radius === null || Array.isArray(radius)) return null;
  const r = radius as Record<string, unknown>;
  let sum = 0;
  let seen = false;
  for (const k of ['data', 'network', 'financial', 'time', 'reversibility']) {
    const v = r[k];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? REVERSIBILITY_SCORE[v] : undefined;
    if (typeof n === 'number' && Number.isFinite(n)) {
      sum += Math.min(5, Math.max(0, n));
      seen = true;
    }
  }
  return seen ? Math.min(100, Math.round(sum * 4)) : null;
}

/** Thrown by the stub privilege policy for envelopes it cannot read (the router denies DENY_INTERNAL_ERROR). */
export class MalformedEnvelopeError extends Error {}

export class WorkerRegistry {
  private readonly enrolled = new Map<string, Record<string, unknown>>();
  private readonly available = new Set<string>();
  private controls = new Set<string>();
  /** Controls the Hall itself provides (given explicitly, not declared by a worker record). */
  private readonly provided = new Set<string>();
  /** species → the facts of the record that last enrolled it (as envelopes and hashes). */
  private readonly speciesFacts = new Map<string, RecordFacts>();
  private envelopes = new Map<string, unknown>();
  private readonly capabilityMap = new Map<string, Set<string>>();
  private readonly hashes = new Map<string, unknown>();
  private readonly egress = new Map<string, string[]>(ENVS.map((e) => [e, []]));
  /** Warnings raised while enrolling (pyhall prints them to stderr). */
  readonly warnings: string[] = [];

  /** Enrolls one record the way pyhall does: bad control ids and hashes are skipped with a warning. */
  enroll(record: Record<string, unknown>): void {
    const key = typeof record.worker_id === 'string' ? record.worker_id : `unknown-${this.enrolled.size}`;
    this.enrolled.set(key, record);
    const species = record.worker_species_id;
    const sp = pyTruthy(species) && typeof species === 'string' ? species : null;
    if (sp) this.available.add(sp);
    if (sp && Array.isArray(record.capabilities)) {
      for (const cap of record.capabilities) {
        if (typeof cap !== 'string') continue;
        let s = this.capabilityMap.get(cap);
        if (!s) this.capabilityMap.set(cap, (s = new Set()));
        s.add(sp);
      }
    }
    if (Array.isArray(record.currently_implements)) this.addControls(record.currently_implements, false);
    if (sp) this.speciesFacts.set(sp, workerFactsFromRecord(record));
    if (sp && pyTruthy(record.privilege_envelope)) this.envelopes.set(sp, record.privilege_envelope);
    const att = record.attestation;
    if (sp && pyTruthy(att) && isObj(att) && pyTruthy(att.code_hash)) {
      if (isSha256Hex(att.code_hash)) this.hashes.set(sp, att.code_hash);
      else this.warnings.push(`worker ${key}: attestation.code_hash is not a 64-character lowercase hex SHA-256; not registered`);
    }
  }

  private addControls(ids: readonly unknown[], hallProvided: boolean): void {
    for (const id of ids) {
      if (isControlId(id)) {
        this.controls.add(id);
        if (hallProvided) this.provided.add(id);
      } else this.warnings.push(`control id ${JSON.stringify(id)} does not match ctrl.<name>; skipped`);
    }
  }

  /** Controls the Hall provides (pyhall: added to the Hall-wide set). */
  addControlsPresent(ids: readonly unknown[]): void {
    this.addControls(ids, true);
  }

  /** pyhall `set_controls_present`: replaces the Hall-wide set (and the Hall-provided one). */
  setControlsPresent(ids: readonly unknown[]): void {
    this.controls = new Set();
    this.provided.clear();
    this.addControls(ids, true);
  }

  /** Controls the Hall itself provides, independent of any worker (trusted-facts mode). */
  hallProvidedControls(): ReadonlySet<string> {
    return this.provided;
  }

  /** The facts of the species' own record (its controls and blast score), or null if none enrolled it. */
  workerFacts(species: string): RecordFacts | null {
    return this.speciesFacts.get(species) ?? null;
  }

  /** The live set of present controls (read-only by contract). */
  controlsPresent(): ReadonlySet<string> {
    return this.controls;
  }

  addWorkersAvailable(species: readonly string[]): void {
    for (const s of species) this.available.add(s);
  }

  setWorkersAvailable(species: readonly string[]): void {
    this.available.clear();
    this.addWorkersAvailable(species);
  }

  workerAvailable(species: string): boolean {
    return this.available.has(species);
  }

  workersForCapability(capability: string): string[] {
    return [...(this.capabilityMap.get(capability) ?? [])];
  }

  setPrivilegeEnvelopes(map: Record<string, unknown>): void {
    this.envelopes = new Map(Object.entries(map));
  }

  getPrivilegeEnvelope(species: string): unknown {
    return this.envelopes.has(species) ? this.envelopes.get(species) : null;
  }

  setEgressAllowlist(env: string, list: readonly string[]): void {
    this.egress.set(env, [...list]);
  }

  /** Stores a registered attestation hash for a species (validated: 64 lowercase hex). */
  registerHash(species: string, hash: string): void {
    if (!isSha256Hex(hash)) throw new TypeError('registered hash must be 64 lowercase hex characters');
    this.hashes.set(species, hash);
  }

  /** The registered attestation hash of a species, or null. */
  getWorkerHash(species: string): unknown {
    return this.hashes.has(species) ? this.hashes.get(species) : null;
  }

  records(): ReadonlyMap<string, Record<string, unknown>> {
    return this.enrolled;
  }

  /**
   * pyhall's stub privilege policy: only prod/edge RESTRICTED requests check `envelope.egress.allowlist`
   * against the environment's allowlist. Throws MalformedEnvelopeError for envelopes it cannot read.
   */
  policyAllowsPrivilege(env: string, dataLabel: string, envelope: unknown): [boolean, string] {
    let egress: unknown = {};
    if (pyTruthy(envelope)) {
      if (!isObj(envelope)) throw new MalformedEnvelopeError('privilege envelope must be an object');
      egress = pyTruthy(envelope.egress) ? envelope.egress : {};
    }
    if ((env === 'prod' || env === 'edge') && dataLabel === 'RESTRICTED') {
      if (!isObj(egress)) throw new MalformedEnvelopeError('envelope.egress must be an object');
      const dests = egress.allowlist;
      if (pyTruthy(dests)) {
        if (!Array.isArray(dests) || !dests.every((d) => typeof d === 'string'))
          throw new MalformedEnvelopeError('envelope.egress.allowlist must be a list of strings');
        const allowed = this.egress.get(env) ?? [];
        if (allowed.length === 0) return [false, 'egress_denied_no_allowlist_configured'];
        for (const d of dests as string[]) if (!allowed.includes(d)) return [false, `egress_not_allowlisted:${d}`];
      }
    }
    return [true, 'stub_allow'];
  }
}

export interface BuildRegistryOptions {
  /** Controls present in the Hall beyond those the records declare. */
  controlsPresent?: readonly string[];
  /** Species available beyond the enrolled ones. */
  workersAvailable?: readonly string[];
  /** Replaces the per-species envelope map before enrollment (pyhall `set_privilege_envelopes`). */
  privilegeEnvelopes?: Record<string, unknown>;
  /** Per-environment egress allowlists. */
  egressAllowlist?: Partial<Record<string, readonly string[]>>;
  /** true (default): refuse malformed records, control ids and hashes. false: pyhall's skip-and-warn. */
  strict?: boolean;
}

/**
 * Builds a registry from enrollment records. Strict by default: every problem (with its path)
 * is reported in one ValidationError instead of being skipped.
 */
export function buildRegistry(records: readonly unknown[], options: BuildRegistryOptions = {}): WorkerRegistry {
  const strict = options.strict ?? true;
  const reg = new WorkerRegistry();
  if (strict) {
    const issues: ValidationIssue[] = [];
    if (records.length > 100_000) issues.push({ path: [], message: 'at most 100000 worker records are allowed' });
    records.forEach((r, i) => {
      const p = RegistryRecordSchema.safeParse(r);
      if (!p.success) {
        for (const is of p.error.issues)
          issues.push({ path: ['workers', i, ...is.path.map((x) => (typeof x === 'number' ? x : String(x)))], message: is.message });
        return;
      }
      p.data.currently_implements.forEach((c, j) => {
        if (!isControlId(c)) issues.push({ path: ['workers', i, 'currently_implements', j], message: `'${c}' is not a control id (ctrl.<name>)` });
      });
      const h = p.data.attestation?.code_hash;
      if (h !== undefined && h !== null && !isSha256Hex(h))
        issues.push({ path: ['workers', i, 'attestation', 'code_hash'], message: 'must be 64 lowercase hex characters (no "sha256:" prefix)' });
    });
    (options.controlsPresent ?? []).forEach((c, j) => {
      if (!isControlId(c)) issues.push({ path: ['controlsPresent', j], message: `'${c}' is not a control id (ctrl.<name>)` });
    });
    if (issues.length) throw new ValidationError('worker registry', issues);
  }
  if (options.privilegeEnvelopes) reg.setPrivilegeEnvelopes(options.privilegeEnvelopes);
  for (const [env, list] of Object.entries(options.egressAllowlist ?? {})) if (list) reg.setEgressAllowlist(env, list);
  for (const r of records) if (isObj(r)) reg.enroll(r);
  if (options.controlsPresent) reg.addControlsPresent(options.controlsPresent);
  if (options.workersAvailable) reg.addWorkersAvailable(options.workersAvailable);
  return reg;
}

export type { RegistryRecordLike };
