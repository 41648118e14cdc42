// decide(): the WCP decision pipeline (BEHAVIOR.md §3) as the list of its steps. Each step reads and
// extends one decision state (Run) and returns a deny or null; the first deny wins and nothing after
// it runs. Synchronous and pure apart from the injected callbacks; after input validation it never throws.
import { isSha256Hex } from '../util/sha256.js';
import { computeArtifactHash } from './artifact-hash.js';
import { BLAST_THRESHOLD, blastHeuristic, heldScore, isProdOrEdge } from './blast.js';
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
import type { DecideContext, DecideOptions, PostSelectDeny, WorkerFacts } from './decide-context.js';
import { NO_MATCH, PRE_ROUTING, buildDeny, sanitizeId, type DenyDetails, type DenyState } from './deny.js';
import { isPyBlank, pyRepr, pyStr } from './pyfns.js';
import { buildEscalation, type CompiledRule } from './rules.js';
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

export type {
  DecideContext,
  DecideOptions,
  PolicyGateFn,
  PostSelectDeny,
  PostSelectInfo,
  RegistryClientHook,
  TrustedFactsReport,
  WorkerFacts,
} from './decide-context.js';
export { blastHeuristic, trustedBlastScore } from './blast.js';
export { denyBeforeRouting } from './deny.js';

export function decide(input: RouteInput, ctx: DecideContext, opts?: DecideOptions): RouteDecision {
  const r = new Run(input, ctx, opts); // W. registry-client wiring
  return (
    signatory(r) ?? //                  0, 0'
    tenantPresent(r) ?? //              0.1
    blastScoreInRange(r) ?? //          0.25
    noShadowRules(r) ?? //              0.5
    firstMatchingRule(r) ?? //          1
    correlationId(r) ?? //              2
    requiredControls(r) ?? //           3
    blastGate(r) ?? //                  4
    policyGate(r) ?? //                 5
    selectWorker(r) ?? //               6
    workerAttestation(r) ?? //          6.5
    afterSelectHook(r) ?? //            6.6 (edgehall)
    privilegeEnvelope(r) ?? //          6.7
    recommendedProfiles(r) ?? //        8, checked before telemetry so a malformed rule still fails closed
    allow(r) //                         7-9.8
  );
}

// ---------------------------------------------------------------------------------------------------
// The decision state

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

/** W. The effective Hall config after pyhall's registry-client wiring (bug 16.1 included). */
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

/**
 * One decision in progress: the input and context, and what each step has established so far.
 * Every field is assigned in the constructor, in one order (one hidden class, plain stores).
 */
class Run implements DenyState {
  declare readonly input: RouteInput;
  declare readonly ctx: DecideContext;
  declare readonly opts: DecideOptions | undefined;
  declare readonly sCorr: string;
  declare readonly sTenant: string;
  declare readonly sCap: string;
  declare readonly now: () => number;
  declare readonly newId: () => string;
  declare readonly dry: boolean;
  declare readonly prodEdge: boolean;
  /** W: the Hall config in effect, and the registered-hash lookup (the registry client's if none given). */
  declare readonly cfg: HallConfig | null;
  declare readonly getRegistered: ((species: string) => unknown) | null;

  /** PRE_ROUTING; NO_MATCH from step 0.5; the matched rule's id from step 1. */
  declare ruleId: string;
  declare rule: CompiledRule | null; // 1
  declare required: readonly string[] | null; // 1
  declare pre: PreconditionsChecked | null; // 2
  declare ranked: CandidateWorker[] | null; // 3 (trusted facts) or 6
  declare selected: string | null; // 3 (trusted facts) or 6
  /** 3: the selected worker's record blast score (trusted facts). */
  declare held: number | null;
  declare blastRuns: boolean; // 4
  /** 4: the gated blast score. */
  declare gated: number | null;
  declare escalation: Escalation | null; // 5
  declare policyVersion: unknown; // 5
  declare gatedReason: string; // 5
  /** 5: the human approval that let a REQUIRE_HUMAN gate pass, and the gate's reason. */
  declare approvalId: string | null;
  declare gateReasonForApproval: unknown;
  declare attRuns: boolean; // 6.5
  declare attChecked: boolean; // 6.5
  declare attValid: boolean | null; // 6.5
  declare privRuns: boolean; // 6.7

