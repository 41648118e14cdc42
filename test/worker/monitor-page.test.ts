// GET /monitor (the Hall Monitor page) and the files it loads, inside workerd: a Content-Security-
// Policy whose script-src is 'self' only (no 'unsafe-inline'), no inline script or style and no
// third-party URL in the HTML, versioned assets with ETags, and the client SDK build it imports.
import { describe, expect, it } from 'vitest';
import { call } from './helpers.js';

describe('GET /monitor', () => {
  it('serves the page with a strict CSP, and its script and the client SDK from this origin', async () => {
    const page = await call('/monitor');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).toBe("'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/default-src 'none'/);
    const html = await page.text();
    const js = /src="(\/monitor\/app\.js\?v=[0-9a-f]+)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    expect(html).not.toMatch(/<script>|<style|style=|https?:\/\//);
    const script = await call(js!);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toMatch(/\/sdk\/client\.js\?v=/);
    const etag = script.headers.get('etag')!;
    expect((await call(js!, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const client = await call('/sdk/client.js');
    expect(client.headers.get('access-control-allow-origin')).toBe('*');
    expect(await client.text()).toMatch(/HallClient|enrollmentArtifactHash/);
  });
});
