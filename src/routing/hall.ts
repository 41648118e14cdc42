// Hall: the engine with its state loaded and validated once. `route()` validates the input
// (ValidationError listing every problem), then never throws: every failure is a denied decision.
import { ValidationError } from '../util/errors.js';
import { decide, denyBeforeRouting, type DecideContext, type DecideOptions, type PolicyGateFn, type PostSelectDeny, type PostSelectInfo, type RegistryClientHook } from './decide.js';
import { compilePolicy, type CompiledPolicy } from './policy.js';
import { buildRegistry, type WorkerRegistry } from './registry.js';
import { compileRules, type CompiledRules } from './rules.js';
import { flattenZodIssues } from './issues.js';
import { isPyBlank } from './pyfns.js';
import { DENY_ENV_NOT_ALLOWED, TenantFactsSchema, applyTenantFacts, envNotAllowedMessage, type TenantFacts, type TenantFactsLike } from './tenant-facts.js';
import {
  DATA_LABELS,
  ENVS,
  QOS_CLASSES,
  TENANT_RISKS,
  HallConfigReferenceSchema,
  HallConfigSchema,
  RouteInputSchema,
  type HallConfig,
  type HallConfigLike,
  type PolicyDocumentLike,
  type RegistryRecordLike,
  type RouteDecision,
  type RouteInput,
} from './schemas.js';

export interface HallOptions {
  /**
   * 'strict' (default): the rules document and config are validated strictly (unknown keys, values
   * outside the WCP enums and rules without `match` refused with their path; `match.tenant_id` scopes a
   * rule to tenants). 'reference': pyhall compatibility — rules loaded as pyhall loads them
   * (compileRules mode 'reference': unknown match keys ignored, a missing match matches everything)
   * and unknown config keys ignored. Only for documents written for pyhall.
   */
  mode?: 'strict' | 'reference';
  /** A rules document `{"rules": [...]}` (validated per `mode`), or rules compiled with compileRules(). */
  rules: unknown;
  /** Worker enrollment records (validated strictly), or a registry built with buildRegistry(). */
  workers?: readonly RegistryRecordLike[] | WorkerRegistry;
  /** Hall-wide floors; omitted = pyhall's "no HallConfig" behaviour. */
  config?: HallConfigLike | null;
  /** Declarative policy gate document. */
  policy?: PolicyDocumentLike | CompiledPolicy;
  /** Callback policy gate (pyhall form); ignored when `policy` is given. */
  gate?: PolicyGateFn;
  /** Extra controls present in the Hall (beyond those the workers declare). */
  controlsPresent?: readonly string[];
  /**
   * Hall-held tenant facts (edgehall): a request from a listed tenant is decided on the stricter of
   * its declared and the held tenant_risk / data label (data_label_floor), and denied
   * DENY_ENV_NOT_ALLOWED in an env outside allowed_envs. Tenants not listed keep pyhall's behaviour.
   */
  tenants?: readonly TenantFactsLike[];
  /**
   * Trusted-facts mode (edgehall, off by default = pyhall): required controls are checked on the
   * selected worker's own record plus `controlsPresent` (never the union over workers); candidates
   * lacking one are skipped; the blast score is raised by the selected worker's record `blast_score`.
   */
  perWorkerControls?: boolean;
  /** Per-environment egress allowlists for the built-in privilege policy. */
  egressAllowlist?: Partial<Record<string, readonly string[]>>;
  /** Current code hash of a species (for require_worker_attestation); registered hashes come from the records. */
  getCurrentHash?: (species: string) => unknown;
  /** Overrides the registered-hash lookup (default: the hash enrolled in `attestation.code_hash`). */
  getRegisteredHash?: (species: string) => unknown;
  /** Overrides availability (default: the registry's enrolled species). */
  workerAvailable?: (species: string) => unknown;
  /** Privilege callbacks (default: the registry's envelopes and pyhall's stub egress policy). */
  getPrivilegeEnvelope?: (species: string) => unknown;
  policyAllowsPrivilege?: (env: string, dataLabel: string, envelope: unknown) => unknown;
  registryClient?: RegistryClientHook;
  /** edgehall extension: deny the selected worker (e.g. a banned package) before the privilege check. */
  afterSelect?: (info: PostSelectInfo) => PostSelectDeny | null | undefined;
  taskId?: string;
  onWarning?: (message: string) => void;
  now?: () => number;
  newId?: () => string;
}

const isCompiledRules = (v: unknown): v is CompiledRules =>
  typeof v === 'object' && v !== null && typeof (v as CompiledRules).firstMatch === 'function';
