// What decide() is given besides the input: the compiled rules, the registry's answers and the
// optional callbacks (policy gate, privilege, attestation, registry client, post-selection hook).
import type { CompiledPolicy } from './policy.js';
import type { CompiledRules } from './rules.js';
import type { GateContext, HallConfig, RouteDecision, RouteInput } from './schemas.js';
/** A policy gate callback: returns `[decision, policy_version, reason]` (pyhall's 3-tuple). */
export type PolicyGateFn = (context: GateContext, facts: { blast_score: number }) => unknown;

/** What the edge may add after selection: deny the selected worker (e.g. a banned package). */
export interface PostSelectDeny {
  code: string;
  message: string;
  extras?: Record<string, unknown>;
}

export interface PostSelectInfo {
  input: RouteInput;
  rule_id: string;
  worker_species_id: string;
  worker_attestation_checked: boolean;
}

export interface RegistryClientHook {
  getWorkerHash(species: string): unknown;
  recordDecision(decision: RouteDecision): void;
}

/** What the Hall holds about one worker species, from that worker's own registry record. */
export interface WorkerFacts {
  /** The controls the worker's record implements (`currently_implements`). */
  controls: { has(id: string): boolean };
  /** The record's blast score (0-100), or null when it declares none. */
  blast_score: number | null;
}

/** Filled by decide() in trusted-facts mode (edge evidence): the worker whose facts were used. */
export interface TrustedFactsReport {
  worker_species_id: string | null;
  /** That worker's record blast score, or null. */
  held_blast_score: number | null;
}

/** Everything decide() needs besides the input. Callbacks are optional unless a step requires them. */
export interface DecideContext {
  rules: CompiledRules;
  /**
   * Controls present in the Hall. pyhall mode: the Hall-wide set. Trusted-facts mode (`workerFacts`
   * given): only the controls the Hall itself provides, on top of the selected worker's own.
   */
  controlsPresent: { has(id: string): boolean };
  /**
   * edgehall trusted-facts mode (off when absent): the facts of a species' own record. Required
   * controls are then checked on each candidate's own controls (plus `controlsPresent`), never on a
   * union over workers; a candidate lacking one is skipped (`missing_required_controls`); the blast
   * score is max(heuristic, caller's score, the selected worker's record score).
   */
  workerFacts?: ((species: string) => WorkerFacts | null | undefined) | null;
  /** Availability predicate; must return `true` for an available species (anything else: unavailable). */
  workerAvailable: (species: string) => unknown;
  hallConfig?: HallConfig | null;
  /** Callback policy gate (pyhall form). */
  policyGate?: PolicyGateFn | null;
  /** Declarative policy gate; used instead of `policyGate` when both are given. */
  policy?: CompiledPolicy | null;
  getPrivilegeEnvelope?: ((species: string) => unknown) | null;
  /** Must return `[allowed, reason]`; only `allowed === true` allows. */
  policyAllowsPrivilege?: ((env: string, dataLabel: string, envelope: unknown) => unknown) | null;
  getRegisteredHash?: ((species: string) => unknown) | null;
  getCurrentHash?: ((species: string) => unknown) | null;
  registryClient?: RegistryClientHook | null;
  /** edgehall extension (off by default): may deny the selected worker before the privilege check. */
  afterSelect?: ((info: PostSelectInfo) => PostSelectDeny | null | undefined) | null;
  taskId?: string;
  /** Receives pyhall's UserWarning texts (require_credential). */
  onWarning?: ((message: string) => void) | null;
  /** Epoch milliseconds (fractional for microseconds). */
  now?: () => number;
  /** Decision id generator (UUID v4 by default). */
  newId?: () => string;
}

export interface DecideOptions {
  /** A human approved this request: a policy-gate REQUIRE_HUMAN result proceeds as ALLOW. */
  approvedHumanGate?: { approval_id: string } | null;
  /** Trusted-facts mode: receives the worker whose record facts were used. */
  report?: TrustedFactsReport | null;
}

