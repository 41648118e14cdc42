// The RouteInput a tool call (or a tools/list preview of it) is decided on. Trust the Hall's own
// records: the tenant comes from the token, and the facts the caller does not choose come from the
// tenant record. Defaults, for what `_meta["org.edgehall/wcp"]` leaves out:
//   env         the tenant record's first allowed env; `prod` when the record allows every env
//   data_label  the record's data_label_floor; else INTERNAL
//   tenant_risk the record's tenant_risk; else medium (the caller cannot choose it over MCP)
//   qos_class   P2
// The stricter of these and the record still wins inside the decision (applyTenantFacts).
import type { HeldTenantFacts } from '../../src/routing/tenant-facts.js';
import type { DataLabel, Env, QosClass, RouteInput, TenantRisk } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import { tenantOf } from '../decision/decide-and-record.js';
import { assertTenantAccess, tenantFactsFor, type Principal } from '../http/auth.js';
import { HallHttpError } from '../http/problem.js';
import type { RouteRequest } from '../schemas.js';
import type { WcpCallMeta, WcpListMeta } from './wcp-meta.js';

export interface CallTenant {
  tenantId: string;
  /** The Hall's record of the tenant (null: none, the declared values stand). */
  facts: HeldTenantFacts | null;
}

export interface RoutingChoice {
  env: Env;
  data_label: DataLabel;
  tenant_risk: TenantRisk;
  qos_class: QosClass;
}

/**
 * The tenant a request acts for: a tenant token's own (naming another is refused); the admin token
 * must name one in `_meta["org.edgehall/wcp"].tenant_id`. Approver tokens never reach this (the
 * endpoint refuses them).
 */
export async function callTenant(ctx: RequestContext, principal: Principal, named: string | undefined): Promise<CallTenant> {
  if (principal.kind === 'admin' && named === undefined) {
    throw new HallHttpError(400, 'TENANT_REQUIRED', 'The admin token may act for any tenant, so the call must name one: set _meta["org.edgehall/wcp"].tenant_id.');
  }
  const tenantId = tenantOf(principal, named);
  assertTenantAccess(principal, tenantId);
  return { tenantId, facts: await tenantFactsFor(ctx, principal, tenantId) };
}

export function routingChoice(facts: HeldTenantFacts | null, meta: WcpListMeta): RoutingChoice {
  return {
    env: meta.env ?? facts?.allowed_envs?.[0] ?? 'prod',
    data_label: meta.data_label ?? facts?.data_label_floor ?? 'INTERNAL',
    tenant_risk: facts?.tenant_risk ?? 'medium',
    qos_class: meta.qos_class ?? 'P2',
  };
}

/** The /route body of a tool call: `request` holds the tool and its arguments, so artifact_hash covers them. */
export function callRouteRequest(
  tenant: CallTenant,
  tool: string,
  args: Record<string, unknown>,
  meta: WcpCallMeta,
  correlationId: string,
): RouteRequest {
  return {
    ...routingChoice(tenant.facts, meta),
    tenant_id: tenant.tenantId,
    capability_id: tool,
    correlation_id: correlationId,
    request: { tool, arguments: args },
    blast_radius: null,
    blast_score: null,
    privilege_context: null,
    dry_run: meta.dry_run ?? false,
    tenant_credential: null,
    ...(meta.approval_id !== undefined ? { approval_id: meta.approval_id } : {}),
  };
}

/** A rehearsal of a call with these routing facts: what tools/list and argument checks decide on. */
export function previewInput(tenantId: string, capabilityId: string, choice: RoutingChoice): RouteInput {
  return {
    ...choice,
    tenant_id: tenantId,
    capability_id: capabilityId,
    correlation_id: 'mcp-preview',
    request: { tool: capabilityId, arguments: {} },
    blast_radius: null,
    blast_score: null,
    privilege_context: null,
    dry_run: true,
    tenant_credential: null,
  };
}
