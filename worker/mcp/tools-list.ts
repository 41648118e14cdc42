// tools/list: the tools this tenant may call, one page at a time, decided by rehearsal with the
// same engine (worker/mcp/tool-catalog.ts). The routing facts of `_meta["org.edgehall/wcp"]`
// (env, data_label, qos_class) shape the rehearsal exactly as they would shape a call.
import { currentSnapshot } from '../state.js';
import { callTenant, previewInput, routingChoice } from './call-input.js';
import type { McpCall, McpParams } from './call-context.js';
import { decodeCursor, pageAfter } from './list-cursor.js';
import { metaOf } from './request-version.js';
import { capabilityIds, rehearse, toolDescriptor, type ToolDescriptor } from './tool-catalog.js';
import { WcpListMetaSchema, wcpMetaOf } from './wcp-meta.js';

export const TOOLS_PAGE_SIZE = 100;

export async function listTools(call: McpCall, params: McpParams): Promise<Record<string, unknown>> {
  const wcp = wcpMetaOf(metaOf(params), WcpListMetaSchema);
  const after = decodeCursor(params?.['cursor']);
  const tenant = await callTenant(call.ctx, call.principal, wcp.tenant_id);
  const snap = await currentSnapshot(call.ctx);
  const choice = routingChoice(tenant.facts, wcp);
  const page = pageAfter<ToolDescriptor>(capabilityIds(snap), after, TOOLS_PAGE_SIZE, (cap) => {
    const target = rehearse(snap, previewInput(tenant.tenantId, cap, choice), tenant.facts);
    return target && target.dispatchable ? toolDescriptor(target) : null;
  });
  return {
    tools: page.items,
    ...(page.next !== undefined ? { nextCursor: page.next } : {}),
    // 2026-07-28 caching hints: the list is this tenant's (private) and a rule change may hide a tool
    // at once, so it is stale immediately (a stale list never lets a call through: calls are decided).
    ...(call.version.era === 'modern' ? { ttlMs: 0, cacheScope: 'private' } : {}),
  };
}
