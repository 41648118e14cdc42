// Wire types of the decision engine. These zod schemas are the single source of truth: the
// TypeScript types below are inferred from them. Input is strict (no lax coercion): "42" is not
// an integer and "yes" is not a boolean. Unknown RouteInput keys are dropped, as pyhall does.
import { z } from 'zod';
import { isPyBlank } from './pyfns.js';

export const ENVS = ['dev', 'stage', 'prod', 'edge'] as const;
export const DATA_LABELS = ['PUBLIC', 'INTERNAL', 'RESTRICTED'] as const;
export const TENANT_RISKS = ['low', 'medium', 'high'] as const;
export const QOS_CLASSES = ['P0', 'P1', 'P2', 'P3'] as const;

export const EnvSchema = z.enum(ENVS);
export const DataLabelSchema = z.enum(DATA_LABELS);
export const TenantRiskSchema = z.enum(TENANT_RISKS);
export const QosClassSchema = z.enum(QOS_CLASSES);
export type Env = z.infer<typeof EnvSchema>;
export type DataLabel = z.infer<typeof DataLabelSchema>;
export type TenantRisk = z.infer<typeof TenantRiskSchema>;
export type QosClass = z.infer<typeof QosClassSchema>;

const JsonObjectSchema = z.record(z.string(), z.unknown());

/** A caller's capability request (WCP §4.1, pyhall's RouteInput). */
export const RouteInputSchema = z.object({
  capability_id: z.string(),
  env: EnvSchema,
  data_label: DataLabelSchema,
  tenant_risk: TenantRiskSchema,
  qos_class: QosClassSchema,
  // pyhall rejects an empty or (Python-)whitespace-only tenant id before routing.
  tenant_id: z.string().refine((s) => !isPyBlank(s), {
    message: 'tenant_id must not be empty or whitespace-only',
  }),
  // An empty correlation id is accepted here and denied by the router (DENY_MISSING_CORRELATION_ID).
  correlation_id: z.string(),
  request: JsonObjectSchema.default({}),
  blast_radius: JsonObjectSchema.nullable().default(null),
  // Any integral number (pyhall accepts integers of any size; the router range-checks them).
  blast_score: z
    .number()
    .refine((n) => Number.isInteger(n), { message: 'blast_score must be an integer' })
    .nullable()
    .default(null),
  privilege_context: JsonObjectSchema.nullable().default(null),
  dry_run: z.boolean().default(false),
  tenant_credential: z.string().nullable().default(null),
});
export type RouteInput = z.infer<typeof RouteInputSchema>;
/** What a caller may send: optional fields may be omitted. */
export type RouteInputLike = z.input<typeof RouteInputSchema>;

const hallConfigShape = {
  require_signatory: z.boolean().default(false),
  allowed_tenants: z.array(z.string()).max(100_000).default([]),
  require_credential: z.boolean().default(false),
  require_worker_attestation: z.boolean().default(false),
  enforce_correlation_id: z.boolean().default(true),
  enforce_required_controls: z.boolean().default(true),
  enforce_blast_scoring_in_prod: z.boolean().default(true),
  enforce_privilege_envelopes: z.boolean().default(false),
};

/**
 * Hall-wide floors (pyhall HallConfig). Strict: an unknown key (a typo such as `requre_signatory`) is
 * refused with its path instead of silently leaving the floor at its default.
 */
export const HallConfigSchema = z.object(hallConfigShape).strict();
/** pyhall's reading (pydantic drops unknown keys): only for the compatibility mode (`mode: 'reference'`). */
export const HallConfigReferenceSchema = z.object(hallConfigShape);
export type HallConfig = z.infer<typeof HallConfigSchema>;
export type HallConfigLike = z.input<typeof HallConfigSchema>;

// ---- rules ---------------------------------------------------------------------------------
// Strict at every level: an unknown key (`"mach"` for `"match"`), a value outside the WCP enums or a
// wrong type is refused with its path. pyhall's lenient reading is compileRules(doc, {mode: 'reference'}).

/**
 * Limits of a rules document. They stay below the receipt limits (src/receipts/core.ts: strings at
 * most 512 characters, at most 256 controls), so building a receipt from a stored rule cannot throw.
 */
export const RULE_LIMITS = Object.freeze({
  rules: 10_000,
  ruleId: 256,
  /** capability, species and tenant ids named in a rule */
  id: 256,
  inList: 10_000,
  candidates: 1000,
  controls: 256,
  controlId: 128,
  profiles: 1000,
  humanRequiredIf: 1000,
  rationale: 2000,
});