  constructor(input: RouteInput, ctx: DecideContext, opts: DecideOptions | undefined) {
    this.input = input;
    this.ctx = ctx;
    this.opts = opts;
    this.sCorr = sanitizeId(input.correlation_id);
    this.sTenant = sanitizeId(input.tenant_id);
    this.sCap = sanitizeId(input.capability_id);
    this.now = ctx.now ?? defaultNow;
    this.newId = ctx.newId ?? defaultNewId;
    this.dry = input.dry_run === true;
    this.prodEdge = isProdOrEdge(input.env);
    this.cfg = effectiveConfig(ctx);
    const client = ctx.registryClient;
    this.getRegistered = ctx.getRegisteredHash ?? (client ? (s: string) => client.getWorkerHash(s) : null);
    this.ruleId = PRE_ROUTING;
    this.rule = null;
    this.required = null;
    this.pre = null;
    this.ranked = null;
    this.selected = null;
    this.held = null;
    this.blastRuns = false;
    this.gated = null;
    this.escalation = null;
    this.policyVersion = 'policy.v0';
    this.gatedReason = 'no_gate_required';
    this.approvalId = null;
    this.gateReasonForApproval = null;
    this.attRuns = false;
    this.attChecked = false;
    this.attValid = null;
    this.privRuns = false;
  }
}

/** DENY_RULES_INVALID for the matched rule, naming what is wrong with it. */
function ruleInvalid(r: Run, problem: string, details?: DenyDetails): RouteDecision {
  return buildDeny(r, C.RULES_INVALID, M.DENY_RULES_INVALID, { rule_index: r.rule!.index, problem }, details);
}

// ---------------------------------------------------------------------------------------------------
// The steps, in pipeline order

const allowedTenantSets = new WeakMap<readonly string[], Set<string>>();
function tenantAllowed(list: readonly string[], tenant: string): boolean {
  let s = allowedTenantSets.get(list);
  if (!s) allowedTenantSets.set(list, (s = new Set(list)));
  return s.has(tenant);
}

/** 0. Signatory tenants; 0'. require_credential only warns (pyhall v0.1). */
function signatory(r: Run): RouteDecision | null {
  const cfg = r.cfg;
  if (!cfg) return null;
  if (cfg.require_signatory && !tenantAllowed(cfg.allowed_tenants, r.input.tenant_id))
    return buildDeny(r, C.UNKNOWN_TENANT, M.DENY_UNKNOWN_TENANT, { tenant_id: r.input.tenant_id });
  if (cfg.require_credential) r.ctx.onWarning?.(REQUIRE_CREDENTIAL_WARNING);
  return null;
}

/** 0.1 Tenant presence (reachable only when validation was bypassed). */
function tenantPresent(r: Run): RouteDecision | null {
  const tenant = r.input.tenant_id;
  if (typeof tenant === 'string' && !isPyBlank(tenant)) return null;
  return buildDeny(r, C.MISSING_TENANT_ID, M.DENY_MISSING_TENANT_ID, null);
}

/** 0.25 blast_score within [0, 100]. */
function blastScoreInRange(r: Run): RouteDecision | null {
  const bs = r.input.blast_score;
  if (bs === null || bs === undefined || (bs >= 0 && bs <= 100)) return null;
  return buildDeny(r, C.INVALID_INPUT, M.DENY_INVALID_INPUT, { blast_score: bs });
}

/** 0.5 No shadowed rules, prod/edge only (analysed once per rule set). Routing starts here. */
function noShadowRules(r: Run): RouteDecision | null {
  r.ruleId = NO_MATCH;
  if (!r.prodEdge) return null;
  const sh = r.ctx.rules.shadows();
  if (!sh.ok) return buildDeny(r, C.RULES_INVALID, M.DENY_RULES_INVALID, { problem: sh.problem });
  if (sh.ids.length === 0) return null;
  return buildDeny(r, C.SHADOW_RULES_DETECTED, M.DENY_SHADOW_RULES_DETECTED, {
    shadowed_rule_ids: [...sh.ids],
    shadow_count: sh.ids.length,
  });
}

