// examples/dispatch-target.ts (embedded verbatim in docs/dispatch.md) runs: it fetches the Hall's
// key set from HALL_URL, accepts a genuine dispatch, and refuses a replay and another worker's call.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import target from '../../examples/dispatch-target.js';
import { dispatchRequest, envelope, hallKey, routeInput, WORKER_ID } from './fixtures.js';

const key = await hallKey();
let server: Server;
let hallUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/.well-known/wcp-keys.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(key.jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hallUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('examples/dispatch-target.ts', () => {
  it('runs a genuine dispatch and refuses its replay', async () => {
    const env = { HALL_URL: hallUrl, WORKER_ID };
    const e = await envelope(key, routeInput({ request: { tool: 'cap.doc.count', arguments: { text: 'one two three' } } }));
    const ok = await target.fetch(dispatchRequest(e), env);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ content: [{ type: 'text', text: '3 words' }], structuredContent: { words: 3, decision_id: e.decision_id } });
    const replay = await target.fetch(dispatchRequest(e), env);
    expect(replay.status).toBe(403);
    expect(JSON.stringify(await replay.json())).toContain('DISPATCH_REPLAYED');
  });

  it('refuses a call the Hall selected another worker for', async () => {
    const e = await envelope(key, routeInput(), { worker_id: 'org.demo.someone-else' });
    const res = await target.fetch(dispatchRequest(e), { HALL_URL: hallUrl, WORKER_ID });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('DISPATCH_WRONG_WORKER');
  });

  it('is embedded verbatim in docs/dispatch.md', () => {
    const root = new URL('../../', import.meta.url);
    const source = readFileSync(new URL('examples/dispatch-target.ts', root), 'utf8').trimEnd();
    expect(readFileSync(new URL('docs/dispatch.md', root), 'utf8')).toContain('```ts\n' + source + '\n```');
  });
});
