// Streamed bodies against a real `npm start` Hall (wrangler dev, node's http client): a chunked
// body (no Content-Length) over a route's cap used to get wrangler's 503 text/plain "Your worker
// restarted mid-request" instead of 413 BODY_TOO_LARGE, and broke the request after it (and any in
// flight): the worker cancelled the body at the cap and answered while the client was still sending.
// One Hall for the whole file; requests share keep-alive connections so "the next request" really
// is the next one on the same socket.
import { Agent, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/prng.js';
import { copyProject, devVars, freePort, removeProject, startHall, type RunningHall } from './hall-process.js';

let dir = '';
let hall: RunningHall;
let TENANT = '';
let ADMIN = '';
let ROUTE_BODY = '';

beforeAll(async () => {
  dir = copyProject('edgehall-bodies-');
  hall = await startHall(dir, await freePort());
  if (!hall.output().includes('[edgehall] ready:')) throw new Error(`npm start did not get ready:\n${hall.output()}`);
  const vars = devVars(dir);
  TENANT = vars['HALL_DEMO_TENANT_TOKEN']!;
  ADMIN = vars['HALL_ADMIN_TOKEN']!;
  ROUTE_BODY = readFileSync(join(dir, 'kv-seed/examples/route.json'), 'utf8');
});

afterAll(async () => {
  if (hall) expect(await hall.stop(), hall.output()).toBe(0);
  if (dir) removeProject(dir);
});

interface Answer {
  status?: number;
  contentType?: string;
  body?: string;
  error?: string;
}

interface Send {
  method: string;
  path: string;
  token?: string;
  /** A string/bytes body is sent chunked unless `contentLength` is set. */
  body?: string | Uint8Array;
  /** Bytes of filler to stream chunked after `body` (no Content-Length). */
  stream?: number;
  contentLength?: boolean;
  headers?: Record<string, string>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace, so only the size is wrong

function send(agent: Agent, s: Send): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...s.headers };
    if (s.token) headers['authorization'] = `Bearer ${s.token}`;
    const head = s.body === undefined ? Buffer.alloc(0) : Buffer.from(s.body);
    const hasBody = s.body !== undefined || (s.stream ?? 0) > 0;
    if (hasBody) {
      if (s.contentLength) headers['content-length'] = String(head.length);
      else headers['transfer-encoding'] = 'chunked';
    }
    const req = httpRequest({ host: '127.0.0.1', port: hall.port, path: s.path, method: s.method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (text.length < 65_536) text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: text }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `response: ${e.code ?? e.message}` }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `request: ${e.code ?? e.message}` }));
    if (!hasBody) {
      req.end();
      return;
    }
    if (head.length) req.write(head);
    let left = s.stream ?? 0;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(CHUNK.length, left);
        left -= n;
        if (!req.write(CHUNK.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

const validRoute = (agent: Agent) => send(agent, { method: 'POST', path: '/route', token: TENANT, body: ROUTE_BODY, contentLength: true });

function expectTooLarge(a: Answer, what: string): void {
  expect(a.error, what).toBeUndefined();
  expect(a.status, `${what}: ${a.body}`).toBe(413);
  expect(a.contentType, what).toBe('application/problem+json');
  expect(JSON.parse(a.body!)).toMatchObject({ code: 'BODY_TOO_LARGE', status: 413 });
}

const MB = 1024 * 1024;

describe('chunked bodies over the cap', () => {
  const targets: { method: string; path: string; token: () => string }[] = [
    { method: 'POST', path: '/route', token: () => TENANT },
    { method: 'PUT', path: '/admin/rules', token: () => ADMIN },
    { method: 'POST', path: '/enroll', token: () => TENANT },
  ];
  for (const t of targets) {
    for (const size of [1 * MB, 10 * MB]) {
      it(`${t.method} ${t.path} with ${size / MB} MB chunked: 413 BODY_TOO_LARGE, and the next request on the connection succeeds`, async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          expectTooLarge(await send(agent, { method: t.method, path: t.path, token: t.token(), body: '{"pad": "', stream: size }), `${t.path} ${size}`);
          const next = await validRoute(agent);
          expect(next.error).toBeUndefined();
          expect(next.status, next.body).toBe(200);
        } finally {
          agent.destroy();
        }
      });
    }
  }

  it('requests in flight while a 10 MB chunked body is refused all succeed', async () => {
    const big = new Agent({ keepAlive: true, maxSockets: 1 });
    const others = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const refused = send(big, { method: 'POST', path: '/route', token: TENANT, body: '{"pad": "', stream: 10 * MB });
      const inFlight = await Promise.all(Array.from({ length: 24 }, () => validRoute(others)));
      expectTooLarge(await refused, 'refused');
      expect(inFlight.map((a) => a.error ?? a.status)).toEqual(Array(24).fill(200));
    } finally {
      big.destroy();
      others.destroy();
    }
  });
});

