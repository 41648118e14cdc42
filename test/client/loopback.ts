// A scripted HTTP server on 127.0.0.1 for client tests: each test installs handlers per
// "METHOD /path"; every request is recorded (headers, byte count, whether it was chunked).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  bytes: number;
  body: Buffer;
  chunked: boolean;
}

export type Handler = (req: Seen, res: ServerResponse) => void | Promise<void>;

export interface Loopback {
  url: string;
  seen: Seen[];
  on(route: string, handler: Handler): void;
  reset(): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function problem(res: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: `urn:edgehall:problem:${code}`, title: 'Error', status, code, detail, ...extra }));
}

export async function startLoopback(opts: { keepBody?: boolean } = {}): Promise<Loopback> {
  const handlers = new Map<string, Handler>();
  const seen: Seen[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const c of req) {
      bytes += (c as Buffer).length;
      if (opts.keepBody !== false) chunks.push(c as Buffer);
    }
    const s: Seen = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      bytes,
      body: Buffer.concat(chunks),
      chunked: req.headers['transfer-encoding'] === 'chunked',
    };
    seen.push(s);
    const h = handlers.get(`${s.method} ${s.path}`);
    if (!h) return problem(res, 404, 'NOT_FOUND', `no handler for ${s.method} ${s.path}`);
    try {
      await h(s, res);
    } catch (err) {
      if (!res.headersSent) problem(res, 500, 'TEST_HANDLER_ERROR', String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    on: (route, handler) => void handlers.set(route, handler),
    reset: () => {
      handlers.clear();
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
