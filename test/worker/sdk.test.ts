// GET /sdk/verify.js: the Hall serves its own build of edgehall/verify (a browser ESM module), so
// pages need no CDN. test/browser/hall-sdk.test.ts imports it in Chromium and checks it is current.
import { describe, expect, it } from 'vitest';
import { VERIFY_SDK_JS, VERIFY_SDK_SHA256 } from '../../worker/generated/verify-sdk.js';
import { call, json } from './helpers.js';

const sha256Hex = async (text: string): Promise<string> =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (b) => b.toString(16).padStart(2, '0')).join('');

describe('GET /sdk/verify.js', () => {
  it('serves the verify module as cross-origin JavaScript, cached long, with its SHA-256 as the ETag', async () => {
    const res = await call('/sdk/verify.js', { headers: { origin: 'https://evidence.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=86400\b/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await res.text();
    expect(text).toBe(VERIFY_SDK_JS);
    expect(await sha256Hex(text)).toBe(VERIFY_SDK_SHA256);
    expect(res.headers.get('etag')).toBe(`"sha256-${VERIFY_SDK_SHA256}"`);
    // An ES module exporting the verifiers (Chromium imports and runs it in test/browser).
    expect(text).toMatch(/export\{[^}]*\bverifyChain\b/);
    expect(text).toMatch(/export\{[^}]*\bverifyReceipt\b/);
    expect(text).not.toMatch(/\brequire\(/);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const res = await call('/sdk/verify.js', { headers: { 'if-none-match': `"sha256-${VERIFY_SDK_SHA256}"` } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
  });

  it('is in /openapi.json as a public text/javascript endpoint', async () => {
    const op = (await json(await call('/openapi.json'))).paths['/sdk/verify.js'].get;
    expect(op['x-edgehall-auth']).toBe('public');
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/javascript']);
    expect(op.responses['304'].content).toBeUndefined();
  });
});
