// GET /.well-known/wcp-keys.json: every public key the Hall has signed receipts with (D1
// `signing_keys`), plus the current one — so receipts stay verifiable after a key rotation.
import type { RequestContext } from '../context.js';
import { jsonResponse } from '../http/problem.js';
import { recordedX } from '../signer.js';

export async function wcpKeys(ctx: RequestContext): Promise<Response> {
  const keys: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const rows = await ctx.stores.evidence.listSigningKeys();
  try {
    const current = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
    // A kid already recorded for another key keeps naming that key (the Hall refuses to sign with
    // a key that reuses it), so the receipts it signed stay verifiable.
    const recorded = rows.find((r) => r.kid === current.kid);
    if (!recorded || recordedX(recorded.public_jwk) === current.publicJwk.x) {
      keys.push({ ...current.publicJwk });
      seen.add(current.kid);
    }
  } catch {
    // No usable current key: the historical keys are still worth serving.
  }
  for (const row of rows) {
    if (seen.has(row.kid)) continue;
    try {
      const jwk = JSON.parse(row.public_jwk) as Record<string, unknown>;
      keys.push({ ...jwk, kid: row.kid });
      seen.add(row.kid);
    } catch {
      // A corrupt row is skipped rather than breaking the key set.
    }
  }
  return jsonResponse({ keys }, 200, { 'cache-control': 'public, max-age=60' });
}
