// HTTP wire schemas of the Hall API (bodies and queries). Routing types come from the SDK
// (src/routing); these add the edge's own limits and fields. OpenAPI is generated from them.
import { z } from 'zod';
import { HallFactsSchema, RouteInputSchema, RouteDecisionSchema } from '../src/routing/index.js';
import { ReceiptSchema } from '../src/receipts/index.js';

/** Longest id the edge accepts in a RouteInput (receipts cap strings at 512). */
export const MAX_ID_LENGTH = 256;

/**
 * POST /route body: a RouteInput plus an optional approved `approval_id` (spec 5.8). The tenant comes
 * from the token: a tenant token may omit `tenant_id` (filled in); the admin token must name it.
 */
export const RouteRequestSchema = RouteInputSchema.extend({
  capability_id: z.string().min(1).max(MAX_ID_LENGTH),
  // pyhall accepts "" and denies later; a receipt needs a non-empty correlation id, so the edge refuses it up front.
  correlation_id: z.string().min(1).max(MAX_ID_LENGTH),
  tenant_id: RouteInputSchema.shape.tenant_id.refine((s) => s.length <= MAX_ID_LENGTH, { message: `tenant_id must be at most ${MAX_ID_LENGTH} characters` }).optional(),
  tenant_credential: z.string().max(4096).nullable().default(null),
  approval_id: z.uuid().optional(),
});
export type RouteRequest = z.infer<typeof RouteRequestSchema>;

/** What a REQUIRE_HUMAN decision carries on top of pyhall's RouteDecision (spec 5.8). */
export const HumanApprovalFieldsSchema = z.object({
  supervisor_required: z.literal(true),
  supervisor_level: z.string(),
  pending_approval_id: z.string().nullable(),
  /**
   * Where an approver resolves it on this Hall: `POST /wcp/approvals/<id>/resolve` (null when no
   * approval was opened, as on a dry run). The engine's deny message keeps pyhall's wording
   * ("via wcp.approval.resolve"), which the routing vectors pin; this names the Hall's endpoint.
   */
  approval_resolve_endpoint: z.string().nullable(),
  approval_expires_at: z.string().nullable(),
  escalation_context: z.record(z.string(), z.unknown()),
});

/** Edge extensions of every /route decision: the worker it selected, and the facts it was made on. */
export const HallFactsFieldsSchema = z.object({
  /** worker_id of the selected species' record (null when nothing was selected). */
  selected_worker_id: z.string().nullable(),
  /** Declared, Hall-held and effective tenant_risk, data label, env and blast score. */
  hall_facts: HallFactsSchema,
});

export const HallDecisionSchema = RouteDecisionSchema.extend(HumanApprovalFieldsSchema.partial().shape).extend(HallFactsFieldsSchema.partial().shape);
export type HallDecision = z.infer<typeof HallDecisionSchema>;

export const RouteResponseSchema = z.object({ decision: HallDecisionSchema, receipt: ReceiptSchema });
