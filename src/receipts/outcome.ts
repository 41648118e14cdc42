// Outcome records: what ran for an allowed decision and what it returned. The gateway appends one
// per dispatch, linked to the decision's receipt (decision_id, receipt_id, receipt_hash), so the
// evidence covers both "the Hall allowed X" and "X answered this". Signed exactly like receipts:
// outcome_hash = SHA-256 of the RFC 8785 canonical record without outcome_hash and signature;
// signature = Ed25519 over the ASCII bytes of the lowercase hex outcome_hash.
import { z } from 'zod';
import { fromBase64Url, toBase64Url, toHex, utf8 } from '../util/bytes.js';
import { canonicalJson } from '../util/jcs.js';
import { sha256Hex } from '../util/sha256.js';
import { sha256Async } from '../crypto/webcrypto.js';
import type { Ed25519Signer } from '../crypto/ed25519.js';
import { keyLookupFrom, type KeyLookup } from './verify.js';
import { generateUuidV7 } from './uuid.js';

export const OUTCOME_VERSION = 'edgehall.outcome.v1';

export const OUTCOME_SCHEMA_INVALID = 'OUTCOME_SCHEMA_INVALID';
export const OUTCOME_HASH_MISMATCH = 'OUTCOME_HASH_MISMATCH';
export const OUTCOME_KEY_UNKNOWN = 'OUTCOME_KEY_UNKNOWN';
export const OUTCOME_KEYS_INVALID = 'OUTCOME_KEYS_INVALID';
export const OUTCOME_SIGNATURE_INVALID = 'OUTCOME_SIGNATURE_INVALID';
/** The outcome does not belong to the receipt it was checked against. */
export const OUTCOME_RECEIPT_MISMATCH = 'OUTCOME_RECEIPT_MISMATCH';
export const OUTCOME_CRYPTO_UNAVAILABLE = 'OUTCOME_CRYPTO_UNAVAILABLE';

const str = z.string().min(1).max(512);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const uuidV7 = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a lowercase UUIDv7');
const isoUtc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, 'must be ISO-8601 UTC (…Z)');

export const OUTCOME_STATUSES = ['ok', 'failed'] as const;
export const DISPATCH_TARGET_KINDS = ['https', 'service', 'mcp'] as const;

const unsignedShape = {
  outcome_version: z.literal(OUTCOME_VERSION),
  outcome_id: uuidV7,
  decision_id: str,
  receipt_id: uuidV7,
  receipt_hash: hex64,
  tenant_id: str,
  worker_id: str.nullable(),
  capability_id: str,
  /** The kind of dispatch target called (null: the worker had none). */
  target_kind: z.enum(DISPATCH_TARGET_KINDS).nullable(),
  /** ok: the worker answered a valid tool result (which may itself be an error result); failed: error_code says why not. */
  status: z.enum(OUTCOME_STATUSES),
  /** A DISPATCH_* code when failed, else null. */
  error_code: z.string().regex(/^DISPATCH_[A-Z0-9_]{1,64}$/, 'must be a DISPATCH_* code').nullable(),
  /** The HTTP status the target answered with, when it answered. */
  http_status: z.number().int().min(100).max(599).nullable(),
  duration_ms: z.number().int().min(0).max(86_400_000),
  /** SHA-256 hex of the exact bytes the target returned (null when nothing came back). */
  result_sha256: hex64.nullable(),
  /** The tool result's own isError (null when there was no valid result). */
  result_is_error: z.boolean().nullable(),
  recorded_at: isoUtc,
  signing_key_id: str,
};

type Shape = { status: string; error_code: string | null; result_sha256: string | null; result_is_error: boolean | null };
const consistent = (o: Shape) =>
  o.status === 'ok' ? o.error_code === null && o.result_sha256 !== null && o.result_is_error !== null : o.error_code !== null && o.result_is_error === null;
const consistency = { message: 'status "ok" has no error_code and a result (result_sha256, result_is_error); "failed" has an error_code and no result_is_error', path: ['status'] };

export const UnsignedOutcomeSchema = z.object(unsignedShape).strict().refine(consistent, consistency);
export const OutcomeRecordSchema = z
  .object({ ...unsignedShape, outcome_hash: hex64, signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte Ed25519 signature in base64url') })
  .strict()
  .refine(consistent, consistency);
export type UnsignedOutcome = z.infer<typeof UnsignedOutcomeSchema>;
export type OutcomeRecord = z.infer<typeof OutcomeRecordSchema>;

/** Outcome fields the caller supplies; outcome_version is set, outcome_id and recorded_at default. */
export type OutcomeFields = Omit<UnsignedOutcome, 'outcome_version' | 'outcome_id' | 'recorded_at'> & { outcome_id?: string; recorded_at?: string };

const UNHASHED = new Set(['outcome_hash', 'signature']);

function hashInput(outcome: object): Uint8Array {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outcome)) if (!UNHASHED.has(k)) body[k] = v;
  return utf8(canonicalJson(body));
}

