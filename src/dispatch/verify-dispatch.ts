// verifyDispatch: a worker's own check of a call the Hall dispatched to it — "every execution
// re-verifies". The worker trusts nothing in the request but what the Hall signed:
//   the envelope parses strictly → the receipt's Ed25519 signature verifies against the Hall's JWKS
//   → it is an ALLOW, not a dry run, for this very worker, for this decision/tenant/capability
//   → artifact_hash recomputed from the route_input received equals the signed one (so arguments
//   were not changed on the way) → dispatched_at is fresh → the receipt was not executed before.
// Web-standard: runs in Workers, Node, Deno, Bun and browsers.
import { computeArtifactHash } from '../routing/artifact-hash.js';
import { verifyReceipt } from '../receipts/verify.js';
import * as RC from '../receipts/codes.js';
import type { Receipt } from '../receipts/schema.js';
import { concatBytes } from '../util/bytes.js';
import { DISPATCH_DECISION_HEADER, DISPATCH_RECEIPT_HEADER, DispatchEnvelopeSchema, dispatchArguments, type DispatchedRouteInput } from './envelope.js';
import { MemorySeenSet, SeenSetFullError, type DispatchSeenSet } from './seen-set.js';

export const DISPATCH_MALFORMED = 'DISPATCH_MALFORMED';
export const DISPATCH_SIGNATURE_INVALID = 'DISPATCH_SIGNATURE_INVALID';
export const DISPATCH_KEY_UNKNOWN = 'DISPATCH_KEY_UNKNOWN';
export const DISPATCH_KEYS_INVALID = 'DISPATCH_KEYS_INVALID';
export const DISPATCH_NOT_ALLOWED = 'DISPATCH_NOT_ALLOWED';
export const DISPATCH_DRY_RUN = 'DISPATCH_DRY_RUN';
export const DISPATCH_WRONG_WORKER = 'DISPATCH_WRONG_WORKER';
export const DISPATCH_ENVELOPE_MISMATCH = 'DISPATCH_ENVELOPE_MISMATCH';
export const DISPATCH_ARTIFACT_MISMATCH = 'DISPATCH_ARTIFACT_MISMATCH';
export const DISPATCH_STALE = 'DISPATCH_STALE';
export const DISPATCH_REPLAYED = 'DISPATCH_REPLAYED';
export const DISPATCH_REPLAY_CACHE_FULL = 'DISPATCH_REPLAY_CACHE_FULL';
export const DISPATCH_CRYPTO_UNAVAILABLE = 'DISPATCH_CRYPTO_UNAVAILABLE';

export type DispatchRefusalCode =
  | typeof DISPATCH_MALFORMED
  | typeof DISPATCH_SIGNATURE_INVALID
  | typeof DISPATCH_KEY_UNKNOWN
  | typeof DISPATCH_KEYS_INVALID
  | typeof DISPATCH_NOT_ALLOWED
  | typeof DISPATCH_DRY_RUN
  | typeof DISPATCH_WRONG_WORKER
  | typeof DISPATCH_ENVELOPE_MISMATCH
  | typeof DISPATCH_ARTIFACT_MISMATCH
  | typeof DISPATCH_STALE
  | typeof DISPATCH_REPLAYED
  | typeof DISPATCH_REPLAY_CACHE_FULL
  | typeof DISPATCH_CRYPTO_UNAVAILABLE;

export const DEFAULT_DISPATCH_MAX_AGE_MS = 60_000;
/** How far in the future dispatched_at may be (the Hall's and the worker's clocks differ a little). */
export const DEFAULT_DISPATCH_MAX_SKEW_MS = 5_000;
/** Largest dispatch body verifyDispatch reads. */
export const DEFAULT_DISPATCH_MAX_BYTES = 4 * 1024 * 1024;

