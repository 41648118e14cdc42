// The Hall Monitor (GET /monitor, /monitor/app.js, /monitor/app.css) and the browser build of
// edgehall/client it imports (GET /sdk/client.js). All public: the page holds no data; it asks for a
// token and calls the Hall API with it as a bearer header (never a cookie, so no CSRF surface).
// The files are worker/generated/*.ts (scripts/build-monitor.mjs), strings in the Worker bundle —
// no static-assets binding, no nodejs_compat — each with its SHA-256 as the ETag.
//
// The page's Content-Security-Policy allows scripts, styles and fetches from this origin only (no
// inline script or style, no third party) and requires Trusted Types, so an HTML sink such as
// innerHTML throws instead of parsing: every value from the Hall is rendered as text.
import type { RequestContext } from '../context.js';
import { CLIENT_SDK_JS, CLIENT_SDK_SHA256 } from '../generated/client-sdk.js';
import { MONITOR_CSS, MONITOR_CSS_SHA256, MONITOR_HTML, MONITOR_HTML_SHA256, MONITOR_JS, MONITOR_JS_SHA256 } from '../generated/monitor-assets.js';
import { SDK_CACHE_CONTROL } from './sdk.js';
import { cacheableResponse } from './taxonomy.js';

export const MONITOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': MONITOR_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** The page revalidates on every load (a 304 is cheap); its assets are versioned by URL. */
export async function getMonitorPage(ctx: RequestContext): Promise<Response> {
  return cacheableResponse(ctx.request, MONITOR_HTML, `"sha256-${MONITOR_HTML_SHA256}"`, {
    ...PAGE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
  });
}

export async function getMonitorJs(ctx: RequestContext): Promise<Response> {
  return cacheableResponse(ctx.request, MONITOR_JS, `"sha256-${MONITOR_JS_SHA256}"`, {
    ...PAGE_HEADERS,
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': SDK_CACHE_CONTROL,
  });
}

export async function getMonitorCss(ctx: RequestContext): Promise<Response> {
  return cacheableResponse(ctx.request, MONITOR_CSS, `"sha256-${MONITOR_CSS_SHA256}"`, {
    ...PAGE_HEADERS,
    'content-type': 'text/css; charset=utf-8',
    'cache-control': SDK_CACHE_CONTROL,
  });
}

/** Like /sdk/verify.js: CORS `*` (module scripts from another origin need it); it holds no secrets. */
export async function getClientSdk(ctx: RequestContext): Promise<Response> {
  return cacheableResponse(ctx.request, CLIENT_SDK_JS, `"sha256-${CLIENT_SDK_SHA256}"`, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': SDK_CACHE_CONTROL,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    'x-content-type-options': 'nosniff',
  });
}
