// Runs the SDK decision engine on a snapshot: wires the registry, hall config, declarative policy,
// attestation hashes (registered = verified package, current = last reported) and the ban list.
// The edge always decides in trusted-facts mode: required controls and the blast score come from the
// selected species' own record (snapshot.workers via workerIdOfSpecies), never a Hall-wide union.
import {
  DENY_ENV_NOT_ALLOWED,
  compileRules,
  decide,
  denyBeforeRouting,
  envNotAllowedMessage,
  workerFactsFromRecord,
  type DecideContext,
  type Env,
  type RecordFacts,
  type RouteDecision,
  type RouteInput,
  type TrustedFactsReport,
} from '../src/routing/index.js';
import type { HallSnapshot, SnapshotProblem } from './snapshot.js';

export const DENY_WORKER_BANNED = 'DENY_WORKER_BANNED';

const EMPTY_RULES = compileRules({ rules: [] });

/**
 * A full-shaped denied decision for a Hall that cannot decide (rules/config/policy unusable):
 * the engine's own NO_MATCH deny with the code and message replaced.
 */
export function unavailableDecision(input: RouteInput, problem: SnapshotProblem): RouteDecision {
  const d = decide(input, { rules: EMPTY_RULES, controlsPresent: new Set<string>(), workerAvailable: () => false });
  d.deny_reason_if_denied = { code: problem.code, message: problem.message };
  for (const evt of d.telemetry_envelopes) {
    if (evt.event_id === 'evt.os.task.denied') {
      evt['deny_code'] = problem.code;
      evt['deny_message'] = problem.message;
    }
  }
  return d;
}

/**
 * Controls the Hall itself provides to every worker. None: HallConfig has no such list, so every
 * required control must be declared by the selected worker's own record.
 */
export const HALL_PROVIDED_CONTROLS: ReadonlySet<string> = new Set<string>();

const factsCache = new WeakMap<HallSnapshot, Map<string, RecordFacts | null>>();

/** The facts of a species' own record on this snapshot (its controls and blast score), or null. */
export function workerFactsOnSnapshot(snap: HallSnapshot, species: string): RecordFacts | null {
  let cache = factsCache.get(snap);
  if (!cache) factsCache.set(snap, (cache = new Map()));
  let f = cache.get(species);
  if (f === undefined) {
    const id = snap.workerIdOfSpecies.get(species);
    const record = id === undefined ? undefined : snap.workers.get(id);
    f = record ? workerFactsFromRecord(record) : null;
    cache.set(species, f);
  }
  return f;
}

/** The required controls the selected worker verifiably has (its own record, or Hall-provided). */
export function controlsVerified(snap: HallSnapshot, species: string | null, required: readonly string[]): string[] {
  if (species === null) return [];
  const facts = workerFactsOnSnapshot(snap, species);
  return required.filter((c) => HALL_PROVIDED_CONTROLS.has(c) || (facts !== null && facts.controls.has(c)));
}

/** The recorded denial of a request in an env the tenant's record does not allow (before routing). */
export function envNotAllowedDecision(input: RouteInput, allowed: readonly Env[]): RouteDecision {
  const message = envNotAllowedMessage(input.tenant_id, input.env, allowed, `its record (PUT /admin/tenants/${input.tenant_id})`);
  return denyBeforeRouting(input, {}, DENY_ENV_NOT_ALLOWED, message, { env: input.env, allowed_envs: [...allowed] });
}

function contextFor(snap: HallSnapshot): DecideContext {
  const reg = snap.registry;
  return {
    rules: snap.rules!,
    controlsPresent: HALL_PROVIDED_CONTROLS,
    workerFacts: (s) => workerFactsOnSnapshot(snap, s),
    workerAvailable: (s) => reg.workerAvailable(s),
    hallConfig: snap.hallConfig,
    policy: snap.policy,
    getPrivilegeEnvelope: (s) => reg.getPrivilegeEnvelope(s),
    policyAllowsPrivilege: (env, label, envelope) => reg.policyAllowsPrivilege(env, label, envelope),
    getRegisteredHash: (s) => snap.registeredHashes.get(s) ?? null,
    getCurrentHash: (s) => snap.currentHashes.get(s) ?? null,
    afterSelect: snap.banned.size === 0 ? null : ({ worker_species_id }) => {
      const hashes = [snap.registeredHashes.get(worker_species_id), snap.currentHashes.get(worker_species_id)];
      if (hashes.some((h) => h !== undefined && snap.banned.has(h))) {
        return {
          code: DENY_WORKER_BANNED,
          message: 'The selected worker\'s package hash is on the Hall\'s ban list. Publish a fixed package, attest it, and ask the operator to review the ban.',
          extras: { worker_species_id },
        };
      }
      return null;
    },
  };
}

const contexts = new WeakMap<HallSnapshot, DecideContext>();

/** Decides one request on a snapshot. Never throws for validated input. */
export function decideOnSnapshot(snap: HallSnapshot, input: RouteInput, approvalId: string | null, report?: TrustedFactsReport): RouteDecision {
  if (snap.problem || !snap.rules) {
    return unavailableDecision(input, snap.problem ?? { code: 'DENY_RULES_UNAVAILABLE', message: 'No rule set is loaded.' });
  }
  let ctx = contexts.get(snap);
  if (!ctx) contexts.set(snap, (ctx = contextFor(snap)));
  return decide(input, ctx, approvalId || report ? { approvedHumanGate: approvalId ? { approval_id: approvalId } : null, report: report ?? null } : undefined);
}
