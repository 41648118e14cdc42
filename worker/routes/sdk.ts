// GET /sdk/verify.js (public): the Hall serves its own browser build of `edgehall/verify`, so a page
// can verify the Hall's evidence with WebCrypto without loading code from a CDN. The bundle is
// worker/generated/verify-sdk.ts (scripts/build-verify-sdk.mjs from src/verify.ts); its SHA-256 is
// the ETag. CORS `*`: module scripts from another origin need it, and the file holds no secrets.
import { VERIFY_SDK_JS, VERIFY_SDK_SHA256 } from '../generated/verify-sdk.js';
import type { RequestContext } from '../context.js';
import { cacheableResponse } from './taxonomy.js';

export const SDK_CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=604800';

export async function getVerifySdk(ctx: RequestContext): Promise<Response> {
  return cacheableResponse(ctx.request, VERIFY_SDK_JS, `"sha256-${VERIFY_SDK_SHA256}"`, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': SDK_CACHE_CONTROL,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    'x-content-type-options': 'nosniff',
  });
}
