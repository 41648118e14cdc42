// Signed checkpoints of the tenant logs (C2SP tlog-checkpoint in a C2SP signed note, Ed25519),
// signed by the Worker on demand with the Hall's receipt key — the key /.well-known/wcp-keys.json
// lists — under the key name = the origin line. Ed25519 is deterministic and the origin, key and
// format are the tenant-log object's, so a tree size has exactly one checkpoint: the note signed
// here is byte for byte the one the object signs for the same head. Every request sees the log's
// current head (fresher than any refresh interval); the per-isolate cache only saves the signing.
import { DEFAULT_LOG_NAME, formatCheckpoint, isLogName, logOrigin, signCheckpoint } from '../../src/log/index.js';
import type { RequestContext } from '../context.js';
import { HallHttpError } from '../http/problem.js';
import type { TreeHead } from '../log/tenant-log.js';
import type { HallRuntime } from '../runtime.js';

export interface PublishedCheckpoint {
  origin: string;
  tree_size: number;
  /** Padded standard base64 of the root. */
  root: string;
  /** The signed note, as GET /wcp/log/{tenant}/checkpoint serves it. */
  note: string;
}

/** Signed notes an isolate keeps (oldest dropped first). */
const CACHE_NOTES = 512;
const notes = new WeakMap<HallRuntime, Map<string, string>>();

/**
 * The checkpoint origin of a tenant's log on this Hall (src/log/origin.ts): `<hall>/log/<tenant>`,
 * <hall> = HALL_LOG_NAME or "edgehall". A malformed HALL_LOG_NAME is refused, never replaced: the
 * origin is what auditors pin, so it must be the one the operator meant.
 */
export function checkpointOrigin(ctx: RequestContext, tenantId: string): string {
  const configured = ctx.env.HALL_LOG_NAME;
  if (configured !== undefined && configured !== '' && !isLogName(configured)) {
    throw new HallHttpError(503, 'HALL_LOG_NAME_INVALID', "HALL_LOG_NAME must be 1-200 letters, digits, '.', ':', '_' or '-' (e.g. hall.example.com), so the Hall cannot name its logs. Fix the variable in wrangler.toml.");
  }
  return logOrigin(configured || DEFAULT_LOG_NAME, tenantId);
}

/** The Hall's signed checkpoint of `head` (a tree head of the tenant's log). */
export async function signedCheckpoint(ctx: RequestContext, tenantId: string, head: TreeHead): Promise<PublishedCheckpoint> {
  const origin = checkpointOrigin(ctx, tenantId);
  const signer = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
  // The key must be in the JWKS before anything it signed leaves the Hall (as for receipts).
  await ctx.runtime.signer.ensureRecorded(signer, ctx.stores.evidence);
  let cache = notes.get(ctx.runtime);
  if (!cache) notes.set(ctx.runtime, (cache = new Map()));
  const key = `${signer.publicJwk.x}\n${origin}\n${head.size}\n${head.root}`;
  let note = cache.get(key);
  if (note === undefined) {
    note = await signCheckpoint(formatCheckpoint({ origin, tree_size: head.size, root_hash: head.root }), origin, signer.ed);
    if (cache.size >= CACHE_NOTES) cache.delete(cache.keys().next().value!);
    cache.set(key, note);
  }
  return { origin, tree_size: head.size, root: head.root, note };
}