/** 1. The first rule whose match accepts the input. */
function firstMatchingRule(r: Run): RouteDecision | null {
  const { input, ctx } = r;
  const m = ctx.rules.firstMatch(input.capability_id, input.env, input.data_label, input.tenant_risk, input.qos_class, input.tenant_id);
  const rule = m >= 0 ? ctx.rules.rules[m]! : null;
  if (!rule || rule.problemAtMatch) return noUsableRule(r, m, rule);
  r.rule = rule;
  r.ruleId = rule.ruleId;
  r.required = rule.required;
  return null;
}

/** 1, denied: no rule matched, a condition could not be evaluated, or the matched rule is broken. */
function noUsableRule(r: Run, m: number, rule: CompiledRule | null): RouteDecision {
  if (m === -1) return buildDeny(r, C.NO_MATCHING_RULE, M.DENY_NO_MATCHING_RULE, null);
  if (!rule) {
    const bad = r.ctx.rules.rules[-(m + 3)]!;
    const problem = bad.conds.find((c) => c.problem)?.problem ?? 'invalid match condition';
    return buildDeny(r, C.RULES_INVALID, M.DENY_RULES_INVALID, { rule_index: bad.index, problem });
  }
  const ruleId = typeof rule.raw.rule_id === 'string' ? rule.ruleId : NO_MATCH;
  return buildDeny(r, C.RULES_INVALID, M.DENY_RULES_INVALID, { rule_index: rule.index, problem: rule.problemAtMatch }, { ruleId });
}

/** 2. The rule's preconditions, and the correlation id (the rule or the Hall floor requires it). */
function correlationId(r: Run): RouteDecision | null {
  const rule = r.rule!;
  const pre = rule.preconditions;
  if (!pre) return ruleInvalid(r, rule.preconditionsProblem!);
  r.pre = pre;
  const floor = r.cfg ? r.cfg.enforce_correlation_id : true;
  const corr = r.input.correlation_id;
  if ((pre.must_have_correlation_id || floor) && (typeof corr !== 'string' || isPyBlank(corr)))
    return buildDeny(r, C.MISSING_CORRELATION_ID, M.DENY_MISSING_CORRELATION_ID, null);
  return null;
}

/** 3. Required controls: present in the Hall (pyhall), or on each candidate's own record (trusted facts). */
function requiredControls(r: Run): RouteDecision | null {
  const floor = r.cfg ? r.cfg.enforce_required_controls : true;
  const enforce = r.pre!.deny_if_missing_required_controls || floor;
  const facts = r.ctx.workerFacts;
  if (facts) return controlsOnOwnRecords(r, facts, enforce);
  if (!enforce) return null;
  let missing: string[] | null = null;
  for (const c of r.required!) if (!r.ctx.controlsPresent.has(c)) (missing ??= []).push(c);
  return missing ? buildDeny(r, C.MISSING_REQUIRED_CONTROLS, M.DENY_MISSING_REQUIRED_CONTROLS, { missing }) : null;
}

const TRUSTED_MISSING_CONTROLS_MESSAGE =
  'No available candidate worker implements every required control in its own registry record (controls of other workers do not count). ' +
  "Add the missing controls to the candidate's record and enroll it again, or change the rule.";

/**
 * 3, trusted facts: candidate selection (pure) runs here, so that the required controls and the blast
 * score are the selected worker's own; a candidate lacking a control is skipped. Its
 * DENY_NO_AVAILABLE_WORKER still comes at step 6.
 */
