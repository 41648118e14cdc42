// The one deny builder every deny of the pipeline goes through (BEHAVIOR.md §4): a full-shaped
// RouteDecision whose rule, controls, preconditions and escalation are what the pipeline had
// established when it denied, and exactly one evt.os.task.denied event.
import { defaultNewId, defaultNow, isoTimestamp } from './clock.js';
import type { DecideContext } from './decide-context.js';
import { stripControlChars } from './pyfns.js';
import { ESCALATION_DEFAULTS, PRECONDITION_DEFAULTS } from './rules.js';
import type { CandidateWorker, Escalation, PreconditionsChecked, RouteDecision, RouteInput, TelemetryEvent } from './schemas.js';

export const PRE_ROUTING = 'PRE_ROUTING';
export const NO_MATCH = 'NO_MATCH';

/** What a deny reports: the input, and what the pipeline had established when it denied. */
export interface DenyState {
  readonly input: RouteInput;
  /** correlation_id, tenant_id and capability_id with C0/DEL removed, for telemetry. */
  readonly sCorr: string;
  readonly sTenant: string;
  readonly sCap: string;
  readonly now: () => number;
  readonly newId: () => string;
  readonly dry: boolean;
  /** PRE_ROUTING, NO_MATCH once routing started, then the matched rule's id. */
  ruleId: string;
  /** The matched rule's required controls (sorted), null before a match. */
  required: readonly string[] | null;
  /** The matched rule's preconditions, null until step 2 accepted them. */
  pre: PreconditionsChecked | null;
  /** The rule's escalation object, null until step 5 built it. */
  escalation: Escalation | null;
}

/** Where a deny differs from the state: its own escalation overlay, the candidate list, attestation flags. */
export interface DenyDetails {
  ruleId?: string;
  esc?: Escalation;
  candidates?: CandidateWorker[];
  attestationChecked?: boolean;
  attestationValid?: boolean | null;
}

const copyEscalation = (e: Escalation): Escalation => ({ ...e, human_required_if: [...e.human_required_if] });

/** Sanitised ids for telemetry (pyhall strips C0 and DEL from these three fields only). */
export const sanitizeId = <T>(v: T): T => (typeof v === 'string' ? (stripControlChars(v) as T) : v);

export function buildDeny(
  st: DenyState,
  code: string,
  message: string,
  extras: Record<string, unknown> | null,
  details?: DenyDetails,
): RouteDecision {
  const input = st.input;
  const reason: Record<string, unknown> = { code, message };
  if (extras) for (const k in extras) reason[k] = extras[k];
  const ruleId = details?.ruleId ?? st.ruleId;
  // One clock read per decision: the event and the decision share its timestamp.
  const ts = isoTimestamp(st.now());
  const evt: TelemetryEvent = {
    event_id: 'evt.os.task.denied',
    timestamp: ts,
    correlation_id: st.sCorr,
    tenant_id: st.sTenant,
    capability_id: st.sCap,
    deny_code: code,
    deny_message: message,
    matched_rule_id: ruleId,
  };
  if (st.dry) evt.dry_run = true;
  const esc = details?.esc ?? st.escalation;
  return {
    decision_id: st.newId(),
    timestamp: ts,
    correlation_id: input.correlation_id,
    tenant_id: input.tenant_id,
    capability_id: input.capability_id,
    matched_rule_id: ruleId,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    denied: true,
    deny_reason_if_denied: reason as RouteDecision['deny_reason_if_denied'],
    selected_worker_species_id: null,
    candidate_workers_ranked: details?.candidates ?? [],
    required_controls_effective: st.required ? [...st.required] : [],
    recommended_profiles_effective: [],
    escalation_effective: esc ? copyEscalation(esc) : { ...ESCALATION_DEFAULTS, human_required_if: [] },
    preconditions_checked: st.pre ? { ...st.pre } : { ...PRECONDITION_DEFAULTS },
    artifact_hash: null,
    worker_attestation_checked: details?.attestationChecked ?? false,
    worker_attestation_valid: details?.attestationValid ?? null,
    dry_run: st.dry,
    telemetry_envelopes: [evt],
  };
}

/**
 * A full-shaped denied decision made before routing (matched_rule_id PRE_ROUTING), for gates the
 * caller runs on Hall-held facts (e.g. DENY_ENV_NOT_ALLOWED). Never throws.
 */
export function denyBeforeRouting(
  input: RouteInput,
  ctx: Pick<DecideContext, 'now' | 'newId'>,
  code: string,
  message: string,
  extras: Record<string, unknown> | null = null,
): RouteDecision {
  const st: DenyState = {
    input,
    sCorr: sanitizeId(input.correlation_id),
    sTenant: sanitizeId(input.tenant_id),
    sCap: sanitizeId(input.capability_id),
    now: ctx.now ?? defaultNow,
    newId: ctx.newId ?? defaultNewId,
    dry: input.dry_run === true,
    ruleId: PRE_ROUTING,
    required: null,
    pre: null,
    escalation: null,
  };
  return buildDeny(st, code, message, extras);
}
