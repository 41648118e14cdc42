// The bridge's two recovery paths of the 2025 Streamable HTTP revisions, against the official MCP
// SDK's own server transport (StreamableHTTPServerTransport, sessions and an event store) in this
// process: the server forgets a session (404 to a request carrying it) → the bridge opens a new
// one with the client's initialize parameters and the call still succeeds; a tool closes its SSE
// stream before answering (SEP-1699 polling) → the bridge resumes with GET + Last-Event-ID.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport, type EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const repo = new URL('../../', import.meta.url).pathname;

/** Events kept in order; a replay sends those of the same stream after the given id. */
class MemoryEventStore implements EventStore {
  private readonly events: { id: string; stream: string; message: JSONRPCMessage }[] = [];
  async storeEvent(stream: string, message: JSONRPCMessage): Promise<string> {
    const id = `${stream}_${this.events.length}`;
    this.events.push({ id, stream, message });
    return id;
  }
  async replayEventsAfter(last: string, { send }: { send: (id: string, m: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const at = this.events.findIndex((e) => e.id === last);
    const stream = this.events[at]?.stream ?? '';
    for (const e of this.events.slice(at + 1)) if (e.stream === stream) await send(e.id, e.message);
    return stream;
  }
}

interface TestServer {
  url: string;
  initializes: number;
  gets: { lastEventId: string | undefined }[];
  forgetSessions(): void;
  close(): Promise<void>;
}

function mcpServer(): McpServer {
  const s = new McpServer({ name: 'bridge-recovery-test', version: '1.0.0' });
  s.registerTool('add', { description: 'adds', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  s.registerTool('poll', { description: 'closes its stream, answers later' }, async (extra) => {
    extra.closeSSEStream?.();
    await new Promise((r) => setTimeout(r, 300));
    return { content: [{ type: 'text', text: 'answered after the stream closed' }] };
  });
  return s;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

async function startServer(): Promise<TestServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const state = { initializes: 0, gets: [] as { lastEventId: string | undefined }[] };
  const http: Server = createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if (typeof sid === 'string') {
      const t = sessions.get(sid);
      if (!t) {
        // The spec's answer to a request in a session the server no longer knows.
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
        return;
      }
      if (req.method === 'GET') state.gets.push({ lastEventId: req.headers['last-event-id'] as string | undefined });
      return t.handleRequest(req, res, body);
    }
    state.initializes++;
    const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new MemoryEventStore(),
      retryInterval: 100,
      onsessioninitialized: (id) => void sessions.set(id, t),
    });
    await mcpServer().connect(t);
    await t.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get initializes() {
      return state.initializes;
    },
    gets: state.gets,
    forgetSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}

function bridged(url: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [`${repo}bin/edgehall.js`, 'mcp', '--hall', url],
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', EDGEHALL_TOKEN: 'test-token' },
    cwd: repo,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  return { transport, client: new Client({ name: 'bridge-recovery', version: '1.0.0' }), stderr: () => stderr };
}

describe('edgehall mcp recovers where the 2025 transport says a client must', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a session the server forgot (404): a new session with the same initialize, and the call succeeds', async () => {
    const { transport, client, stderr } = bridged(server.url);
    await client.connect(transport);
    const before = server.initializes;
    expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({ content: [{ type: 'text', text: '5' }] });
    server.forgetSessions();
    expect(await client.callTool({ name: 'add', arguments: { a: 4, b: 5 } })).toMatchObject({ content: [{ type: 'text', text: '9' }] });
    expect(server.initializes).toBe(before + 1);
    expect(stderr()).toContain('opened a new one');
    await client.close();
  });

  it('an SSE answer closed before its response: resumed with GET + Last-Event-ID after the retry delay', async () => {
    const { transport, client } = bridged(server.url);
    await client.connect(transport);
    const gets = server.gets.length;
    const result = await client.callTool({ name: 'poll', arguments: {} });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'answered after the stream closed' }] });
    const resumed = server.gets.slice(gets);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]!.lastEventId).toMatch(/_\d+$/);
    await client.close();
  });
});