function controlsOnOwnRecords(r: Run, workerFacts: (species: string) => WorkerFacts | null | undefined, enforce: boolean): RouteDecision | null {
  const { ctx, rule } = r;
  const specs = rule!.candidates;
  if (!specs) return ruleInvalid(r, rule!.candidatesProblem!);
  const required = r.required!;
  const ranked: CandidateWorker[] = new Array(specs.length);
  let selected: string | null = null;
  let lacking: Set<string> | null = null;
  let considered: { worker_species_id: string; missing: string[] }[] | null = null;
  for (let i = 0; i < specs.length; i++) {
    const c = specs[i]!;
    let skip: string | null;
    if (!candidateAvailable(ctx, c.wid)) skip = 'unavailable';
    else if (selected !== null) skip = 'already_selected';
    else {
      let facts: WorkerFacts | null | undefined = null;
      try {
        facts = workerFacts(c.wid!);
      } catch {
        facts = null;
      }
      let miss: string[] | null = null;
      if (enforce) {
        for (const req of required) {
          let has = false;
          try {
            has = ctx.controlsPresent.has(req) === true || (!!facts && facts.controls.has(req) === true);
          } catch {
            has = false;
          }
          if (!has) (miss ??= []).push(req);
        }
      }
      if (miss) {
        skip = 'missing_required_controls';
        lacking ??= new Set();
        for (const m of miss) lacking.add(m);
        if ((considered ??= []).length < 50) considered.push({ worker_species_id: c.wid!, missing: miss });
      } else {
        selected = c.wid;
        r.held = heldScore(facts?.blast_score);
        skip = null;
      }
    }
    ranked[i] = { worker_species_id: c.wid ?? '__missing__', score_hint: c.score, requires_controls_minimum: null, skip_reason: skip };
  }
  r.ranked = ranked;
  r.selected = selected;
  const report = r.opts?.report;
  if (report) {
    report.worker_species_id = selected;
    report.held_blast_score = r.held;
  }
  if (selected !== null || !lacking) return null;
  const missing = required.filter((c) => lacking!.has(c));
  return buildDeny(r, C.MISSING_REQUIRED_CONTROLS, TRUSTED_MISSING_CONTROLS_MESSAGE, { missing, workers_considered: considered }, { candidates: ranked });
}

/** 4. Blast gate: a prod/edge request scoring 85 or more needs a human. */
function blastGate(r: Run): RouteDecision | null {
  const rule = r.rule!;
  const floor = r.cfg ? r.cfg.enforce_blast_scoring_in_prod : true;
  r.blastRuns = rule.needsBlast || (r.prodEdge && floor);
  if (!r.blastRuns) return null;
  const bs = r.input.blast_score;
  const score = blastHeuristic(r.input);
  let gated = bs !== null && bs !== undefined && bs > score ? bs : score;
  if (r.held !== null && r.held > gated) gated = r.held;
  r.gated = gated;
  return r.prodEdge && gated >= BLAST_THRESHOLD ? tooHighForAutonomy(r, rule, gated) : null;
}

/** 4, denied: DENY_REQUIRES_HUMAN, the rule's escalation with a human required. */
function tooHighForAutonomy(r: Run, rule: CompiledRule, gated: number): RouteDecision {
  const esc = rule.escalationProblem?.startsWith('escalation must')
    ? rule.escalationProblem
    : buildEscalation(rule.escRaw, { human_required_default: true, rationale: 'REQUIRE_HUMAN_HIGH_BLAST' });
  if (typeof esc === 'string') return ruleInvalid(r, esc);
  return buildDeny(r, C.REQUIRES_HUMAN, M.DENY_REQUIRES_HUMAN, { blast_score: gated, reason: 'REQUIRE_HUMAN_HIGH_BLAST' }, { esc });
}

/** What a policy gate answered (pyhall's 3-tuple, or the declarative policy's result). */
interface GateAnswer {
  decision: unknown;
  version: unknown;
  reason: unknown;
  supervisorLevel: string | undefined;
}