const isRegistry = (v: unknown): v is WorkerRegistry =>
  typeof v === 'object' && v !== null && typeof (v as WorkerRegistry).workerAvailable === 'function';
const isCompiledPolicy = (v: unknown): v is CompiledPolicy =>
  typeof v === 'object' && v !== null && typeof (v as CompiledPolicy).evaluate === 'function';

function issuesOf(error: { issues: { path: PropertyKey[]; message: string; code?: string }[] }) {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
    ...(i.code ? { code: i.code } : {}),
  }));
}

const ENV_SET = new Set<unknown>(ENVS);
const LABEL_SET = new Set<unknown>(DATA_LABELS);
const RISK_SET = new Set<unknown>(TENANT_RISKS);
const QOS_SET = new Set<unknown>(QOS_CLASSES);

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * The common case without zod's overhead: accepts only inputs RouteInputSchema certainly accepts and
 * returns what it would return (unknown keys dropped, defaults filled, objects shallow-copied).
 * Anything else returns null and goes through the schema, which also produces the error list.
 */
function fastParseRouteInput(v: unknown): RouteInput | null {
  if (!isPlainObject(v)) return null;
  const { capability_id, env, data_label, tenant_risk, qos_class, tenant_id, correlation_id } = v;
  if (typeof capability_id !== 'string' || typeof tenant_id !== 'string' || typeof correlation_id !== 'string') return null;
  if (!ENV_SET.has(env) || !LABEL_SET.has(data_label) || !RISK_SET.has(tenant_risk) || !QOS_SET.has(qos_class)) return null;
  if (isPyBlank(tenant_id)) return null;
  const { request, blast_radius, blast_score, privilege_context, dry_run, tenant_credential } = v;
  if (request !== undefined && !isPlainObject(request)) return null;
  if (blast_radius !== undefined && blast_radius !== null && !isPlainObject(blast_radius)) return null;
  if (privilege_context !== undefined && privilege_context !== null && !isPlainObject(privilege_context)) return null;
  if (blast_score !== undefined && blast_score !== null && !Number.isSafeInteger(blast_score)) return null;
  if (dry_run !== undefined && typeof dry_run !== 'boolean') return null;
  if (tenant_credential !== undefined && tenant_credential !== null && typeof tenant_credential !== 'string') return null;
  return {
    capability_id,
    env: env as RouteInput['env'],
    data_label: data_label as RouteInput['data_label'],
    tenant_risk: tenant_risk as RouteInput['tenant_risk'],
    qos_class: qos_class as RouteInput['qos_class'],
    tenant_id,
    correlation_id,
    request: request === undefined ? {} : { ...request },
    blast_radius: blast_radius == null ? null : { ...blast_radius },
    blast_score: (blast_score as number | null | undefined) ?? null,
    privilege_context: privilege_context == null ? null : { ...privilege_context },
    dry_run: dry_run ?? false,
    tenant_credential: (tenant_credential as string | null | undefined) ?? null,
  };
}

/** Validates a RouteInput strictly; throws ValidationError listing every problem. */
export function parseRouteInput(input: unknown): RouteInput {
  const fast = fastParseRouteInput(input);
  if (fast) return fast;
  const p = RouteInputSchema.safeParse(input);
  if (!p.success) throw new ValidationError('route input', issuesOf(p.error));
  return p.data;
}

/**
 * Validates a HallConfig (strict: unknown keys refused; 'reference': ignored, as pyhall does); throws
 * ValidationError listing every problem.
 */
export function parseHallConfig(config: unknown, mode: 'strict' | 'reference' = 'strict'): HallConfig {
  const p = (mode === 'reference' ? HallConfigReferenceSchema : HallConfigSchema).safeParse(config);
  if (!p.success) throw new ValidationError('hall config', flattenZodIssues(p.error.issues, Object.keys(HallConfigSchema.shape)));
  return p.data;
}

function parseTenants(list: readonly TenantFactsLike[] | undefined): Map<string, TenantFacts> {
  const out = new Map<string, TenantFacts>();
  if (list === undefined) return out;
  const issues: { path: (string | number)[]; message: string; code?: string }[] = [];
  if (!Array.isArray(list)) issues.push({ path: ['tenants'], message: 'tenants must be an array of tenant records' });
  else {
    if (list.length > 100_000) issues.push({ path: ['tenants'], message: 'at most 100000 tenant records are allowed' });
    list.forEach((t, i) => {
      const p = TenantFactsSchema.safeParse(t);
      if (!p.success) {
        for (const is of issuesOf(p.error)) issues.push({ ...is, path: ['tenants', i, ...is.path] });
        return;
      }
      if (out.has(p.data.tenant_id)) issues.push({ path: ['tenants', i, 'tenant_id'], message: `tenant ${p.data.tenant_id} is listed twice` });
      out.set(p.data.tenant_id, p.data);
    });
  }
  if (issues.length) throw new ValidationError('tenant records', issues);
  return out;
}

