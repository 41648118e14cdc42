// The Hall's receipt keys (GET /.well-known/wcp-keys.json), read through the HALL Service binding
// (local: the Hall runs in the same `wrangler dev` session) or from HALL_JWKS_URL, and cached
// briefly: one key-set read per isolate per minute, not one per call. A refresh is forced when a
// receipt names a key the cached set lacks (the Hall rotated its key).
export interface DemoEnv {
  /** Service binding to the Hall (demo-workers/wrangler.toml). */
  HALL?: Fetcher;
  /** Alternative to HALL: the Hall's JWKS URL (a deployed demo worker next to a deployed Hall). */
  HALL_JWKS_URL?: string;
}

export class HallKeysUnavailable extends Error {}

const TTL_MS = 60_000;
const MAX_JWKS_BYTES = 64 * 1024;
let cached: { jwks: unknown; at: number } | null = null;

async function readKeys(env: DemoEnv): Promise<unknown> {
  let res: Response;
  try {
    if (env.HALL) res = await env.HALL.fetch('https://hall.internal/.well-known/wcp-keys.json');
    else if (env.HALL_JWKS_URL) res = await fetch(env.HALL_JWKS_URL);
    else throw new HallKeysUnavailable('this demo worker has neither a HALL Service binding nor HALL_JWKS_URL, so it cannot check who sent a call. Bind HALL to the Hall (demo-workers/wrangler.toml).');
  } catch (err) {
    if (err instanceof HallKeysUnavailable) throw err;
    throw new HallKeysUnavailable(`the Hall's key set could not be read (${(err as Error)?.message ?? String(err)}). Is the Hall running?`);
  }
  const text = await res.text();
  if (res.status !== 200 || text.length > MAX_JWKS_BYTES) throw new HallKeysUnavailable(`the Hall answered ${res.status} for its key set. Is the Hall running and healthy?`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HallKeysUnavailable('the Hall\'s key set is not JSON.');
  }
}

/** The Hall's JWKS; `fresh` bypasses the cache (after an unknown key id). */
export async function hallKeys(env: DemoEnv, fresh = false): Promise<{ jwks: unknown; fetchedNow: boolean }> {
  const now = Date.now();
  if (!fresh && cached && now - cached.at < TTL_MS) return { jwks: cached.jwks, fetchedNow: false };
  const jwks = await readKeys(env);
  cached = { jwks, at: now };
  return { jwks, fetchedNow: true };
}