/** Asks the declarative policy or the callback gate; null when it throws or answers malformed. */
function askGate(r: Run): GateAnswer | null {
  const { input, ctx } = r;
  const gctx: GateContext = {
    capability_id: input.capability_id,
    tenant_id: input.tenant_id,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    policy_version: 'policy.v0',
  };
  const bs = input.blast_score;
  const facts = { blast_score: r.gated ?? Math.max(blastHeuristic(input), bs ?? 0, r.held ?? 0) };
  try {
    if (ctx.policy) {
      const p = ctx.policy.evaluate(gctx, facts);
      return { decision: p.decision, version: p.policy_version, reason: p.reason, supervisorLevel: p.supervisor_level };
    }
    const t = ctx.policyGate!(gctx, facts);
    if (!Array.isArray(t) || t.length !== 3) return null;
    return { decision: t[0], version: t[1], reason: t[2], supervisorLevel: undefined };
  } catch {
    return null;
  }
}

/** 5. Policy gate, when the rule's escalation asks for one: ALLOW, DENY or REQUIRE_HUMAN (or an approval). */
function policyGate(r: Run): RouteDecision | null {
  const rule = r.rule!;
  const escalation = rule.escalation;
  if (!escalation) return ruleInvalid(r, rule.escalationProblem!);
  r.escalation = escalation;
  return escalation.policy_gate ? consultGate(r, rule) : null;
}

