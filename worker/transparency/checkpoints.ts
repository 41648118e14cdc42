// Signed checkpoints of the tenant logs, signed by the Worker on demand for a log's current head
// with the Hall's receipt key (the key /.well-known/wcp-keys.json lists), through the tenant log's
// own origin and note helpers (worker/log/checkpoint-note.ts). Ed25519 is deterministic, so a tree
// size has exactly one checkpoint: the note signed here is byte for byte the one the log object
// signs for the same head (test/log-http/object-checkpoint.test.ts). Signing here rather than
// asking the object keeps every answer at the log's current head (and covers the empty log, which
// the object never signs); the per-isolate cache only saves the signing.
import { fromBase64Std } from '../../src/log/index.js';
import type { RequestContext } from '../context.js';
import { originOf, signTreeHead } from '../log/checkpoint-note.js';
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

/** The Hall's signed checkpoint of `head`, a tree head of the tenant's log `shard`. */
export async function signedCheckpoint(ctx: RequestContext, tenantId: string, shard: number, head: TreeHead): Promise<PublishedCheckpoint> {
  const origin = originOf(ctx.env, tenantId, shard);
  const signer = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
  // The key must be in the JWKS before anything it signed leaves the Hall (as for receipts).
  await ctx.runtime.signer.ensureRecorded(signer, ctx.stores.evidence);
  let cache = notes.get(ctx.runtime);
  if (!cache) notes.set(ctx.runtime, (cache = new Map()));
  const key = `${signer.publicJwk.x}\n${origin}\n${head.size}\n${head.root}`;
  let note = cache.get(key);
  if (note === undefined) {
    note = await signTreeHead(signer.ed, origin, head.size, fromBase64Std(head.root));
    if (cache.size >= CACHE_NOTES) cache.delete(cache.keys().next().value!);
    cache.set(key, note);
  }
  return { origin, tree_size: head.size, root: head.root, note };
}