const RuleId = z.string().min(1).max(RULE_LIMITS.id);

/** An enum of a document field whose refusal names the value and the allowed ones. */
function documentEnum<const T extends readonly [string, ...string[]]>(field: string, values: T) {
  return z.enum(values, {
    error: (iss) => {
      const v = iss.input;
      const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 100)) : v === null || typeof v !== 'object' ? String(v) : Array.isArray(v) ? 'a list' : 'an object';
      return `${shown} is not a WCP ${field} (allowed: ${values.join(', ')})`;
    },
  });
}
const RuleEnv = documentEnum('env', ENVS);
const RuleDataLabel = documentEnum('data_label', DATA_LABELS);
const RuleTenantRisk = documentEnum('tenant_risk', TENANT_RISKS);
const RuleQosClass = documentEnum('qos_class', QOS_CLASSES);

/**
 * A match condition over values of `value`: an exact value, `{"any": true}`, or `{"in": [values]}`
 * (at least one). The object form comes first so a wrong object reports its own problem.
 */
export function matchConditionSchema<T extends z.ZodType<string>>(value: T) {
  return z.union([
    z
      .object({ any: z.literal(true).optional(), in: z.array(value).min(1).max(RULE_LIMITS.inList).optional() })
      .strict()
      .refine((o) => (o.any !== undefined) !== (o.in !== undefined), {
        message: 'a condition object holds exactly one of "any": true or "in": [values]',
      }),
    value,
  ]);
}

export const MatchConditionSchema = matchConditionSchema(z.string());
export type MatchCondition = z.infer<typeof MatchConditionSchema>;

export const MISSING_MATCH_MESSAGE =
  'a rule needs a "match" object (a rule without one would match every request); write "match": {} for a deliberate catch-all';

/**
 * The fields a rule can match on. `tenant_id` scopes a rule to tenants (an edgehall extension; the
 * reference mode ignores it as pyhall does). Any other key is refused: the matcher would ignore it.
 */
export const RuleMatchSchema = z
  .object(
    {
      capability_id: matchConditionSchema(RuleId).optional(),
      env: matchConditionSchema(RuleEnv).optional(),
      data_label: matchConditionSchema(RuleDataLabel).optional(),
      tenant_risk: matchConditionSchema(RuleTenantRisk).optional(),
      qos_class: matchConditionSchema(RuleQosClass).optional(),
      tenant_id: matchConditionSchema(RuleId).optional(),
    },
    {
      error: (iss) =>
        iss.input === undefined || iss.input === null ? MISSING_MATCH_MESSAGE : undefined,
    },
  )
  .strict();
export type RuleMatch = z.infer<typeof RuleMatchSchema>;

export const CandidateSpecSchema = z
  .object({
    worker_species_id: RuleId,
    score_hint: z.number().nullable().optional(),
  })
  .strict();

export const EscalationSpecSchema = z
  .object({
    policy_gate: z.boolean().optional(),
    msavx_step_up: z.boolean().optional(),
    human_required_default: z.boolean().optional(),
    /** Recorded in the decision as given; not evaluated (lintRules warns). */
    human_required_if: z.array(JsonObjectSchema).max(RULE_LIMITS.humanRequiredIf).optional(),
    rationale: z.string().max(RULE_LIMITS.rationale).nullable().optional(),
  })
  .strict();

export const PreconditionsSpecSchema = z
  .object({
    must_have_correlation_id: z.boolean().optional(),
    must_attach_policy_version: z.boolean().optional(),
    must_record_artifact_hash_if_executes: z.boolean().optional(),
    deny_if_missing_required_controls: z.boolean().optional(),
    deny_if_unsigned_artifact_in_prod: z.boolean().optional(),
    deny_if_no_attestation_in_prod: z.boolean().optional(),
  })
  .strict();

export const RuleDecisionSpecSchema = z
  .object({
    candidate_workers_ranked: z.array(CandidateSpecSchema).max(RULE_LIMITS.candidates).optional(),
    required_controls_suggested: z
      .array(z.string().min(1).max(RULE_LIMITS.controlId))
      .max(RULE_LIMITS.controls)
      .optional(),
    escalation: EscalationSpecSchema.optional(),
    preconditions: PreconditionsSpecSchema.optional(),
    /** Free-form profile objects, copied into the decision. */
    recommended_profiles: z.array(JsonObjectSchema).max(RULE_LIMITS.profiles).optional(),
  })
  .strict();

