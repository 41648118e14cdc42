// The spec §5.8 supervisor levels and the escalation ladder: plain data shared by the approval
// routes, the admin schemas (approver records) and the policy check of PUT /admin/policy.

/**
 * Spec 5.8 supervisor levels, lowest first. An approval carries the level its policy asked for; an
 * approver record carries the highest level it may decide (default gatekeeper). An approver may
 * approve, deny or escalate only approvals at or below its own level; the admin token any.
 */
export const SUPERVISOR_LEVELS = ['advisory', 'gatekeeper', 'executor', 'incident_commander'] as const;
export type SupervisorLevel = (typeof SUPERVISOR_LEVELS)[number];
export const DEFAULT_APPROVER_LEVEL: SupervisorLevel = 'gatekeeper';

/**
 * The escalation ladder: `escalate` hands a pending approval to the next level up, where only an
 * approver of that level (or the admin) can decide it. advisory → gatekeeper → incident_commander,
 * executor → incident_commander (spec 5.8 names "gatekeeper → incident_commander": executor is a
 * different mode — the human performs the action — not the next rung of approval authority).
 * incident_commander is the top; it cannot be escalated.
 */
export const ESCALATES_TO: Readonly<Record<SupervisorLevel, SupervisorLevel | null>> = {
  advisory: 'gatekeeper',
  gatekeeper: 'incident_commander',
  executor: 'incident_commander',
  incident_commander: null,
};

export function isSupervisorLevel(v: unknown): v is SupervisorLevel {
  return typeof v === 'string' && (SUPERVISOR_LEVELS as readonly string[]).includes(v);
}

/** Position on the ladder; a level outside it ranks above every approver (only the admin decides it). */
export function levelRank(level: string): number {
  const i = (SUPERVISOR_LEVELS as readonly string[]).indexOf(level);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}
