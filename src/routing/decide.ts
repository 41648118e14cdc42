// The decision pipeline (BEHAVIOR.md §3), synchronous and pure apart from the injected callbacks.
// Every deny goes through one builder; the first deny wins. After input validation it never throws.
import { isSha256Hex } from '../util/sha256.js';
import { computeArtifactHash } from './artifact-hash.js';
import { defaultNewId, defaultNow, isoTimestamp } from './clock.js';
import {
  DENY_CODES as C,
  DENY_MESSAGES as M,
  POST_SELECT_INTERNAL_ERROR_MESSAGE,
  PRIVILEGE_INTERNAL_ERROR_MESSAGE,
  REQUIRE_CREDENTIAL_WARNING,
  attestationInvalidHashMessage,
  attestationMissingMessage,
  gateInvalidResponseMessage,
  hashUnavailableMessage,
  privilegeViolatedMessage,
  tamperedMessage,
} from './codes.js';
import type { CompiledPolicy } from './policy.js';
import { isPyBlank, pyRepr, pyStr, pyTruthy, stripControlChars } from './pyfns.js';
import {
  ESCALATION_DEFAULTS,
  PRECONDITION_DEFAULTS,
  buildEscalation,
  type CompiledRule,
  type CompiledRules,
} from './rules.js';
import type {
  CandidateWorker,
  Escalation,
  GateContext,
  HallConfig,
  PreconditionsChecked,
  RouteDecision,
  RouteInput,
  TelemetryEvent,
} from './schemas.js';

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

const PROD_EDGE = (env: string): boolean => env === 'prod' || env === 'edge';
const NO_MATCH = 'NO_MATCH';
const PRE_ROUTING = 'PRE_ROUTING';
const BLAST_THRESHOLD = 85;
const ATTESTATION_SKIPPED_REASON = 'require_worker_attestation=False or hall_config=None';

const allowedTenantSets = new WeakMap<readonly string[], Set<string>>();
function tenantAllowed(list: readonly string[], tenant: string): boolean {
  let s = allowedTenantSets.get(list);
  if (!s) allowedTenantSets.set(list, (s = new Set(list)));
  return s.has(tenant);
}

const DEFAULT_CONFIG: HallConfig = Object.freeze({
  require_signatory: false,
  allowed_tenants: [],
  require_credential: false,
  require_worker_attestation: false,
  enforce_correlation_id: true,
  enforce_required_controls: true,
  enforce_blast_scoring_in_prod: true,
  enforce_privilege_envelopes: false,
}) as HallConfig;

/** pyhall's 0-100 blast heuristic (BEHAVIOR.md §7), before the caller's score is applied. */
export function blastHeuristic(input: Pick<RouteInput, 'env' | 'data_label' | 'qos_class' | 'request'>): number {
  let s = 10;
  if (input.data_label === 'INTERNAL') s += 20;
  else if (input.data_label === 'RESTRICTED') s += 40;
  if (PROD_EDGE(input.env)) s += 15;
  if (input.qos_class === 'P0') s += 10;
  const r = input.request as Record<string, unknown> | undefined;
  if (r) {
    if (pyTruthy(r.egress) || pyTruthy(r.external_call)) s += 15;
    if (pyTruthy(r.writes) || pyTruthy(r.mutates_state)) s += 15;
  }
  return s > 100 ? 100 : s;
}

/** A record blast score as the Hall uses it: an integer 0-100, anything else none. */
function heldScore(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100 ? v : null;
}

/**
 * The blast score in trusted-facts mode: pyhall's heuristic, raised by the caller's score and by the
 * worker record's score (neither can lower it).
 */
export function trustedBlastScore(
  input: Pick<RouteInput, 'env' | 'data_label' | 'qos_class' | 'request' | 'blast_score'>,
  held: number | null | undefined,
): number {
  let s = blastHeuristic(input);
  const bs = input.blast_score;
  if (bs !== null && bs !== undefined && bs > s) s = bs;
  if (held !== null && held !== undefined && held > s) s = held;
  return s;
}

