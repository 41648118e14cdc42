// Runs one routing conformance case (shared/vectors/routing/README.md format) through the engine,
// wiring the case's test doubles and logging every call they receive. Pure: used by the CLI and tests.
import { decide, type DecideContext, type RegistryClientHook } from './decide.js';
import { buildRegistry } from './registry.js';
import { compileRules } from './rules.js';
import { HallConfigReferenceSchema, RouteInputSchema, type RouteDecision, type RouteInput } from './schemas.js';

export type ConformanceCall = [string, unknown[]];

export interface ConformanceOutcome {
  /** The line the CLI prints: `{id, decision}`, `{id, invalid_input, error}` or `{id, error}`. */
  line: { id: unknown; decision?: RouteDecision; invalid_input?: true; error?: string };
  calls: ConformanceCall[];
  warnings: [string, string][];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class TestDoubleError extends Error {}

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Unvalidated construction (pyhall `model_construct`): defaults for missing optionals, nothing checked. */
function constructUnvalidated(raw: Record<string, unknown>): RouteInput {
  return {
    request: {},
    blast_radius: null,
    blast_score: null,
    privilege_context: null,
    dry_run: false,
    tenant_credential: null,
    ...raw,
  } as RouteInput;
}

export function runRoutingCase(c: Record<string, unknown>): ConformanceOutcome {
  const id = c.id;
  const calls: ConformanceCall[] = [];
  const warnings: [string, string][] = [];
  const out = (line: ConformanceOutcome['line']): ConformanceOutcome => ({ line, calls, warnings });
  try {
    // input
    let input: RouteInput;
    if (c.input_mode === 'unvalidated') {
      if (!isObj(c.input)) return out({ id, error: 'unvalidated input must be an object' });
      input = constructUnvalidated(c.input);
    } else {
      const p = RouteInputSchema.safeParse(c.input);
      if (!p.success) return out({ id, invalid_input: true, error: describeIssues(p.error.issues) });
      input = p.data;
    }
    // rules and hall config, loaded the way pyhall loads them (the compatibility mode: unknown match
    // keys such as tenant_id ignored, a missing match matches everything, unknown config keys dropped)
    const rules = compileRules(c.rules, { mode: 'reference' });

    // registry, in the documented order
    const spec = isObj(c.registry) ? c.registry : {};
    const reg = buildRegistry([], { strict: false });
    if (isObj(spec.privilege_envelopes)) reg.setPrivilegeEnvelopes(spec.privilege_envelopes);
    if (isObj(spec.egress_allowlist))
      for (const [env, list] of Object.entries(spec.egress_allowlist)) reg.setEgressAllowlist(env, list as string[]);
    if (Array.isArray(spec.enroll)) for (const r of spec.enroll) if (isObj(r)) reg.enroll(r);
    if (Array.isArray(spec.controls_present)) reg.addControlsPresent(spec.controls_present);
    if (Array.isArray(spec.workers_available)) reg.addWorkersAvailable(spec.workers_available as string[]);
    const registeredOverrides = isObj(spec.registered_hashes) ? spec.registered_hashes : {};
    const availableThrows = new Set(Array.isArray(spec.available_throws) ? (spec.available_throws as string[]) : []);

    // hall config
    let hallConfig = null;
    if (isObj(c.hall_config)) {
      const p = HallConfigReferenceSchema.safeParse(c.hall_config);
      if (!p.success) return out({ id, error: `hall_config: ${describeIssues(p.error.issues)}` });
      hallConfig = p.data;
    }

    const ctx: DecideContext = {
      rules,
      controlsPresent: reg.controlsPresent(),
      workerAvailable: (s) => {
        calls.push(['registry_worker_available', [s]]);
        if (availableThrows.has(s)) throw new TestDoubleError('availability check failed');
        return reg.workerAvailable(s);
      },
      hallConfig,
      taskId: typeof c.task_id === 'string' ? c.task_id : 'task_default',
      onWarning: (m) => warnings.push(['UserWarning', m]),
    };

    // policy gate double
    const g = c.policy_gate;
    if (isObj(g)) {
      ctx.policyGate = (gctx) => {
        calls.push(['policy_gate_eval', [{ ...gctx }]]);
        if (g.stub === true) return ['ALLOW', gctx.policy_version || 'policy.v0', 'stub_allow'];
        if (g.decision === 'THROW') throw new TestDoubleError('gate failure');
        if ('raw_return' in g) return g.raw_return;
        return [g.decision ?? null, g.policy_version ?? null, g.reason ?? null];
      };
    }

    // privilege doubles
    const pv = c.privilege;
    if (isObj(pv)) {
      if (pv.get_envelope === 'registry' || pv.get_envelope === 'throw') {
        const mode = pv.get_envelope;
        ctx.getPrivilegeEnvelope = (s) => {
          calls.push(['registry_get_privilege_envelope', [s]]);
          if (mode === 'throw') throw new TestDoubleError('envelope lookup failed');
          return reg.getPrivilegeEnvelope(s);
        };
      }
      const pa = pv.policy_allows;
      if (pa === 'registry' || pa === 'throw' || isObj(pa)) {
        ctx.policyAllowsPrivilege = (env, label, envelope) => {
          calls.push(['registry_policy_allows_privilege', [env, label, envelope]]);
          if (pa === 'throw') throw new TestDoubleError('privilege policy failed');
          if (pa === 'registry') return reg.policyAllowsPrivilege(env, label, envelope);
          return (pa as Record<string, unknown>).return;
        };
      }
    }

    // attestation doubles
    const ac = isObj(c.attestation_callables) ? c.attestation_callables : {};
    const current = isObj(c.current_hashes) ? c.current_hashes : {};
    if (ac.registered === 'registry' || ac.registered === 'throw') {
      const mode = ac.registered;
      ctx.getRegisteredHash = (s) => {
        calls.push(['registry_get_worker_hash', [s]]);
        if (mode === 'throw') throw new TestDoubleError('registered hash lookup failed');
        if (Object.hasOwn(registeredOverrides, s)) return registeredOverrides[s];
        return reg.getWorkerHash(s);
      };
    }
    if (ac.current === 'current_hashes' || ac.current === 'throw') {
      const mode = ac.current;
      ctx.getCurrentHash = (s) => {
        calls.push(['get_current_worker_hash', [s]]);
        if (mode === 'throw') throw new TestDoubleError('current hash lookup failed');
        return Object.hasOwn(current, s) ? current[s] : null;
      };
    }

    // registry client double
    if (isObj(c.registry_client)) {
      const wh = isObj(c.registry_client.worker_hashes) ? c.registry_client.worker_hashes : {};
      const client: RegistryClientHook = {
        getWorkerHash: (s) => {
          calls.push(['registry_client.get_worker_hash', [s]]);
          return Object.hasOwn(wh, s) ? wh[s] : null;
        },
        recordDecision: (d) => {
          calls.push(['registry_client.record_decision', [d.selected_worker_species_id]]);
        },
      };
      ctx.registryClient = client;
    }

    return out({ id, decision: decide(input, ctx) });
  } catch (e) {
    return out({ id, error: e instanceof Error ? e.message : String(e) });
  }
}