export const RuleSchema = z
  .object({
    rule_id: z.string().min(1).max(RULE_LIMITS.ruleId),
    match: RuleMatchSchema,
    /** Absent: no candidates, so every request the rule matches is denied (lintRules warns). */
    decision: RuleDecisionSpecSchema.optional(),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

/** A rules document as stored and uploaded: `{"rules": [...]}` (first match wins). */
export const RulesDocumentSchema = z
  .object({
    rules: z.array(RuleSchema).max(RULE_LIMITS.rules),
  })
  .strict();
export type RulesDocument = z.infer<typeof RulesDocumentSchema>;

// ---- worker registry records (pyhall enrollment records, spec §6) ---------------------------
// Strict: a record with a key outside this list, or a value outside the WCP enums, is refused with
// its path (a typo must never become "field absent"). Vendor data goes under `extensions`.

export const RISK_TIERS = ['low', 'medium', 'high', 'critical'] as const;
export const IDEMPOTENCY_LEVELS = ['full', 'partial', 'none'] as const;
export const DETERMINISM_LEVELS = ['deterministic', 'captured', 'captured-deterministic', 'non-deterministic', 'nondeterministic'] as const;
export const REVERSIBILITY = ['reversible', 'partially_reversible', 'partially-reversible', 'difficult', 'irreversible'] as const;

const RecordId = z.string().min(1).max(256);
const RecordText = z.string().max(2000);
const IdList = z.array(RecordId).max(1000);
/** One blast-radius dimension (spec §7: 0-5 each). */
const BlastDimension = z.number().int().min(0).max(5);

export const PrivilegeEnvelopeSchema = z
  .object({
    secrets_access: IdList.optional(),
    network_egress: z.string().max(256).optional(),
    filesystem_writes: z.array(z.string().max(1024)).max(1000).optional(),
    tools: IdList.optional(),
    egress: z.object({ allowlist: z.array(z.string().max(1024)).max(1000).optional() }).strict().nullable().optional(),
  })
  .strict();

export const BlastRadiusSchema = z
  .object({
    data: BlastDimension.optional(),
    network: BlastDimension.optional(),
    financial: BlastDimension.optional(),
    time: BlastDimension.optional(),
    reversibility: z.union([BlastDimension, z.enum(REVERSIBILITY)]).optional(),
  })
  .strict();

/**
 * edgehall: the name of a Worker secret a dispatch target authenticates with (sent upstream as a
 * bearer token). Only the name is stored; the value never leaves the Worker's secrets. The Hall also
 * requires the name to be scoped to the enrolling namespace (checked at enrollment and at dispatch).
 */
export const DispatchSecretNameSchema = z.string().regex(/^DISPATCH_[A-Z0-9_]{1,120}$/, {
  message: 'a dispatch secret is named DISPATCH_<NAMESPACE>__<NAME>, e.g. DISPATCH_ORG_DEMO__API_KEY for org.demo (upper-case letters, digits, _)',
});
const DispatchUrl = z.string().min(1).max(2048);
const DispatchTimeout = z.number().int().min(100).max(120_000);

/**
 * edgehall: where the MCP gateway sends an allowed call for this worker. `https`: JSON POST of the
 * dispatch envelope; `service`: the same POST through a Cloudflare Service binding the Hall lists as
 * dispatchable; `mcp`: tools/call on an upstream MCP server (Streamable HTTP). http:// loopback URLs
 * are accepted only by a Hall running in local dev.
 */
export const DispatchTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('https'), url: DispatchUrl, auth_secret: DispatchSecretNameSchema.optional(), timeout_ms: DispatchTimeout.optional() }).strict(),
  z
    .object({
      kind: z.literal('service'),
      service: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, { message: 'a Service binding name (upper case letters, digits, _)' }),
      path: z.string().regex(/^\/[\x21-\x7e]{0,1023}$/, { message: 'a path starting with /' }).optional(),
      timeout_ms: DispatchTimeout.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('mcp'), url: DispatchUrl, auth_secret: DispatchSecretNameSchema.optional(), timeout_ms: DispatchTimeout.optional() }).strict(),
]);
export type DispatchTarget = z.infer<typeof DispatchTargetSchema>;

/** A JSON Schema object (the MCP tool inputSchema / outputSchema); validated as JSON Schema at enrollment. */
const JsonSchemaObject = z.record(z.string(), z.unknown());