const TRUSTED_MISSING_CONTROLS_MESSAGE =
  'No available candidate worker implements every required control in its own registry record (controls of other workers do not count). ' +
  "Add the missing controls to the candidate's record and enroll it again, or change the rule.";

/** The effective Hall config after pyhall's registry-client wiring (step W, bug 16.1 included). */
function effectiveConfig(ctx: DecideContext): HallConfig | null {
  const cfg = ctx.hallConfig ?? null;
  if (!ctx.registryClient) return cfg;
  if (!cfg) return { ...DEFAULT_CONFIG, require_worker_attestation: true };
  if (cfg.require_worker_attestation) return cfg;
  return {
    ...DEFAULT_CONFIG,
    require_signatory: cfg.require_signatory,
    allowed_tenants: cfg.allowed_tenants,
    require_worker_attestation: true,
  };
}

interface DenyShape {
  ruleId: string;
  required?: readonly string[];
  pre?: PreconditionsChecked;
  esc?: Escalation;
  candidates?: CandidateWorker[];
  attestationChecked?: boolean;
  attestationValid?: boolean | null;
}

interface DenyState {
  input: RouteInput;
  sCorr: string;
  sTenant: string;
  sCap: string;
  now: () => number;
  newId: () => string;
  dry: boolean;
}

