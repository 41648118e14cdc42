// zod wire schema of an evidence receipt (the single source of truth for the wire type; core.ts
// mirrors it by hand for the browser verify path, and a test keeps them in step). Unknown fields
// are kept (looseObject): they are covered by receipt_hash, and stripping them would break it.
import { z } from 'zod';
import { RECEIPT_MAX_CONTROLS, RECEIPT_MAX_SHARD, MAX_RECEIPT_STRING, RECEIPT_POLICY_DECISIONS, RECEIPT_VERSION } from './core.js';

const str = z.string().min(1).max(MAX_RECEIPT_STRING);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const ReceiptPolicyDecisionSchema = z.enum(RECEIPT_POLICY_DECISIONS);

const unsignedShape = {
  receipt_version: z.literal(RECEIPT_VERSION),
  receipt_id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a lowercase UUIDv7'),
  tenant_id: str,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  prev_receipt_hash: hex64.nullable(),
  decision_id: str,
  correlation_id: str,
  dispatched_at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, 'must be ISO-8601 UTC (…Z)'),
  worker_id: str.nullable(),
  worker_species_id: str.nullable(),
  capability_id: str,
  policy_decision: ReceiptPolicyDecisionSchema,
  deny_code: str.nullable(),
  controls_verified: z.array(str).max(RECEIPT_MAX_CONTROLS),
  artifact_hash: str.nullable(),
  rules_version: z.string().max(MAX_RECEIPT_STRING),
  approval_id: str.nullable(),
  signing_key_id: str,
  /** The decision was a rehearsal (RouteInput.dry_run): nothing dispatched, no approval used. See core.ts. */
  dry_run: z.boolean(),
  /** The log of a sharded tenant this receipt belongs to (absent: the tenant's only log). See core.ts. */
  shard: z.number().int().min(0).max(RECEIPT_MAX_SHARD).optional(),
};

const chainStart = {
  message: 'prev_receipt_hash must be null exactly when seq is 1',
  path: ['prev_receipt_hash'],
};
const startsCorrectly = (r: { seq: number; prev_receipt_hash: string | null }) => (r.seq === 1) === (r.prev_receipt_hash === null);
const dryRunCitesNothing = {
  message: 'must be null on a dry run (a dry run neither uses nor opens an approval)',
  path: ['approval_id'],
};
const citesNoApprovalIfDry = (r: { dry_run?: boolean | undefined; approval_id: string | null }) => r.dry_run !== true || r.approval_id === null;

/** A receipt before hashing and signing (what buildReceipt returns): dry_run is required. */
export const UnsignedReceiptSchema = z.looseObject(unsignedShape).refine(startsCorrectly, chainStart).refine(citesNoApprovalIfDry, dryRunCitesNothing);

/** A receipt as the Hall returns it. dry_run may be absent: receipts issued before it existed. */
export const ReceiptSchema = z
  .looseObject({
    ...unsignedShape,
    dry_run: z.boolean().optional(),
    receipt_hash: hex64,
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte Ed25519 signature in base64url'),
  })
  .refine(startsCorrectly, chainStart)
  .refine(citesNoApprovalIfDry, dryRunCitesNothing);

export type UnsignedReceipt = z.infer<typeof UnsignedReceiptSchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type ReceiptPolicyDecision = z.infer<typeof ReceiptPolicyDecisionSchema>;