/** edgehall: how one capability of this worker is offered as an MCP tool (name = the capability id). */
export const ToolSpecSchema = z
  .object({
    title: z.string().max(256).optional(),
    description: RecordText.optional(),
    input_schema: JsonSchemaObject.optional(),
    output_schema: JsonSchemaObject.optional(),
    /** For `dispatch.kind = "mcp"`: the upstream tool this capability calls (default: the capability id). */
    upstream_tool: z.string().min(1).max(256).optional(),
  })
  .strict();
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

export const RegistryRecordSchema = z
  .object({
    worker_id: RecordId.optional(),
    worker_species_id: RecordId,
    capabilities: IdList.default([]),
    currently_implements: IdList.default([]),
    required_controls: IdList.optional(),
    privilege_envelope: PrivilegeEnvelopeSchema.nullable().optional(),
    attestation: z
      .object({
        code_hash: z.string().max(128).nullable().optional(),
        source_file: z.string().max(1024).nullable().optional(),
        hash_method: z.string().max(64).optional(),
        attested_at: z.string().max(64).optional(),
        attested_by: z.string().max(256).optional(),
      })
      .strict()
      .nullable()
      .optional(),
    risk_tier: z.enum(RISK_TIERS).optional(),
    idempotency: z.enum(IDEMPOTENCY_LEVELS).optional(),
    determinism: z.enum(DETERMINISM_LEVELS).optional(),
    allowed_environments: z.array(EnvSchema).max(ENVS.length).optional(),
    blast_radius: BlastRadiusSchema.nullable().optional(),
    /** edgehall: the worker's own blast score (0-100, pyhall's scale); the Hall uses it, never the caller's. */
    blast_score: z.number().int().min(0).max(100).optional(),
    owner: RecordId.optional(),
    contact: RecordText.optional(),
    description: RecordText.optional(),
    notes: RecordText.optional(),
    name: RecordText.optional(),
    version: z.string().max(64).optional(),
    catalog_version_min: z.string().max(64).optional(),
    artifact_hash: z.string().max(128).optional(),
    /** edgehall: the gateway's dispatch target for this worker (absent: the Hall only advises). */
    dispatch: DispatchTargetSchema.optional(),
    /** edgehall: capability id → its MCP tool description (keys must be among `capabilities`). */
    tools: z.record(RecordId, ToolSpecSchema).optional(),
    /** Vendor-specific data: free-form, never read by the Hall. */
    extensions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type RegistryRecord = z.infer<typeof RegistryRecordSchema>;
export type RegistryRecordLike = z.input<typeof RegistryRecordSchema>;

// ---- decisions ------------------------------------------------------------------------------

export const CandidateWorkerSchema = z.object({
  worker_species_id: z.string(),
  score_hint: z.number().nullable(),
  requires_controls_minimum: z.null(),
  skip_reason: z.string().nullable(),
});
export type CandidateWorker = z.infer<typeof CandidateWorkerSchema>;

export const EscalationSchema = z.object({
  policy_gate: z.boolean(),
  msavx_step_up: z.boolean(),
  human_required_default: z.boolean(),
  human_required_if: z.array(z.record(z.string(), z.unknown())),
  rationale: z.string().nullable(),
});
export type Escalation = z.infer<typeof EscalationSchema>;

export const PreconditionsCheckedSchema = z.object({
  must_have_correlation_id: z.boolean(),
  must_attach_policy_version: z.boolean(),
  must_record_artifact_hash_if_executes: z.boolean(),
  deny_if_missing_required_controls: z.boolean(),
  deny_if_unsigned_artifact_in_prod: z.boolean(),
  deny_if_no_attestation_in_prod: z.boolean(),
});
export type PreconditionsChecked = z.infer<typeof PreconditionsCheckedSchema>;

export const DenyReasonSchema = z
  .object({ code: z.string(), message: z.string() })
  .catchall(z.unknown());
export type DenyReason = z.infer<typeof DenyReasonSchema>;

export const TelemetryEventSchema = z.object({ event_id: z.string() }).catchall(z.unknown());
export type TelemetryEvent = z.infer<typeof TelemetryEventSchema>;

/** The router's answer (pyhall's RouteDecision, every field, in pyhall's order). */
export const RouteDecisionSchema = z.object({
  decision_id: z.string(),
  timestamp: z.string(),
  correlation_id: z.string(),
  tenant_id: z.string(),
  capability_id: z.string(),
  matched_rule_id: z.string(),
  env: EnvSchema,
  data_label: DataLabelSchema,
  tenant_risk: TenantRiskSchema,
  qos_class: QosClassSchema,
  denied: z.boolean(),
  deny_reason_if_denied: DenyReasonSchema.nullable(),
  selected_worker_species_id: z.string().nullable(),
  candidate_workers_ranked: z.array(CandidateWorkerSchema),
  required_controls_effective: z.array(z.string()),
  recommended_profiles_effective: z.array(JsonObjectSchema),
  escalation_effective: EscalationSchema,
  preconditions_checked: PreconditionsCheckedSchema,
  artifact_hash: z.string().nullable(),
  worker_attestation_checked: z.boolean(),
  worker_attestation_valid: z.boolean().nullable(),
  dry_run: z.boolean(),
  telemetry_envelopes: z.array(TelemetryEventSchema),
});
export type RouteDecision = z.infer<typeof RouteDecisionSchema>;

// ---- declarative policy gate -----------------------------------------------------------------

export const GATE_DECISIONS = ['ALLOW', 'DENY', 'REQUIRE_HUMAN'] as const;
export const GateDecisionSchema = z.enum(GATE_DECISIONS);
export type GateDecision = z.infer<typeof GateDecisionSchema>;

const oneOrMany = <T extends z.ZodTypeAny>(s: T) => z.union([s, z.array(s).min(1).max(1000)]);

/** `*`, an exact id, or a prefix ending in `.*`; a `*` anywhere else would silently never match. */
const CapabilityPattern = z
  .string()
  .min(1)
  .max(RULE_LIMITS.id)
  .refine((p) => p === '*' || !p.slice(0, p.endsWith('.*') ? -2 : undefined).includes('*'), {
    message: "'*' is allowed only as the whole pattern or as a trailing '.*' (cap.doc.*)",
  });

/** Conditions of one policy rule; every given condition must hold (absent = any). */
export const PolicyMatchSchema = z
  .object(
    {
      env: oneOrMany(RuleEnv).optional(),
      data_label: oneOrMany(RuleDataLabel).optional(),
      tenant_risk: oneOrMany(RuleTenantRisk).optional(),
      qos_class: oneOrMany(RuleQosClass).optional(),
      /** Exact ids, or a prefix ending in `.*` (`cap.doc.*`). */
      capability_id: oneOrMany(CapabilityPattern).optional(),
      tenant_id: oneOrMany(z.string().min(1).max(RULE_LIMITS.id)).optional(),
      /** Blast score bounds (inclusive lower, exclusive upper), on the score the router computed. */
      blast_score_gte: z.number().min(0).max(100).optional(),
      blast_score_lt: z.number().min(0).max(101).optional(),
    },
    {
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? 'a policy rule needs a "match" object (one without it would match every request); write "match": {} for a deliberate catch-all'
          : undefined,
    },
  )
  .strict()
  .refine((m) => m.blast_score_gte === undefined || m.blast_score_lt === undefined || m.blast_score_gte < m.blast_score_lt, {
    message: 'blast_score_lt must be greater than blast_score_gte (this range is empty, so the rule would never match)',
    path: ['blast_score_lt'],
  });
export type PolicyMatch = z.infer<typeof PolicyMatchSchema>;

export const PolicyRuleSchema = z
  .object({
    id: z.string().min(1).max(200).optional(),
    match: PolicyMatchSchema,
    decision: GateDecisionSchema,
    reason: z.string().min(1).max(500),
    /** Who must approve a REQUIRE_HUMAN result (spec §5.8). */
    supervisor_level: z.string().min(1).max(100).optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

/** An ordered list of policy rules: the first rule whose match holds decides. */
export const PolicyDocumentSchema = z
  .object({
    policy_version: z.string().min(1).max(200),
    rules: z.array(PolicyRuleSchema).max(10_000).default([]),
    /** What happens when no policy rule matches. */
    default: z
      .object({
        decision: GateDecisionSchema,
        reason: z.string().min(1).max(500),
        supervisor_level: z.string().min(1).max(100).optional(),
      })
      .strict()
      .default({ decision: 'DENY', reason: 'no_policy_rule_matched' }),
  })
  .strict();
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;
export type PolicyDocumentLike = z.input<typeof PolicyDocumentSchema>;

/** The context a policy gate receives (pyhall's keys, in pyhall's order). */
export interface GateContext {
  capability_id: string;
  tenant_id: string;
  env: string;
  data_label: string;
  tenant_risk: string;
  qos_class: string;
  policy_version: string;
}