/** The one deny builder every deny goes through (BEHAVIOR.md §4). */
function buildDeny(st: DenyState, code: string, message: string, extras: Record<string, unknown> | null, s: DenyShape): RouteDecision {
  const input = st.input;
  const reason: Record<string, unknown> = { code, message };
  if (extras) for (const k in extras) reason[k] = extras[k];
  // One clock read per decision: the events and the decision share its timestamp.
  const ts = isoTimestamp(st.now());
  const evt: TelemetryEvent = {
    event_id: 'evt.os.task.denied',
    timestamp: ts,
    correlation_id: st.sCorr,
    tenant_id: st.sTenant,
    capability_id: st.sCap,
    deny_code: code,
    deny_message: message,
    matched_rule_id: s.ruleId,
  };
  if (st.dry) evt.dry_run = true;
  return {
    decision_id: st.newId(),
    timestamp: ts,
    correlation_id: input.correlation_id,
    tenant_id: input.tenant_id,
    capability_id: input.capability_id,
    matched_rule_id: s.ruleId,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    denied: true,
    deny_reason_if_denied: reason as RouteDecision['deny_reason_if_denied'],
    selected_worker_species_id: null,
    candidate_workers_ranked: s.candidates ?? [],
    required_controls_effective: s.required ? [...s.required] : [],
    recommended_profiles_effective: [],
    escalation_effective: s.esc ?? { ...ESCALATION_DEFAULTS, human_required_if: [] },
    preconditions_checked: s.pre ? { ...s.pre } : { ...PRECONDITION_DEFAULTS },
    artifact_hash: null,
    worker_attestation_checked: s.attestationChecked ?? false,
    worker_attestation_valid: s.attestationValid ?? null,
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
  const corr = input.correlation_id;
  const tenant = input.tenant_id;
  const cap = input.capability_id;
  const st: DenyState = {
    input,
    sCorr: typeof corr === 'string' ? stripControlChars(corr) : corr,
    sTenant: typeof tenant === 'string' ? stripControlChars(tenant) : tenant,
    sCap: typeof cap === 'string' ? stripControlChars(cap) : cap,
    now: ctx.now ?? defaultNow,
    newId: ctx.newId ?? defaultNewId,
    dry: input.dry_run === true,
  };
  return buildDeny(st, code, message, extras, { ruleId: PRE_ROUTING });
}

function ruleInvalid(st: DenyState, rule: CompiledRule, problem: string, s: DenyShape): RouteDecision {
  return buildDeny(st, C.RULES_INVALID, M.DENY_RULES_INVALID, { rule_index: rule.index, problem }, s);
}

/** pyhall's availability check: only `true` counts, and a predicate that throws means unavailable. */
function candidateAvailable(ctx: DecideContext, wid: string | null): boolean {
  if (wid === null) return false;
  try {
    return ctx.workerAvailable(wid) === true;
  } catch {
    return false;
  }
}

export function decide(input: RouteInput, ctx: DecideContext, opts?: DecideOptions): RouteDecision {
  const now = ctx.now ?? defaultNow;
  const newId = ctx.newId ?? defaultNewId;
  const dry = input.dry_run === true;
  const corr = input.correlation_id;
  const tenant = input.tenant_id;
  const cap = input.capability_id;
  const sCorr = typeof corr === 'string' ? stripControlChars(corr) : corr;
  const sTenant = typeof tenant === 'string' ? stripControlChars(tenant) : tenant;
  const sCap = typeof cap === 'string' ? stripControlChars(cap) : cap;

  const st: DenyState = { input, sCorr, sTenant, sCap, now, newId, dry };

  const cfg = effectiveConfig(ctx);
  const getRegistered =
    ctx.getRegisteredHash ?? (ctx.registryClient ? (s: string) => ctx.registryClient!.getWorkerHash(s) : null);

  // 0. signatory tenants
  if (cfg && cfg.require_signatory && !tenantAllowed(cfg.allowed_tenants, tenant)) {
    return buildDeny(st, C.UNKNOWN_TENANT, M.DENY_UNKNOWN_TENANT, { tenant_id: tenant }, { ruleId: PRE_ROUTING });
  }
  // 0'. require_credential only warns (pyhall v0.1)
  if (cfg && cfg.require_credential) ctx.onWarning?.(REQUIRE_CREDENTIAL_WARNING);
  // 0.1 tenant presence (reachable only when validation was bypassed)
  if (typeof tenant !== 'string' || isPyBlank(tenant)) {
    return buildDeny(st, C.MISSING_TENANT_ID, M.DENY_MISSING_TENANT_ID, null, { ruleId: PRE_ROUTING });
  }
  // 0.25 blast_score range
  const bs = input.blast_score;
  if (bs !== null && bs !== undefined && (bs < 0 || bs > 100)) {
    return buildDeny(st, C.INVALID_INPUT, M.DENY_INVALID_INPUT, { blast_score: bs }, { ruleId: PRE_ROUTING });
  }
  const prodEdge = PROD_EDGE(input.env);
  // 0.5 shadow rules, prod/edge only (analysed once per rule set)
  if (prodEdge) {
    const sh = ctx.rules.shadows();
    if (!sh.ok) return buildDeny(st, C.RULES_INVALID, M.DENY_RULES_INVALID, { problem: sh.problem }, { ruleId: NO_MATCH });
    if (sh.ids.length > 0) {
      return buildDeny(st, 
        C.SHADOW_RULES_DETECTED,
        M.DENY_SHADOW_RULES_DETECTED,
        { shadowed_rule_ids: [...sh.ids], shadow_count: sh.ids.length },
        { ruleId: NO_MATCH },
      );
    }
  }
  // 1. first matching rule
  const m = ctx.rules.firstMatch(cap, input.env, input.data_label, input.tenant_risk, input.qos_class, tenant);
  if (m === -1) return buildDeny(st, C.NO_MATCHING_RULE, M.DENY_NO_MATCHING_RULE, null, { ruleId: NO_MATCH });
  if (m < -1) {
    const bad = ctx.rules.rules[-(m + 3)]!;
    const problem = bad.conds.find((c) => c.problem)?.problem ?? 'invalid match condition';
    return buildDeny(st, C.RULES_INVALID, M.DENY_RULES_INVALID, { rule_index: bad.index, problem }, { ruleId: NO_MATCH });
  }
  const rule: CompiledRule = ctx.rules.rules[m]!;
  if (rule.problemAtMatch) {
    return buildDeny(st, 
      C.RULES_INVALID,
      M.DENY_RULES_INVALID,
      { rule_index: rule.index, problem: rule.problemAtMatch },
      { ruleId: typeof rule.raw.rule_id === 'string' ? rule.ruleId : NO_MATCH },
    );
  }
  const ruleId = rule.ruleId;
  const required = rule.required;

  // 2. preconditions / correlation id
  const pre = rule.preconditions;
  if (!pre) return ruleInvalid(st, rule, rule.preconditionsProblem!, { ruleId, required });
  const corrFloor = cfg ? cfg.enforce_correlation_id : true;
  if ((pre.must_have_correlation_id || corrFloor) && (typeof corr !== 'string' || isPyBlank(corr))) {
    return buildDeny(st, C.MISSING_CORRELATION_ID, M.DENY_MISSING_CORRELATION_ID, null, { ruleId, required, pre });
  }
  // 3. required controls
  const ctrlFloor = cfg ? cfg.enforce_required_controls : true;
  const enforceControls = pre.deny_if_missing_required_controls || ctrlFloor;
  const wf = ctx.workerFacts;
  // Trusted-facts mode: candidate selection (pure) runs here, so that required controls and the blast
  // score are the selected worker's own; its NO_AVAILABLE_WORKER deny still comes at step 6.
  let tRanked: CandidateWorker[] | null = null;
  let tSelected: string | null = null;
  let held: number | null = null;
  if (wf) {
    const specs = rule.candidates;
    if (!specs) return ruleInvalid(st, rule, rule.candidatesProblem!, { ruleId, required, pre });
    tRanked = new Array(specs.length);
    let lacking: Set<string> | null = null;
    let considered: { worker_species_id: string; missing: string[] }[] | null = null;
    for (let i = 0; i < specs.length; i++) {
      const c = specs[i]!;
      const available = candidateAvailable(ctx, c.wid);
      let skip: string | null;
      if (!available) skip = 'unavailable';
      else if (tSelected !== null) skip = 'already_selected';
      else {
        let facts: WorkerFacts | null | undefined = null;
        try {
          facts = wf(c.wid!);
        } catch {
          facts = null;
        }
        let miss: string[] | null = null;
        if (enforceControls) {
          for (const r of required) {
            let has = false;
            try {
              has = ctx.controlsPresent.has(r) === true || (!!facts && facts.controls.has(r) === true);
            } catch {
              has = false;
            }
            if (!has) (miss ??= []).push(r);
          }
        }
        if (miss) {
          skip = 'missing_required_controls';
          lacking ??= new Set();
          for (const m of miss) lacking.add(m);
          if ((considered ??= []).length < 50) considered.push({ worker_species_id: c.wid!, missing: miss });
        } else {
          tSelected = c.wid;
          held = heldScore(facts?.blast_score);
          skip = null;
        }
      }
      tRanked[i] = { worker_species_id: c.wid ?? '__missing__', score_hint: c.score, requires_controls_minimum: null, skip_reason: skip };
    }
    if (opts?.report) {
      opts.report.worker_species_id = tSelected;
      opts.report.held_blast_score = held;
    }
    if (tSelected === null && lacking) {
      const missing = required.filter((r) => lacking!.has(r));
      return buildDeny(st, C.MISSING_REQUIRED_CONTROLS, TRUSTED_MISSING_CONTROLS_MESSAGE, { missing, workers_considered: considered }, {
        ruleId,
        required,
        pre,
        candidates: tRanked,
      });
    }
  } else if (enforceControls) {
    let missing: string[] | null = null;
    for (const c of required) if (!ctx.controlsPresent.has(c)) (missing ??= []).push(c);
    if (missing) {
      return buildDeny(st, C.MISSING_REQUIRED_CONTROLS, M.DENY_MISSING_REQUIRED_CONTROLS, { missing }, { ruleId, required, pre });
    }
  }
  // 4. blast gate
  const blastFloor = cfg ? cfg.enforce_blast_scoring_in_prod : true;
  const blastRuns = rule.needsBlast || (prodEdge && blastFloor);
  let gated: number | null = null;
  if (blastRuns) {
    const score = blastHeuristic(input);
    gated = bs !== null && bs !== undefined && bs > score ? bs : score;
    if (held !== null && held > gated) gated = held;
    if (prodEdge && gated >= BLAST_THRESHOLD) {
      const esc = rule.escalationProblem?.startsWith('escalation must')
        ? rule.escalationProblem
        : buildEscalation(rule.escRaw, { human_required_default: true, rationale: 'REQUIRE_HUMAN_HIGH_BLAST' });
      if (typeof esc === 'string') return ruleInvalid(st, rule, esc, { ruleId, required, pre });
      return buildDeny(st, 
        C.REQUIRES_HUMAN,
        M.DENY_REQUIRES_HUMAN,
        { blast_score: gated, reason: 'REQUIRE_HUMAN_HIGH_BLAST' },
        { ruleId, required, pre, esc },
      );
    }
  }
  // 5. policy gate
  const escalation = rule.escalation;
  if (!escalation) return ruleInvalid(st, rule, rule.escalationProblem!, { ruleId, required, pre });
  let policyVersion: unknown = 'policy.v0';
  let gatedReason = 'no_gate_required';
  let approvalId: string | null = null;
  let gateReasonForApproval: unknown = null;
  if (escalation.policy_gate) {
    const s: DenyShape = { ruleId, required, pre, esc: escalation };
    if (!ctx.policy && !ctx.policyGate) return buildDeny(st, C.POLICY_GATE_UNCONFIGURED, M.DENY_POLICY_GATE_UNCONFIGURED, null, s);
    const gctx: GateContext = {
      capability_id: cap,
      tenant_id: tenant,
      env: input.env,
      data_label: input.data_label,
      tenant_risk: input.tenant_risk,
      qos_class: input.qos_class,
      policy_version: 'policy.v0',
    };
    const facts = { blast_score: gated ?? Math.max(blastHeuristic(input), bs ?? 0, held ?? 0) };
    let decision: unknown;
    let version: unknown;
    let reason: unknown;
    let supervisorLevel: string | undefined;
    try {
      if (ctx.policy) {
        const r = ctx.policy.evaluate(gctx, facts);
        decision = r.decision;
        version = r.policy_version;
        reason = r.reason;
        supervisorLevel = r.supervisor_level;
      } else {
        const r = ctx.policyGate!(gctx, facts);
        if (!Array.isArray(r) || r.length !== 3) throw new TypeError('gate result is not a 3-element array');
        [decision, version, reason] = r;
      }
    } catch {
      return buildDeny(st, C.INTERNAL_ERROR, M.DENY_INTERNAL_ERROR, null, s);
    }
    const approved = decision === 'REQUIRE_HUMAN' && !!opts?.approvedHumanGate;
    if ((decision === 'DENY' || (decision === 'REQUIRE_HUMAN' && !approved)) && reason !== null && typeof reason !== 'string') {
      // pyhall crashes here (Escalation.rationale must be a string): a malformed gate fails closed.
      return buildDeny(st, C.INTERNAL_ERROR, M.DENY_INTERNAL_ERROR, null, s);
    }
    if (decision === 'DENY') {
      const esc = buildEscalation(rule.escRaw, { rationale: reason as string | null });
      if (typeof esc === 'string') return ruleInvalid(st, rule, esc, s);
      return buildDeny(st, C.POLICY_GATE, M.DENY_POLICY_GATE, { reason, policy_version: version }, { ...s, esc });
    }
    if (decision === 'REQUIRE_HUMAN' && !approved) {
      const esc = buildEscalation(rule.escRaw, { human_required_default: true, rationale: reason as string | null });
      if (typeof esc === 'string') return ruleInvalid(st, rule, esc, s);
      const extras: Record<string, unknown> = { reason, policy_version: version, supervisor_required: true };
      if (supervisorLevel !== undefined) extras.supervisor_level = supervisorLevel;
      return buildDeny(st, C.REQUIRES_HUMAN_APPROVAL, M.DENY_REQUIRES_HUMAN_APPROVAL, extras, { ...s, esc });
    }
    if (decision !== 'ALLOW' && !approved) {
      const esc = buildEscalation(rule.escRaw, { rationale: 'invalid_gate_response' });
      if (typeof esc === 'string') return ruleInvalid(st, rule, esc, s);
      return buildDeny(st, C.POLICY_GATE_INVALID_RESPONSE, gateInvalidResponseMessage(pyRepr(decision)), null, { ...s, esc });
    }
    policyVersion = version;
    gatedReason = 'policy_gate_allow';
    if (approved) {
      approvalId = opts!.approvedHumanGate!.approval_id;
      gateReasonForApproval = reason;
      gatedReason = 'human_approved';
    }
  }
  // 6. candidate selection (availability asked for every candidate, even after a selection)
  let ranked: CandidateWorker[];
  let selected: string | null = null;
  if (tRanked) {
    ranked = tRanked;
    selected = tSelected;
  } else {
    const specs = rule.candidates;
    if (!specs) return ruleInvalid(st, rule, rule.candidatesProblem!, { ruleId, required, pre, esc: escalation });
    ranked = new Array(specs.length);
    for (let i = 0; i < specs.length; i++) {
      const c = specs[i]!;
      const available = candidateAvailable(ctx, c.wid);
      let skip: string | null;
      if (!available) skip = 'unavailable';
      else if (selected === null) {
        selected = c.wid;
        skip = null;
      } else skip = 'already_selected';
      ranked[i] = { worker_species_id: c.wid ?? '__missing__', score_hint: c.score, requires_controls_minimum: null, skip_reason: skip };
    }
  }
  if (selected === null) {
    return buildDeny(st, C.NO_AVAILABLE_WORKER, M.DENY_NO_AVAILABLE_WORKER, null, {
      ruleId,
      required,
      pre,
      esc: escalation,
      candidates: ranked,
    });
  }
  const after: DenyShape = { ruleId, required, pre, esc: escalation };
  // 6.5 worker code attestation
  let attChecked = false;
  let attValid: boolean | null = null;
  const attRuns = !!cfg && cfg.require_worker_attestation;
  if (attRuns) {
    const getCurrent = ctx.getCurrentHash;
    if (!getRegistered || !getCurrent) return buildDeny(st, C.ATTESTATION_UNCONFIGURED, M.DENY_ATTESTATION_UNCONFIGURED, null, after);
    let registered: unknown = null;
    let current: unknown = null;
    try {
      registered = getRegistered(selected);
    } catch {
      registered = null;
    }
    try {
      current = getCurrent(selected);
    } catch {
      current = null;
    }
    if (registered === null || registered === undefined)
      return buildDeny(st, C.WORKER_ATTESTATION_MISSING, attestationMissingMessage(selected), null, after);
    if (!isSha256Hex(registered))
      return buildDeny(st, C.WORKER_ATTESTATION_INVALID_HASH, attestationInvalidHashMessage(selected), null, after);
    if (!isSha256Hex(current)) return buildDeny(st, C.WORKER_HASH_UNAVAILABLE, hashUnavailableMessage(selected), null, after);
    if (current !== registered) {
      return buildDeny(st, C.WORKER_TAMPERED, tamperedMessage(selected), { worker_species_id: selected }, {
        ...after,
        attestationChecked: true,
        attestationValid: false,
      });
    }
    attChecked = true;
    attValid = true;
  }
  // 6.6 edgehall post-selection hook (ban list etc.)
  if (ctx.afterSelect) {
    let verdict: PostSelectDeny | null | undefined;
    try {
      verdict = ctx.afterSelect({ input, rule_id: ruleId, worker_species_id: selected, worker_attestation_checked: attChecked });
    } catch {
      return buildDeny(st, C.INTERNAL_ERROR, POST_SELECT_INTERNAL_ERROR_MESSAGE, null, after);
    }
    if (verdict) return buildDeny(st, verdict.code, verdict.message, verdict.extras ?? null, after);
  }
  // 6.7 privilege envelope
  const privRuns = rule.needsPrivilege || (!!cfg && cfg.enforce_privilege_envelopes);
  if (privRuns) {
    const getEnv = ctx.getPrivilegeEnvelope;
    const allows = ctx.policyAllowsPrivilege;
    if (!getEnv || !allows) return buildDeny(st, C.PRIVILEGE_ENVELOPE_UNCONFIGURED, M.DENY_PRIVILEGE_ENVELOPE_UNCONFIGURED, null, after);
    let res: unknown;
    try {
      const envelope = getEnv(selected);
      res = allows(input.env, input.data_label, envelope);
      if (!Array.isArray(res) || res.length !== 2) throw new TypeError('privilege policy must return [allowed, reason]');
    } catch {
      return buildDeny(st, C.INTERNAL_ERROR, PRIVILEGE_INTERNAL_ERROR_MESSAGE, null, after);
    }
    const [allowed, reason] = res as [unknown, unknown];
    if (allowed !== true) {
      return buildDeny(st, 
        C.PRIVILEGE_ENVELOPE_VIOLATED,
        privilegeViolatedMessage(input.env, input.data_label, pyStr(reason)),
        { reason, worker_species_id: selected },
        after,
      );
    }
  }
  // 8 (checked before telemetry so a malformed rule still fails closed)
  const profiles = rule.profiles;
  if (!profiles) return ruleInvalid(st, rule, rule.profilesProblem!, after);

  // 7. telemetry, allow path (one clock read per decision, shared by its events)
  const ts = isoTimestamp(now());
  const events: TelemetryEvent[] = [];
  if (blastRuns) {
    events.push({
      event_id: 'evt.gov.blast_scored',
      timestamp: ts,
      correlation_id: sCorr,
      tenant_id: sTenant,
      env: input.env,
      data_label: input.data_label,
      policy_version: policyVersion,
      blast_score: gated,
      decision: 'ALLOW',
    });
  }
  if (privRuns) {
    events.push({
      event_id: 'evt.gov.privilege_envelope.checked',
      timestamp: ts,
      correlation_id: sCorr,
      tenant_id: sTenant,
      env: input.env,
      data_label: input.data_label,
      policy_version: policyVersion,
      worker_species_id: selected,
      decision: 'ALLOW',
    });
  }
  if (!attRuns && prodEdge) {
    events.push({
      event_id: 'evt.os.worker.attestation_skipped',
      correlation_id: sCorr,
      worker_species_id: selected,
      env: input.env,
      reason: ATTESTATION_SKIPPED_REASON,
      severity: 'warn',
    });
  }
  events.push(
    {
      event_id: 'evt.os.task.routed',
      timestamp: ts,
      correlation_id: sCorr,
      tenant_id: sTenant,
      task_id: ctx.taskId ?? 'task_default',
      capability_id: sCap,
      matched_rule_id: ruleId,
      selected_worker_species_id: selected,
      policy_version: policyVersion,
      qos_class: input.qos_class,
    },
    {
      event_id: 'evt.os.worker.selected',
      timestamp: ts,
      correlation_id: sCorr,
      tenant_id: sTenant,
      capability_id: sCap,
      selected_worker_species_id: selected,
      reason: 'first_available_candidate',
    },
  );
  const gatedEvt: TelemetryEvent = {
    event_id: 'evt.os.policy.gated',
    timestamp: ts,
    correlation_id: sCorr,
    tenant_id: sTenant,
    capability_id: sCap,
    decision: 'ALLOW',
    policy_version: policyVersion,
    reason: gatedReason,
  };
  if (approvalId !== null) {
    gatedEvt.approval_id = approvalId;
    gatedEvt.gate_reason = gateReasonForApproval;
  }
  events.push(gatedEvt);
  if (dry) for (const e of events) e.dry_run = true;

  // 8-9. assembly, artifact hash, dry_run
  const decision: RouteDecision = {
    decision_id: newId(),
    timestamp: ts,
    correlation_id: corr,
    tenant_id: tenant,
    capability_id: cap,
    matched_rule_id: ruleId,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    denied: false,
    deny_reason_if_denied: null,
    selected_worker_species_id: selected,
    candidate_workers_ranked: ranked,
    required_controls_effective: [...required],
    recommended_profiles_effective: profiles.length ? profiles.map((p) => ({ ...p })) : [],
    escalation_effective: { ...escalation, human_required_if: [...escalation.human_required_if] },
    preconditions_checked: { ...pre },
    artifact_hash: computeArtifactHash(input),
    worker_attestation_checked: attChecked,
    worker_attestation_valid: attValid,
    dry_run: dry,
    telemetry_envelopes: events,
  };
  // 9.8 registry client (also for dry runs, as in pyhall)
  if (ctx.registryClient) {
    try {
      ctx.registryClient.recordDecision(decision);
    } catch {
      // Recording is best-effort in pyhall too; the decision stands.
    }
  }
  return decision;
}
