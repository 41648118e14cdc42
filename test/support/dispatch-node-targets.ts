// Vitest global setup of the dispatch suite: real loopback servers the Hall (in workerd, local dev)
// dispatches to over HTTP, started in Node before the workers run:
//   POST /https/<worker_id>   an https-kind target (plain JSON envelope), verifying with verifyDispatch
//   POST /mcp  /mcp-json      an upstream MCP server (?worker=<id>: the worker it speaks for) built with the official SDK (McpServer over
//                             StreamableHTTPServerTransport; SSE answers, or JSON answers on /mcp-json),
//                             whose tools re-verify the envelope in params._meta["org.edgehall/wcp"]
//   POST /mcp-500             an upstream that fails
//   GET  /__seen/<decision>   what a target saw (headers and body) for that decision id
// The port and the Hall's public JWKS come from vitest.config.ts through process.env.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { DISPATCH_META_KEY } from '../../src/dispatch/envelope.js';
import { verifyDispatch, verifyDispatchEnvelope } from '../../src/dispatch/verify-dispatch.js';

const seen = new Map<string, { path: string; headers: Record<string, unknown>; body: string }[]>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function remember(path: string, req: IncomingMessage, body: string): void {
  const decision = String(req.headers['x-wcp-decision-id'] ?? '(none)');
  seen.set(decision, [...(seen.get(decision) ?? []), { path, headers: { ...req.headers }, body }]);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const MCP_WORKER = 'org.demo.dt-mcp';

function mcpServer(jwks: unknown, workerId: string): McpServer {
  const server = new McpServer({ name: 'dispatch-test-upstream', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text and whether the Hall envelope verified.', inputSchema: { text: z.string().optional(), mode: z.string().optional() } },
    async (args, extra) => {
      const envelope = (extra._meta as Record<string, unknown> | undefined)?.[DISPATCH_META_KEY];
      const verdict = await verifyDispatchEnvelope(envelope, { jwks, workerId });
      if (!verdict.ok) return { content: [{ type: 'text', text: `${verdict.code}: ${verdict.message}` }], isError: true };
      return { content: [{ type: 'text', text: `upstream echo: ${args.text ?? ''}` }], structuredContent: { echo: args, decision_id: verdict.decisionId } };
    },
  );
  server.registerTool('slow', { description: 'Takes its time.', inputSchema: { ms: z.number().optional() } }, async (args) => {
    await sleep(args.ms ?? 5_000);
    return { content: [{ type: 'text', text: 'finally' }] };
  });
  server.registerTool('boom', { description: 'Always fails (a tool error result).', inputSchema: {} }, async () => {
    throw new Error('the upstream tool failed on purpose');
  });
  return server;
}

export default async function setup(): Promise<() => Promise<void>> {
  const port = Number(process.env['DISPATCH_TEST_PORT']);
  const jwks = JSON.parse(process.env['DISPATCH_TEST_JWKS'] ?? '{"keys":[]}') as unknown;
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    try {
      if (req.method === 'GET' && url.pathname.startsWith('/__seen/')) {
        return send(res, 200, { seen: seen.get(decodeURIComponent(url.pathname.slice('/__seen/'.length))) ?? [] });
      }
      const body = await readBody(req);
      remember(url.pathname, req, body);
      if (url.pathname.startsWith('/https/')) {
        const workerId = decodeURIComponent(url.pathname.slice('/https/'.length));
        const mode = (() => {
          try {
            return (JSON.parse(body) as { route_input?: { request?: { arguments?: { mode?: string } } } }).route_input?.request?.arguments?.mode;
          } catch {
            return undefined;
          }
        })();
        if (mode === 'hang') {
          await sleep(5_000);
          return send(res, 200, { content: [] });
        }
        if (mode === 'fail') return send(res, 503, 'unavailable');
        const request = new Request(url, { method: 'POST', headers: req.headers as Record<string, string>, body });
        const verdict = await verifyDispatch(request, { jwks, workerId });
        if (!verdict.ok) return send(res, 403, { content: [{ type: 'text', text: `${verdict.code}: ${verdict.message}` }], isError: true });
        return send(res, 200, { content: [{ type: 'text', text: `https echo: ${String(verdict.arguments['text'] ?? '')}` }], structuredContent: { echo: verdict.arguments } });
      }
      if (url.pathname === '/mcp-500') return send(res, 500, 'upstream down');
      if (url.pathname === '/mcp' || url.pathname === '/mcp-json') {
        // Stateless: a fresh server and transport per request (the SDK's documented stateless mode).
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: url.pathname === '/mcp-json' });
        const server = mcpServer(jwks, url.searchParams.get('worker') ?? MCP_WORKER);
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, body === '' ? undefined : JSON.parse(body));
        return;
      }
      send(res, 404, 'no such target');
    } catch (err) {
      if (!res.headersSent) send(res, 500, String(err));
    }
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
}