/** 5, the gate runs: its verdict denies, asks for a human, or lets the request on (with its policy version). */
function consultGate(r: Run, rule: CompiledRule): RouteDecision | null {
  if (!r.ctx.policy && !r.ctx.policyGate) return buildDeny(r, C.POLICY_GATE_UNCONFIGURED, M.DENY_POLICY_GATE_UNCONFIGURED, null);
  const answer = askGate(r);
  if (!answer) return buildDeny(r, C.INTERNAL_ERROR, M.DENY_INTERNAL_ERROR, null);
  const { decision, version, reason } = answer;
  const approved = decision === 'REQUIRE_HUMAN' && !!r.opts?.approvedHumanGate;
  if ((decision === 'DENY' || (decision === 'REQUIRE_HUMAN' && !approved)) && reason !== null && typeof reason !== 'string') {
    // pyhall crashes here (Escalation.rationale must be a string): a malformed gate fails closed.
    return buildDeny(r, C.INTERNAL_ERROR, M.DENY_INTERNAL_ERROR, null);
  }
  if (decision === 'DENY') {
    const esc = buildEscalation(rule.escRaw, { rationale: reason as string | null });
    if (typeof esc === 'string') return ruleInvalid(r, esc);
    return buildDeny(r, C.POLICY_GATE, M.DENY_POLICY_GATE, { reason, policy_version: version }, { esc });
  }
  if (decision === 'REQUIRE_HUMAN' && !approved) {
    const esc = buildEscalation(rule.escRaw, { human_required_default: true, rationale: reason as string | null });
    if (typeof esc === 'string') return ruleInvalid(r, esc);
    const extras: Record<string, unknown> = { reason, policy_version: version, supervisor_required: true };
    if (answer.supervisorLevel !== undefined) extras.supervisor_level = answer.supervisorLevel;
    return buildDeny(r, C.REQUIRES_HUMAN_APPROVAL, M.DENY_REQUIRES_HUMAN_APPROVAL, extras, { esc });
  }
  if (decision !== 'ALLOW' && !approved) {
    const esc = buildEscalation(rule.escRaw, { rationale: 'invalid_gate_response' });
    if (typeof esc === 'string') return ruleInvalid(r, esc);
    return buildDeny(r, C.POLICY_GATE_INVALID_RESPONSE, gateInvalidResponseMessage(pyRepr(decision)), null, { esc });
  }
  r.policyVersion = version;
  r.gatedReason = 'policy_gate_allow';
  if (approved) {
    r.approvalId = r.opts!.approvedHumanGate!.approval_id;
    r.gateReasonForApproval = reason;
    r.gatedReason = 'human_approved';
  }
  return null;
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

/** 6. Candidate selection: the first available candidate (availability asked for every one, as pyhall). */
function selectWorker(r: Run): RouteDecision | null {
  if (r.ranked === null) {
    const specs = r.rule!.candidates;
    if (!specs) return ruleInvalid(r, r.rule!.candidatesProblem!);
    const ranked: CandidateWorker[] = new Array(specs.length);
    let selected: string | null = null;
    for (let i = 0; i < specs.length; i++) {
      const c = specs[i]!;
      let skip: string | null;
      if (!candidateAvailable(r.ctx, c.wid)) skip = 'unavailable';
      else if (selected === null) {
        selected = c.wid;
        skip = null;
      } else skip = 'already_selected';
      ranked[i] = { worker_species_id: c.wid ?? '__missing__', score_hint: c.score, requires_controls_minimum: null, skip_reason: skip };
    }
    r.ranked = ranked;
    r.selected = selected;
  }
  if (r.selected !== null) return null;
  return buildDeny(r, C.NO_AVAILABLE_WORKER, M.DENY_NO_AVAILABLE_WORKER, null, { candidates: r.ranked });
}

/** 6.5 Worker code attestation, when the Hall config requires it: registered hash = current hash. */
function workerAttestation(r: Run): RouteDecision | null {
  r.attRuns = !!r.cfg && r.cfg.require_worker_attestation;
  return r.attRuns ? attest(r) : null;
}

/** 6.5, attestation runs: both hashes must be there, well-formed and equal. */
function attest(r: Run): RouteDecision | null {
  const selected = r.selected!;
  const getRegistered = r.getRegistered;
  const getCurrent = r.ctx.getCurrentHash;
  if (!getRegistered || !getCurrent) return buildDeny(r, C.ATTESTATION_UNCONFIGURED, M.DENY_ATTESTATION_UNCONFIGURED, null);
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
    return buildDeny(r, C.WORKER_ATTESTATION_MISSING, attestationMissingMessage(selected), null);
  if (!isSha256Hex(registered)) return buildDeny(r, C.WORKER_ATTESTATION_INVALID_HASH, attestationInvalidHashMessage(selected), null);
  if (!isSha256Hex(current)) return buildDeny(r, C.WORKER_HASH_UNAVAILABLE, hashUnavailableMessage(selected), null);
  if (current !== registered) {
    return buildDeny(r, C.WORKER_TAMPERED, tamperedMessage(selected), { worker_species_id: selected }, {
      attestationChecked: true,
      attestationValid: false,
    });
  }
  r.attChecked = true;
  r.attValid = true;
  return null;
}

/** 6.6 edgehall's post-selection hook (ban list etc.), when given. */
function afterSelectHook(r: Run): RouteDecision | null {
  const hook = r.ctx.afterSelect;
  if (!hook) return null;
  let verdict: PostSelectDeny | null | undefined;
  try {
    verdict = hook({ input: r.input, rule_id: r.ruleId, worker_species_id: r.selected!, worker_attestation_checked: r.attChecked });
  } catch {
    return buildDeny(r, C.INTERNAL_ERROR, POST_SELECT_INTERNAL_ERROR_MESSAGE, null);
  }
  return verdict ? buildDeny(r, verdict.code, verdict.message, verdict.extras ?? null) : null;
}

/** 6.7 Privilege envelope, when the rule requires it or the Hall floor enforces it. */
function privilegeEnvelope(r: Run): RouteDecision | null {
  r.privRuns = r.rule!.needsPrivilege || (!!r.cfg && r.cfg.enforce_privilege_envelopes);
  return r.privRuns ? checkEnvelope(r) : null;
}

/** 6.7, the check runs: the privilege policy must allow the selected worker's envelope here. */
function checkEnvelope(r: Run): RouteDecision | null {
  const { input, ctx } = r;
  const selected = r.selected!;
  const getEnv = ctx.getPrivilegeEnvelope;
  const allows = ctx.policyAllowsPrivilege;
  if (!getEnv || !allows) return buildDeny(r, C.PRIVILEGE_ENVELOPE_UNCONFIGURED, M.DENY_PRIVILEGE_ENVELOPE_UNCONFIGURED, null);
  let res: unknown;
  try {
    const envelope = getEnv(selected);
    res = allows(input.env, input.data_label, envelope);
    if (!Array.isArray(res) || res.length !== 2) throw new TypeError('privilege policy must return [allowed, reason]');
  } catch {
    return buildDeny(r, C.INTERNAL_ERROR, PRIVILEGE_INTERNAL_ERROR_MESSAGE, null);
  }
  const [allowed, reason] = res as [unknown, unknown];
  if (allowed === true) return null;
  return buildDeny(r, C.PRIVILEGE_ENVELOPE_VIOLATED, privilegeViolatedMessage(input.env, input.data_label, pyStr(reason)), {
    reason,
    worker_species_id: selected,
  });
}

/** 8 (first half). The rule's recommended profiles are well-formed. */
function recommendedProfiles(r: Run): RouteDecision | null {
  return r.rule!.profiles ? null : ruleInvalid(r, r.rule!.profilesProblem!);
}

// ---------------------------------------------------------------------------------------------------
// The allowed decision

/** 7-9.8 Telemetry (one clock read, shared by the events), assembly, artifact hash, registry client. */
function allow(r: Run): RouteDecision {
  const ts = isoTimestamp(r.now());
  const decision = assembleAllowed(r, ts, allowTelemetry(r, ts));
  recordWithRegistryClient(r, decision);
  return decision;
}

const ATTESTATION_SKIPPED_REASON = 'require_worker_attestation=False or hall_config=None';

/** 7. Telemetry of the allow path, in pyhall's order (BEHAVIOR.md §12.1); dry runs tag every event. */
function allowTelemetry(r: Run, ts: string): TelemetryEvent[] {
  const { input, sCorr, sTenant, sCap, policyVersion } = r;
  const selected = r.selected;
  const events: TelemetryEvent[] = [];
  if (r.blastRuns) {
    events.push({
      event_id: 'evt.gov.blast_scored',
      timestamp: ts,
      correlation_id: sCorr,
      tenant_id: sTenant,
      env: input.env,
      data_label: input.data_label,
      policy_version: policyVersion,
      blast_score: r.gated,
      decision: 'ALLOW',
    });
  }
  if (r.privRuns) {
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
  if (!r.attRuns && r.prodEdge) {
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
      task_id: r.ctx.taskId ?? 'task_default',
      capability_id: sCap,
      matched_rule_id: r.ruleId,
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
    reason: r.gatedReason,
  };
  if (r.approvalId !== null) {
    gatedEvt.approval_id = r.approvalId;
    gatedEvt.gate_reason = r.gateReasonForApproval;
  }
  events.push(gatedEvt);
  if (r.dry) for (const e of events) e.dry_run = true;
  return events;
}

/** 8, 9, 9.5. The allowed decision: fresh copies of the rule's parts, the artifact hash, dry_run. */
function assembleAllowed(r: Run, ts: string, events: TelemetryEvent[]): RouteDecision {
  const { input } = r;
  const escalation = r.escalation!;
  const profiles = r.rule!.profiles!;
  return {
    decision_id: r.newId(),
    timestamp: ts,
    correlation_id: input.correlation_id,
    tenant_id: input.tenant_id,
    capability_id: input.capability_id,
    matched_rule_id: r.ruleId,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    denied: false,
    deny_reason_if_denied: null,
    selected_worker_species_id: r.selected,
    candidate_workers_ranked: r.ranked!,
    required_controls_effective: [...r.required!],
    recommended_profiles_effective: profiles.length ? profiles.map((p) => ({ ...p })) : [],
    escalation_effective: { ...escalation, human_required_if: [...escalation.human_required_if] },
    preconditions_checked: { ...r.pre! },
    artifact_hash: computeArtifactHash(input),
    worker_attestation_checked: r.attChecked,
    worker_attestation_valid: r.attValid,
    dry_run: r.dry,
    telemetry_envelopes: events,
  };
}

/** 9.8 The registry client records the decision (also for dry runs, as in pyhall); best-effort. */
function recordWithRegistryClient(r: Run, decision: RouteDecision): void {
  const client = r.ctx.registryClient;
  if (!client) return;
  try {
    client.recordDecision(decision);
  } catch {
    // Recording is best-effort in pyhall too; the decision stands.
  }
}