export interface VerifyDispatchOptions {
  /** The Hall's key set (GET /.well-known/wcp-keys.json). */
  jwks: unknown;
  /** This worker's own worker_id: a receipt issued for another worker is refused. */
  workerId: string;
  /** How old dispatched_at may be (default 60 s). */
  maxAgeMs?: number;
  /** How far in the future dispatched_at may be (default 5 s). */
  maxSkewMs?: number;
  /** Replay store (default: one bounded in-memory set shared by every call in this process). */
  seen?: DispatchSeenSet;
  /** Clock (ms since the epoch); for tests. */
  now?: () => number;
  /** Largest body read by verifyDispatch (default 4 MiB). */
  maxBytes?: number;
}

export interface DispatchAccepted {
  ok: true;
  /** The effective RouteInput the Hall decided on. */
  input: DispatchedRouteInput;
  /** The tool arguments (route_input.request.arguments). */
  arguments: Record<string, unknown>;
  receipt: Receipt;
  decisionId: string;
  tool: string;
}

export interface DispatchRefused {
  ok: false;
  code: DispatchRefusalCode;
  message: string;
}

export type DispatchVerdict = DispatchAccepted | DispatchRefused;

const refuse = (code: DispatchRefusalCode, message: string): DispatchRefused => ({ ok: false, code, message });

const sharedSeen = new MemorySeenSet();

