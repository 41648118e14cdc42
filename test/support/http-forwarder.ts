// A plain HTTP forwarder on loopback for tests: every request goes on to `target` unchanged (Host
// included; body and answer streamed, so SSE stays SSE), with `addHeaders` set on the way in, and each request's
// method and headers recorded. Used to watch what a client really sends, and to add a bearer token
// for a client that has no option for one (the MCP conformance runner).
import { createServer, request, type IncomingHttpHeaders } from 'node:http';

export interface Forwarded {
  method: string;
  headers: IncomingHttpHeaders;
}

export interface Forwarder {
  url: string;
  requests: Forwarded[];
  close(): Promise<void>;
}

export async function startForwarder(target: string, addHeaders: Record<string, string> = {}): Promise<Forwarder> {
  const to = new URL(target);
  const requests: Forwarded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', headers: { ...req.headers } });
    const headers = { ...req.headers, ...addHeaders }; // Host kept: the server sees what the client sent
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
