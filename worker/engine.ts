// Runs the SDK decision engine on a snapshot: wires the registry, hall config, declarative policy,
// attestation hashes (registered = verified package, current = last reported) and the ban list.
import { compileRules, decide, type DecideContext, type RouteDecision, type RouteInput } from '../src/routing/index.js';
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

function contextFor(snap: HallSnapshot): DecideContext {
  const reg = snap.registry;
  return {
    rules: snap.rules!,
    controlsPresent: reg.controlsPresent(),
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
export function decideOnSnapshot(snap: HallSnapshot, input: RouteInput, approvalId: string | null): RouteDecision {
  if (snap.problem || !snap.rules) {
    return unavailableDecision(input, snap.problem ?? { code: 'DENY_RULES_UNAVAILABLE', message: 'No rule set is loaded.' });
  }
  let ctx = contexts.get(snap);
  if (!ctx) contexts.set(snap, (ctx = contextFor(snap)));
  return decide(input, ctx, approvalId ? { approvedHumanGate: { approval_id: approvalId } } : undefined);
}
