// Hall-held tenant facts (issue 8, DESIGN "Trust boundary"): the Hall's record of a tenant's risk,
// data-label floor and allowed environments. A request is decided on the stricter of what the caller
// declares and what the Hall holds (low < medium < high, PUBLIC < INTERNAL < RESTRICTED); an env the
// record does not allow is denied before routing. Both sides are recorded in `HallFacts`.
// Where the Hall holds no record (or the record leaves a fact unset), the declared value stands.
import { z } from 'zod';
import {
  DATA_LABELS,
  DataLabelSchema,
  ENVS,
  EnvSchema,
  TENANT_RISKS,
  TenantRiskSchema,
  type DataLabel,
  type Env,
  type RouteInput,
  type TenantRisk,
} from './schemas.js';

export const DENY_ENV_NOT_ALLOWED = 'DENY_ENV_NOT_ALLOWED';

/** The facts part of a tenant record (admin-set). Each fact is optional: unset = the Hall holds none. */
export const TenantFactsFieldsSchema = z
  .object({
    tenant_risk: TenantRiskSchema.optional(),
    data_label_floor: DataLabelSchema.optional(),
    allowed_envs: z
      .array(EnvSchema)
      .min(1, 'give at least one env (delete the tenant to stop it routing)')
      .max(ENVS.length)
      .refine((a) => new Set(a).size === a.length, { message: 'allowed_envs must not repeat an env' })
      .optional(),
  })
  .strict();

/** A tenant record as the in-process Hall takes it (`new Hall({ tenants: [...] })`). */
export const TenantFactsSchema = TenantFactsFieldsSchema.extend({ tenant_id: z.string().min(1).max(256) }).strict();
export type TenantFacts = z.infer<typeof TenantFactsSchema>;
export type TenantFactsLike = z.input<typeof TenantFactsSchema>;
export type HeldTenantFacts = z.infer<typeof TenantFactsFieldsSchema>;

const fact = <T extends z.ZodTypeAny>(v: T) => z.object({ declared: v, held: v.nullable(), effective: v }).strict();

/** What the edge records in a decision: the caller's value, the Hall's and the one used. */
export const HallFactsSchema = z
  .object({
    tenant_risk: fact(TenantRiskSchema),
    data_label: fact(DataLabelSchema),
    env: z.object({ declared: EnvSchema, held: z.array(EnvSchema).nullable(), effective: EnvSchema, allowed: z.boolean() }).strict(),
    blast_score: z
      .object({
        declared: z.number().int().nullable(),
        held: z.number().int().min(0).max(100).nullable(),
        effective: z.number().int(),
        /** The worker whose record supplied `held` (null when no worker was considered). */
        worker_id: z.string().nullable(),
      })
      .strict(),
  })
  .strict();
export type HallFacts = z.infer<typeof HallFactsSchema>;
export type TenantHallFacts = Omit<HallFacts, 'blast_score'>;

const RISK_RANK = new Map<string, number>(TENANT_RISKS.map((r, i) => [r, i]));
const LABEL_RANK = new Map<string, number>(DATA_LABELS.map((l, i) => [l, i]));

export function stricterRisk(a: TenantRisk, b: TenantRisk | null | undefined): TenantRisk {
  return b != null && RISK_RANK.get(b)! > RISK_RANK.get(a)! ? b : a;
}

export function stricterLabel(a: DataLabel, b: DataLabel | null | undefined): DataLabel {
  return b != null && LABEL_RANK.get(b)! > LABEL_RANK.get(a)! ? b : a;
}

export interface AppliedTenantFacts {
  /** The input the Hall decides on (a copy when a fact raised a value, else the input itself). */
  input: RouteInput;
  facts: TenantHallFacts;
  /** False when the record's allowed_envs excludes the requested env (deny DENY_ENV_NOT_ALLOWED). */
  envAllowed: boolean;
}

/** The stricter of declared and held facts. `held` null = no tenant record: the declared values stand. */
export function applyTenantFacts(input: RouteInput, held: HeldTenantFacts | null | undefined): AppliedTenantFacts {
  const risk = stricterRisk(input.tenant_risk, held?.tenant_risk);
  const label = stricterLabel(input.data_label, held?.data_label_floor);
  const allowedEnvs = held?.allowed_envs ?? null;
  const envAllowed = allowedEnvs === null || allowedEnvs.includes(input.env);
  const effective = risk === input.tenant_risk && label === input.data_label ? input : { ...input, tenant_risk: risk, data_label: label };
  return {
    input: effective,
    envAllowed,
    facts: {
      tenant_risk: { declared: input.tenant_risk, held: held?.tenant_risk ?? null, effective: risk },
      data_label: { declared: input.data_label, held: held?.data_label_floor ?? null, effective: label },
      env: { declared: input.env, held: allowedEnvs ? [...allowedEnvs] : null, effective: input.env, allowed: envAllowed },
    },
  };
}

/** The sentence of a DENY_ENV_NOT_ALLOWED decision; `where` names how the operator changes the record. */
export function envNotAllowedMessage(tenantId: string, env: Env, allowed: readonly Env[], where = 'the tenant record'): string {
  return (
    `Tenant ${tenantId} may not route in env '${env}': the Hall's record of it allows only ${allowed.join(', ')}. ` +
    `Send the request in an allowed env, or ask the Hall operator to add '${env}' to allowed_envs in ${where}.`
  );
}