async function readCapped(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/**
 * Verifies an HTTP dispatch (https or Service binding target): POST, JSON body = the envelope, and
 * the x-wcp-decision-id / x-wcp-receipt-id headers equal to the body's. Never throws.
 */
export async function verifyDispatch(request: Request, options: VerifyDispatchOptions): Promise<DispatchVerdict> {
  if (request.method !== 'POST') return refuse(DISPATCH_MALFORMED, `a dispatch is a POST, not ${request.method.slice(0, 16)}.`);
  const limit = options.maxBytes ?? DEFAULT_DISPATCH_MAX_BYTES;
  let value: unknown;
  try {
    const bytes = await readCapped(request, limit);
    if (bytes === null) return refuse(DISPATCH_MALFORMED, `the dispatch body is larger than ${limit} bytes.`);
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return refuse(DISPATCH_MALFORMED, 'the dispatch body is not UTF-8 JSON.');
  }
  const body = value as { decision_id?: unknown; receipt?: { receipt_id?: unknown } } | null;
  const decisionHeader = request.headers.get(DISPATCH_DECISION_HEADER);
  const receiptHeader = request.headers.get(DISPATCH_RECEIPT_HEADER);
  if (decisionHeader === null || receiptHeader === null) {
    return refuse(DISPATCH_MALFORMED, `a dispatch carries the ${DISPATCH_DECISION_HEADER} and ${DISPATCH_RECEIPT_HEADER} headers.`);
  }
  if (body === null || typeof body !== 'object' || decisionHeader !== body.decision_id || receiptHeader !== body.receipt?.receipt_id) {
    return refuse(DISPATCH_ENVELOPE_MISMATCH, `the ${DISPATCH_DECISION_HEADER} / ${DISPATCH_RECEIPT_HEADER} headers do not name the decision and receipt in the body.`);
  }
  return verifyDispatchEnvelope(value, options);
}

/**
 * Verifies a dispatch envelope that arrived some other way (e.g. an MCP server reading
 * params._meta["org.edgehall/wcp"] of a tools/call). The same checks as verifyDispatch, minus HTTP.
 */
export async function verifyDispatchEnvelope(value: unknown, options: VerifyDispatchOptions): Promise<DispatchVerdict> {
  const parsed = DispatchEnvelopeSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown problem';
    return refuse(DISPATCH_MALFORMED, `the dispatch envelope is invalid (${where}).`);
  }
  const env = parsed.data;
  const receipt = env.receipt;
  const input = env.route_input;

  // Authentic first: every later check reads fields the Hall signed.
  const v = await verifyReceipt(receipt, options.jwks);
  if (!v.ok) {
    switch (v.code) {
      case RC.RECEIPT_KEY_UNKNOWN:
        return refuse(DISPATCH_KEY_UNKNOWN, `${v.message} (refresh the JWKS the worker verifies with).`);
      case RC.RECEIPT_KEYS_INVALID:
        return refuse(DISPATCH_KEYS_INVALID, v.message ?? 'the key set is unusable.');
      case RC.RECEIPT_CRYPTO_UNAVAILABLE:
        return refuse(DISPATCH_CRYPTO_UNAVAILABLE, v.message ?? 'this runtime cannot verify Ed25519.');
      case RC.RECEIPT_SCHEMA_INVALID:
        return refuse(DISPATCH_MALFORMED, v.message ?? 'the receipt is malformed.');
      default:
        return refuse(DISPATCH_SIGNATURE_INVALID, `the receipt is not the Hall's: ${v.message}`);
    }
  }

  if (receipt.policy_decision !== 'ALLOW' || receipt.deny_code !== null) {
    return refuse(DISPATCH_NOT_ALLOWED, `the receipt records ${receipt.policy_decision}${receipt.deny_code ? ` (${receipt.deny_code})` : ''}, not ALLOW: the Hall did not allow this call.`);
  }
  // A receipt without dry_run predates v0.2: whether it was a rehearsal is unknown, so refuse it.
  if (receipt.dry_run !== false || input.dry_run) {
    return refuse(DISPATCH_DRY_RUN, 'the receipt is for a dry run (a rehearsal): nothing may be executed for it.');
  }
  if (receipt.worker_id !== options.workerId) {
    return refuse(DISPATCH_WRONG_WORKER, `the receipt selects worker ${String(receipt.worker_id).slice(0, 256)}, not this worker (${options.workerId.slice(0, 256)}).`);
  }
  const mismatch =
    env.decision_id !== receipt.decision_id ? 'decision_id' :
    env.tool !== receipt.capability_id ? 'tool' :
    input.capability_id !== receipt.capability_id ? 'route_input.capability_id' :
    input.tenant_id !== receipt.tenant_id ? 'route_input.tenant_id' :
    input.correlation_id !== receipt.correlation_id ? 'route_input.correlation_id' : null;
  if (mismatch) return refuse(DISPATCH_ENVELOPE_MISMATCH, `the envelope's ${mismatch} differs from the signed receipt's.`);

  let artifact: string;
  try {
    artifact = computeArtifactHash(input);
  } catch {
    return refuse(DISPATCH_MALFORMED, 'route_input cannot be serialised for artifact_hash.');
  }
  if (receipt.artifact_hash !== artifact) {
    return refuse(DISPATCH_ARTIFACT_MISMATCH, 'artifact_hash recomputed from route_input differs from the signed one: the input or its arguments were changed after the Hall decided.');
  }

  const now = (options.now ?? Date.now)();
  const maxAge = options.maxAgeMs ?? DEFAULT_DISPATCH_MAX_AGE_MS;
  const skew = options.maxSkewMs ?? DEFAULT_DISPATCH_MAX_SKEW_MS;
  const at = Date.parse(receipt.dispatched_at);
  if (!Number.isFinite(at) || now - at > maxAge) {
    return refuse(DISPATCH_STALE, `the receipt was issued at ${receipt.dispatched_at}, more than ${maxAge} ms ago; a dispatch must be executed promptly (or check the worker's clock).`);
  }
  if (at - now > skew) {
    return refuse(DISPATCH_STALE, `the receipt claims ${receipt.dispatched_at}, more than ${skew} ms in the future (check the worker's and the Hall's clocks).`);
  }

  const seen = options.seen ?? sharedSeen;
  try {
    if ((await seen.has(receipt.receipt_id)) || (await seen.add(receipt.receipt_id, at + maxAge + skew)) === false) {
      return refuse(DISPATCH_REPLAYED, `receipt ${receipt.receipt_id} was already executed here; a receipt allows one execution.`);
    }
  } catch (err) {
    if (err instanceof SeenSetFullError) return refuse(DISPATCH_REPLAY_CACHE_FULL, `${err.message}; refusing rather than forgetting one (raise its capacity or use a shared store).`);
    return refuse(DISPATCH_REPLAY_CACHE_FULL, `the replay store failed (${(err as Error)?.message ?? String(err)}); refusing rather than risking a replay.`);
  }

  return { ok: true, input, arguments: dispatchArguments(input), receipt, decisionId: env.decision_id, tool: env.tool };
}