describe('a seeded run of malformed requests', () => {
  it('never answers 5xx or resets a connection, and the request after each oversized body succeeds', async () => {
    const rand = mulberry32(0x5ca1ab1e);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const endpoints: [string, string][] = [
      ['POST', '/route'],
      ['POST', '/enroll'],
      ['PUT', '/admin/rules'],
      ['PUT', '/admin/config'],
      ['PUT', '/admin/policy'],
      ['POST', '/admin/ban-list'],
      ['PUT', '/admin/tenants/fuzz'],
      ['POST', '/wcp/approvals/00000000-0000-4000-8000-000000000000/resolve'],
      ['POST', '/attest/hash'],
      ['POST', '/attest/verify?worker_id=org.demo.x&species=wrk.x'],
    ];
    const make = (): Send & { what: string } => {
      const [method, path] = pick(endpoints);
      const token = pick([TENANT, TENANT, ADMIN, undefined, 'not-a-real-token-0123456789abcdef']);
      switch (int(10)) {
        case 0:
        case 1:
          return { what: 'chunked oversized', method, path, token, body: '{"a": "', stream: 64 * 1024 + int(3 * MB) };
        case 2:
          return { what: 'oversized with Content-Length', method, path, token, body: ' '.repeat(70_000 + int(200_000)), contentLength: true };
        case 3:
          return { what: 'truncated JSON, chunked', method, path, token, body: ROUTE_BODY.slice(0, int(ROUTE_BODY.length)) };
        case 4:
          return { what: 'invalid UTF-8', method, path, token, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), contentLength: rand() < 0.5 };
        case 5:
          return { what: 'not JSON', method, path, token, body: pick(['', '{', '[]', 'null', '\u0000', '}{', 'NaN', '<xml/>']), contentLength: rand() < 0.5 };
        case 6:
          return { what: 'wrong method with a body', method: pick(['GET', 'DELETE', 'PATCH', 'PUT', 'POST']), path: pick(['/wcp/health', '/receipts', '/decisions', '/admin/config']), token, body: '{"x": 1}', stream: int(2) ? int(2 * MB) : 0 };
        case 7:
          return { what: 'unknown path with a chunked body', method: 'POST', path: pick(['/nope', '/admin', '/route/x', '/%E0%A4%A', '/wcp/workers/..%2f']), token, body: '{}', stream: int(MB) };
        case 8:
          return { what: 'unauthenticated chunked body', method, path, body: '{"a": "', stream: int(2 * MB) };
        default: {
          let deep = '1';
          for (let i = 0; i < 70 + int(50); i++) deep = `[${deep}]`;
          return { what: 'too deep', method, path, token, body: `{"request": ${deep}}` };
        }
      }
    };

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const started = Date.now();
    const bad: string[] = [];
    let requests = 0;
    let oversized = 0;
    const statuses = new Map<number, number>();
    try {
      for (let i = 0; i < 300; i++) {
        const c = make();
        const a = await send(agent, c);
        requests++;
        if (c.what.includes('oversized')) oversized++;
        if (a.status) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.error || (a.status ?? 0) >= 500) bad.push(`#${i} ${c.what} ${c.method} ${c.path}: ${a.error ?? `${a.status} ${a.body?.slice(0, 120)}`}`);
        else if (a.status && a.status >= 400 && a.status !== 404 && a.status !== 405) {
          if (!a.contentType?.startsWith('application/problem+json')) bad.push(`#${i} ${c.what}: ${a.status} with ${a.contentType}`);
        }
        // The request right after every oversized one is a valid call on the same connection.
        if (c.what.includes('oversized')) {
          const next = await validRoute(agent);
          requests++;
          if (next.error || next.status !== 200) bad.push(`after #${i} (${c.what}): ${next.error ?? `${next.status} ${next.body?.slice(0, 120)}`}`);
        }
      }
    } finally {
      agent.destroy();
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`[bodies] ${requests} requests (${oversized} oversized) in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}; 5xx or reset: ${bad.length}`);
    expect(bad).toEqual([]);
  });
});
