// The dispatch envelope: what the Hall's gateway sends a worker for an allowed call, and what a
// worker answers. One strict zod schema each, shared by the Hall (worker/dispatch/) and by the
// workers' own check (verifyDispatch), so both sides read the same wire type.
//
//   POST <target>   content-type: application/json
//                   x-wcp-decision-id: <decision_id>    x-wcp-receipt-id: <receipt.receipt_id>
//   {"wcp_dispatch": "edgehall-dispatch-v1", "tool", "route_input", "decision_id", "receipt"}
//
// `route_input` is the effective RouteInput the decision was made on (every field present), so a
// worker can recompute `artifact_hash` and compare it with the signed receipt's. The tool arguments
// are `route_input.request.arguments`: covered by that hash.
import { z } from 'zod';
import { DataLabelSchema, EnvSchema, QosClassSchema, TenantRiskSchema } from '../routing/schemas.js';
import { ReceiptSchema } from '../receipts/schema.js';

export const DISPATCH_ENVELOPE_VERSION = 'edgehall-dispatch-v1';
/** Headers every HTTP dispatch carries (equal to the body's decision_id and receipt.receipt_id). */
export const DISPATCH_DECISION_HEADER = 'x-wcp-decision-id';
export const DISPATCH_RECEIPT_HEADER = 'x-wcp-receipt-id';
/** Where an upstream MCP tools/call carries the envelope fields: params._meta[DISPATCH_META_KEY]. */
export const DISPATCH_META_KEY = 'org.edgehall/wcp';

const JsonObject = z.record(z.string(), z.unknown());

/**
 * The RouteInput as dispatched: all 13 fields present (the Hall sends the effective input with its
 * defaults filled in), nothing else. Exactly what artifact_hash covers.
 */
export const DispatchedRouteInputSchema = z
  .object({
    capability_id: z.string().min(1).max(256),
    env: EnvSchema,
    data_label: DataLabelSchema,
    tenant_risk: TenantRiskSchema,
    qos_class: QosClassSchema,
    tenant_id: z.string().min(1).max(256),
    correlation_id: z.string().min(1).max(256),
    request: JsonObject,
    blast_radius: JsonObject.nullable(),
    blast_score: z.number().int().nullable(),
    privilege_context: JsonObject.nullable(),
    dry_run: z.boolean(),
    tenant_credential: z.string().max(4096).nullable(),
  })
  .strict();
export type DispatchedRouteInput = z.infer<typeof DispatchedRouteInputSchema>;

export const DispatchEnvelopeSchema = z
  .object({
    wcp_dispatch: z.literal(DISPATCH_ENVELOPE_VERSION),
    /** The MCP tool name: the capability id. */
    tool: z.string().min(1).max(256),
    route_input: DispatchedRouteInputSchema,
    decision_id: z.string().min(1).max(512),
    /** The signed receipt of the decision, as /route returns it. */
    receipt: ReceiptSchema,
  })
  .strict();
export type DispatchEnvelope = z.infer<typeof DispatchEnvelopeSchema>;

/** The tool arguments of a dispatched call: `route_input.request.arguments` (an object), else {}. */
export function dispatchArguments(input: { request: Record<string, unknown> }): Record<string, unknown> {
  const a = input.request['arguments'];
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

// ---- what a worker answers: an MCP CallToolResult ------------------------------------------
// Content blocks are checked for the members their type requires and forwarded as sent (MCP adds
// optional members between revisions; an unknown `type` is refused). The result object itself is
// strict: content, structuredContent, isError, _meta.

const Meta = JsonObject;
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const MAX_CONTENT_BLOCKS = 1000;

const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const ImageBlock = z.looseObject({ type: z.literal('image'), data: Base64, mimeType: z.string().min(1).max(256) });
const AudioBlock = z.looseObject({ type: z.literal('audio'), data: Base64, mimeType: z.string().min(1).max(256) });
const ResourceLinkBlock = z.looseObject({ type: z.literal('resource_link'), uri: z.string().min(1), name: z.string() });
const EmbeddedResourceBlock = z.looseObject({
  type: z.literal('resource'),
  resource: z.union([z.looseObject({ uri: z.string().min(1), text: z.string() }), z.looseObject({ uri: z.string().min(1), blob: Base64 })]),
});

export const ContentBlockSchema = z.discriminatedUnion('type', [TextBlock, ImageBlock, AudioBlock, ResourceLinkBlock, EmbeddedResourceBlock]);

export const ToolResultSchema = z
  .object({
    content: z.array(ContentBlockSchema).max(MAX_CONTENT_BLOCKS),
    structuredContent: JsonObject.optional(),
    isError: z.boolean().optional(),
    _meta: Meta.optional(),
  })
  .strict();
export type ToolResultWire = z.infer<typeof ToolResultSchema>;