export class Hall {
  readonly rules: CompiledRules;
  readonly registry: WorkerRegistry;
  readonly config: HallConfig | null;
  readonly policy: CompiledPolicy | null;
  /** Hall-held tenant facts by tenant_id (empty: pyhall behaviour for every tenant). */
  readonly tenants: ReadonlyMap<string, TenantFacts>;
  private readonly ctx: DecideContext;

  constructor(options: HallOptions) {
    const mode = options.mode ?? 'strict';
    if (mode !== 'strict' && mode !== 'reference') {
      throw new ValidationError('hall options', [{ path: ['mode'], message: "mode must be 'strict' or 'reference'" }]);
    }
    this.rules = isCompiledRules(options.rules) ? options.rules : compileRules(options.rules, { mode });
    this.rules.shadows(); // analyse once now, not on the first prod request
    const w = options.workers ?? [];
    this.registry = isRegistry(w)
      ? w
      : buildRegistry(w as readonly unknown[], {
          ...(options.controlsPresent ? { controlsPresent: options.controlsPresent } : {}),
          ...(options.egressAllowlist ? { egressAllowlist: options.egressAllowlist } : {}),
        });
    this.config = options.config === undefined || options.config === null ? null : parseHallConfig(options.config, mode);
    this.policy = options.policy === undefined ? null : isCompiledPolicy(options.policy) ? options.policy : compilePolicy(options.policy);
    this.tenants = parseTenants(options.tenants);
    const reg = this.registry;
    this.ctx = {
      rules: this.rules,
      controlsPresent: options.perWorkerControls ? reg.hallProvidedControls() : reg.controlsPresent(),
      ...(options.perWorkerControls ? { workerFacts: (s: string) => reg.workerFacts(s) } : {}),
      workerAvailable: options.workerAvailable ?? ((s) => reg.workerAvailable(s)),
      hallConfig: this.config,
      policy: this.policy,
      policyGate: options.gate ?? null,
      getPrivilegeEnvelope: options.getPrivilegeEnvelope ?? ((s) => reg.getPrivilegeEnvelope(s)),
      policyAllowsPrivilege: options.policyAllowsPrivilege ?? ((e, l, env) => reg.policyAllowsPrivilege(e, l, env)),
      getRegisteredHash: options.getRegisteredHash ?? ((s) => reg.getWorkerHash(s)),
      getCurrentHash: options.getCurrentHash ?? null,
      registryClient: options.registryClient ?? null,
      afterSelect: options.afterSelect ?? null,
      ...(options.taskId !== undefined ? { taskId: options.taskId } : {}),
      onWarning: options.onWarning ?? null,
      ...(options.now ? { now: options.now } : {}),
      ...(options.newId ? { newId: options.newId } : {}),
    };
  }

  /** Validates `input` (throws ValidationError) and decides. Async for API stability; see routeSync. */
  async route(input: unknown, options?: DecideOptions): Promise<RouteDecision> {
    return this.routeSync(input, options);
  }

  routeSync(input: unknown, options?: DecideOptions): RouteDecision {
    return this.decideValidated(parseRouteInput(input), options);
  }

  /** Decides an input already validated by parseRouteInput / RouteInputSchema (the hot path). */
  decideValidated(input: RouteInput, options?: DecideOptions): RouteDecision {
    if (this.tenants.size === 0) return decide(input, this.ctx, options);
    const held = this.tenants.get(input.tenant_id);
    if (!held) return decide(input, this.ctx, options);
    const applied = applyTenantFacts(input, held);
    if (!applied.envAllowed) {
      const allowed = held.allowed_envs ?? [];
      return denyBeforeRouting(applied.input, this.ctx, DENY_ENV_NOT_ALLOWED, envNotAllowedMessage(input.tenant_id, input.env, allowed), {
        env: input.env,
        allowed_envs: [...allowed],
      });
    }
    return decide(applied.input, this.ctx, options);
  }

  /** The context decide() runs with (for callers composing their own pipeline). */
  get context(): Readonly<DecideContext> {
    return this.ctx;
  }
}
