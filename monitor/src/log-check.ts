// The transparency-log half of the Evidence screen: the tenant log's signed checkpoint verified
// against the Hall's JWKS (origin pinned to the one this browser first saw for the tenant), the
// chain's head proved included in it, and the checkpoint proved consistent with the last one this
// browser verified (remembered in localStorage). A log that now has fewer leaves than it once
// signed, or whose tree no longer extends the remembered one, is flagged — the Hall cannot hide a
// truncation or a rewrite from a browser that has seen an earlier checkpoint.
import type { HallLogClient, HallReceipt } from '/sdk/client.js';

type Verify = typeof import('/sdk/verify.js');

export type LogState = 'consistent' | 'first' | 'shrunk' | 'rewritten' | 'invalid' | 'unavailable';

export interface LogCheck {
  state: LogState;
  /** One sentence for the page. */
  message: string;
  tree_size?: number;
  origin?: string;
}

interface SeenCheckpoint {
  origin: string;
  tree_size: number;
  root_hash: string;
  at: string;
}

const KEY = 'edgehall.monitor.checkpoint.';

/** The tenant as C2SP origin lines carry it (src/log/origin.ts encodes it the same way). */
const encodeTenant = (t: string) => encodeURIComponent(t).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const LOG_NAME = /^[A-Za-z0-9.:_-]{1,200}$/;

/** `<hall>/log/<tenant>` for some Hall name: what to accept before an origin is pinned. */
function isOriginOf(origin: string, tenant: string): boolean {
  const tail = `/log/${encodeTenant(tenant)}`;
  return origin.endsWith(tail) && LOG_NAME.test(origin.slice(0, -tail.length));
}

function remembered(tenant: string): SeenCheckpoint | null {
  try {
    const v = JSON.parse(localStorage.getItem(KEY + tenant) ?? 'null') as SeenCheckpoint | null;
    return v && typeof v.tree_size === 'number' && typeof v.root_hash === 'string' && typeof v.origin === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function forgetCheckpoint(tenant: string): void {
  localStorage.removeItem(KEY + tenant);
}

/** Fetched before the chain, so the chain the page then reads covers at least this tree. */
export async function fetchCheckpoint(log: HallLogClient, tenant: string): Promise<string | Error> {
  try {
    return await log.checkpoint(tenant);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export async function checkLog(verify: Verify, log: HallLogClient, tenant: string, note: string | Error, jwks: unknown, receipts: readonly HallReceipt[]): Promise<LogCheck> {
  if (note instanceof Error) {
    const status = (note as { status?: unknown }).status;
    return { state: 'unavailable', message: status === 403 ? 'This token may not read the tenant log (checkpoints and proofs are for the tenant and the admin).' : `No checkpoint: ${note.message}` };
  }
  const seen = remembered(tenant);
  const cp = await verify.verifyCheckpoint(note, { jwks, ...(seen ? { origin: seen.origin } : {}) });
  if (!cp.ok || cp.tree_size === undefined || !cp.root_hash || !cp.origin) return { state: 'invalid', message: `The checkpoint does not verify: ${cp.code ?? 'LOG_CHECKPOINT_INVALID'} — ${cp.message ?? ''}` };
  if (!seen && !isOriginOf(cp.origin, tenant)) return { state: 'invalid', message: `The checkpoint is for ${cp.origin}, not for tenant ${tenant}'s log.` };
  const size = cp.tree_size;
  const base = { tree_size: size, origin: cp.origin };

  // The Hall signed a tree of `size` leaves: it must serve at least that many receipts.
  if (receipts.length < size) {
    return { ...base, state: 'shrunk', message: `The Hall signed a log of ${size} receipts but served only ${receipts.length} (checkpoint ${cp.origin}): receipts were removed.` };
  }
  if (size > 0) {
    const head = receipts[size - 1]!;
    const proof = await log.receiptProof(String(head['receipt_id']), { tree_size: size });
    const inc = verify.verifyInclusion(String(head['receipt_hash']), size - 1, size, proof.hashes, cp.root_hash);
    if (!inc.ok) return { ...base, state: 'rewritten', message: `Receipt seq ${size} is not leaf ${size - 1} of the signed tree: ${inc.code} — ${inc.message}` };
  }

  if (seen) {
    const when = new Date(seen.at).toLocaleString();
    if (seen.tree_size > size) {
      return { ...base, state: 'shrunk', message: `The log shrank: this browser verified a checkpoint of ${seen.tree_size} receipts on ${when}; the Hall now signs ${size}.` };
    }
    if (seen.tree_size === size && seen.root_hash !== cp.root_hash) {
      return { ...base, state: 'rewritten', message: `The log was rewritten: two signed roots for ${size} receipts (this browser's from ${when} and today's). Keep both checkpoints as evidence.` };
    }
    if (seen.tree_size < size) {
      const c = await log.consistencyProof(tenant, seen.tree_size, size);
      const v = verify.verifyConsistency(seen.tree_size, size, seen.root_hash, cp.root_hash, c.hashes);
      if (!v.ok) return { ...base, state: 'rewritten', message: `The log was rewritten: the tree of ${size} receipts does not extend the one of ${seen.tree_size} this browser verified on ${when} (${v.code}).` };
    }
  }
  localStorage.setItem(KEY + tenant, JSON.stringify({ origin: cp.origin, tree_size: size, root_hash: cp.root_hash, at: new Date().toISOString() } satisfies SeenCheckpoint));
  return seen
    ? { ...base, state: 'consistent', message: `Checkpoint of ${size} receipts verified (${cp.origin}); receipt seq ${size} is included, and the log extends the ${seen.tree_size} this browser verified on ${new Date(seen.at).toLocaleString()}.` }
    : { ...base, state: 'first', message: `Checkpoint of ${size} receipts verified (${cp.origin}); receipt seq ${size} is included. This browser now remembers it and will check that the log only grows.` };
}