/** outcome_hash: SHA-256 hex of the RFC 8785 canonical record without outcome_hash and signature. */
export function hashOutcome(outcome: object): string {
  return sha256Hex(hashInput(outcome));
}

/** A validated, unsigned outcome record (throws TypeError naming the first problem). */
export function buildOutcome(fields: OutcomeFields): UnsignedOutcome {
  const candidate = {
    ...fields,
    outcome_version: OUTCOME_VERSION,
    outcome_id: fields.outcome_id ?? generateUuidV7(),
    recorded_at: fields.recorded_at ?? new Date().toISOString(),
  };
  const parsed = UnsignedOutcomeSchema.safeParse(candidate);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new TypeError(`outcome record invalid at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

/** Adds outcome_hash and the Ed25519 signature over its ASCII hex. */
export async function signOutcome(outcome: UnsignedOutcome, signer: Ed25519Signer): Promise<OutcomeRecord> {
  const outcome_hash = hashOutcome(outcome);
  const signature = toBase64Url(await signer.sign(utf8(outcome_hash)));
  return { ...outcome, outcome_hash, signature };
}

export interface OutcomeVerdict {
  ok: boolean;
  code?: string;
  message?: string;
}

/** The receipt fields an outcome must agree with (any receipt object will do). */
export interface OutcomeReceiptLink {
  receipt_id: string;
  receipt_hash: string;
  decision_id: string;
  tenant_id: string;
  worker_id: string | null;
  capability_id: string;
}

async function verifyWith(outcome: unknown, lookup: KeyLookup, receipt?: OutcomeReceiptLink): Promise<OutcomeVerdict> {
  const parsed = OutcomeRecordSchema.safeParse(outcome);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { ok: false, code: OUTCOME_SCHEMA_INVALID, message: `the outcome record is malformed (${i.path.join('.') || '(root)'}: ${i.message}).` };
  }
  const o = parsed.data;
  if (toHex(await sha256Async(hashInput(o))) !== o.outcome_hash) {
    return { ok: false, code: OUTCOME_HASH_MISMATCH, message: 'outcome_hash does not match the record: a field was changed after the Hall signed it.' };
  }
  const verifier = await lookup(o.signing_key_id);
  if (!verifier) {
    return { ok: false, code: OUTCOME_KEY_UNKNOWN, message: `signing key '${o.signing_key_id}' is not in the key set: fetch /.well-known/wcp-keys.json from the Hall that recorded the outcome.` };
  }
  if (!(await verifier.verify(utf8(o.outcome_hash), fromBase64Url(o.signature)))) {
    return { ok: false, code: OUTCOME_SIGNATURE_INVALID, message: 'the Ed25519 signature over outcome_hash does not verify with the named key.' };
  }
  if (receipt) {
    for (const f of ['receipt_id', 'receipt_hash', 'decision_id', 'tenant_id', 'worker_id', 'capability_id'] as const) {
      if (o[f] !== receipt[f]) return { ok: false, code: OUTCOME_RECEIPT_MISMATCH, message: `the outcome's ${f} differs from the receipt's: it records another decision.` };
    }
  }
  return { ok: true };
}

/**
 * Verifies an outcome record: strict shape, outcome_hash, and the Ed25519 signature with the key
 * named by signing_key_id in `jwks`; with `receipt`, also that it is that receipt's outcome. Never throws.
 */
export async function verifyOutcome(outcome: unknown, jwks: unknown, options: { receipt?: OutcomeReceiptLink } = {}): Promise<OutcomeVerdict> {
  let lookup: KeyLookup;
  try {
    lookup = await keyLookupFrom(jwks);
  } catch (err) {
    return { ok: false, code: OUTCOME_KEYS_INVALID, message: `the key set is unusable: ${(err as Error).message}` };
  }
  try {
    return await verifyWith(outcome, lookup, options.receipt);
  } catch (err) {
    return { ok: false, code: OUTCOME_CRYPTO_UNAVAILABLE, message: (err as Error)?.message ?? String(err) };
  }
}
