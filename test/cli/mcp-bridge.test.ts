// `edgehall mcp`, the stdio bridge, driven the way MCP clients drive it: the official MCP SDK client
// over its stdio transport spawns `node bin/edgehall.js mcp …`, and the bridge talks Streamable HTTP
// to @modelcontextprotocol/server-everything on loopback (SSE answers, sessions, server-to-client
// requests). A loopback forwarder in between records what the bridge really sends. The raw-stdio
// cases write lines to the bridge's stdin themselves, to check what reaches stdout, byte for byte.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, type Forwarder } from '../support/http-forwarder.js';
import { startEverything, type EverythingServer } from '../support/server-everything.js';
import { freePort } from '../start/hall-process.js';
import { cli } from './helpers.js';

const repo = new URL('../../', import.meta.url).pathname;
const bin = `${repo}bin/edgehall.js`;
const TOKEN_ENV = 'EDGEHALL_BRIDGE_TEST_TOKEN';
const TOKEN = 'bridge-test-token';

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

/** An SDK client connected through the bridge; stderr collected. */
async function bridgedClient(hall: string, opts: { sampling?: boolean; env?: Record<string, string>; args?: string[] } = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', '--hall', hall, '--token-env', TOKEN_ENV, ...(opts.args ?? [])],
    env: { ...baseEnv(), [TOKEN_ENV]: TOKEN, ...opts.env },
    cwd: repo,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, { capabilities: opts.sampling ? { sampling: {} } : {} });
  return { client, transport, stderr: () => stderr };
}

/** The bridge as a plain child process: lines in, stdout lines and exit code out. */
async function rawBridge(hall: string, lines: string[], args: string[] = [], env: Record<string, string> = { [TOKEN_ENV]: TOKEN }) {
  const child = spawn(process.execPath, [bin, 'mcp', '--hall', hall, '--token-env', TOKEN_ENV, ...args], { cwd: repo, env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  for (const l of lines) child.stdin.write(l + '\n');
  child.stdin.end();
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err, messages: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const initialize = (id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

describe('edgehall mcp against server-everything (Streamable HTTP, SSE answers, sessions)', () => {
  let upstream: EverythingServer;
  let fwd: Forwarder;

  beforeAll(async () => {
    upstream = await startEverything();
    fwd = await startForwarder(upstream.url);
  });
  afterAll(async () => {
    await fwd?.close();
    await upstream?.stop();
  });

  it('lists the tools and calls echo; the session id and protocol version ride on every later request', async () => {
    const { client, transport, stderr } = await bridgedClient(fwd.url);
    const first = fwd.requests.length;
    await client.connect(transport);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'hello through the bridge' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'Echo: hello through the bridge' }]);
    await client.close();

    const seen = fwd.requests.slice(first);
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(4); // initialize, initialized, tools/list, tools/call
    expect(posts.every((r) => r.headers['authorization'] === `Bearer ${TOKEN}`)).toBe(true);
    expect(posts.every((r) => String(r.headers['accept']).includes('application/json') && String(r.headers['accept']).includes('text/event-stream'))).toBe(true);
    expect(posts[0]!.headers['mcp-session-id']).toBeUndefined();
    const session = posts[1]!.headers['mcp-session-id'];
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts.slice(1).every((r) => r.headers['mcp-session-id'] === session && r.headers['mcp-protocol-version'] === '2025-11-25')).toBe(true);
    // stdin ended: the bridge closes the session it opened.
    await waitFor(() => fwd.requests.slice(first).some((r) => r.method === 'DELETE'));
    expect(fwd.requests.slice(first).find((r) => r.method === 'DELETE')?.headers['mcp-session-id']).toBe(session);
    expect(stderr()).toContain('bridging stdio to');
  });

  it('forwards every message of an SSE answer: progress notifications before the result', async () => {
    const { client, transport } = await bridgedClient(fwd.url);
    await client.connect(transport);
    const progress: number[] = [];
    const done = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    // The SDK client handles notifications a microtask late, so one arriving in the same read as the
    // result may find its handler gone; the raw case below checks every one reaches stdout, in order.
    expect(progress[0]).toBe(1);
    expect(progress).toEqual([1, 2, 3].slice(0, progress.length));
    expect(JSON.stringify(done.content)).toContain('Long running operation completed');
    await client.close();
  });

  it('writes each message of an SSE answer to stdout as its own line, in the order the stream sent them', async () => {
    const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 }, _meta: { progressToken: 'p' } } });
    const r = await rawBridge(fwd.url, [initialize(1), initialized, call]);
    const seq = r.messages.filter((m) => m['id'] !== 1).map((m) => (m['method'] === 'notifications/progress' ? (m['params'] as { progress: number }).progress : m['id']));
    expect(seq).toEqual([1, 2, 3, 2]);
  });

  it('carries a server-to-client request (sampling) out on stdout and the client\'s answer back to the server', async () => {
    const { client, transport } = await bridgedClient(fwd.url, { sampling: true });
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
      role: 'assistant',
      model: 'bridge-test-model',
      content: { type: 'text', text: `sampled: ${JSON.stringify(req.params.messages[0]?.content)}`.slice(0, 200) },
    }));
    await client.connect(transport);
    const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'ping', maxTokens: 5 } });
    expect(JSON.stringify(result.content)).toContain('bridge-test-model');
    await client.close();
  });

  it('a cancelled request gets no answer, and the bridge keeps serving the next one', async () => {
    const { client, transport } = await bridgedClient(fwd.url);
    await client.connect(transport);
    const abort = new AbortController();
    const slow = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } }, undefined, { signal: abort.signal });
    setTimeout(() => abort.abort('test cancels'), 300);
    await expect(slow).rejects.toThrow();
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'after the cancel' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'Echo: after the cancel' }]);
    await client.close();
  });

  it('stdout carries JSON-RPC only: notifications answer nothing, bad lines get errors, EOF exits 0', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(4096) } } });
    const r = await rawBridge(fwd.url, [
      initialize(1),
      initialized,
      'not json',
      JSON.stringify({ jsonrpc: '2.0', id: 3, params: {} }),
      big,
      JSON.stringify({ jsonrpc: '2.0', id: 'e', method: 'tools/call', params: { name: 'echo', arguments: { message: 'raw' } } }),
    ], ['--max-line-bytes', '2048']);
    expect(r.code).toBe(0);
    expect(r.out.endsWith('\n')).toBe(true);
    // Every stdout line is one JSON-RPC message; nothing else (the start-up line went to stderr).
    expect(r.messages.every((m) => m['jsonrpc'] === '2.0')).toBe(true);
    expect(r.messages).toHaveLength(5); // initialize, parse error, invalid request, too long, echo
    const byId = (id: unknown) => r.messages.filter((m) => m['id'] === id);
    expect((byId(1)[0]!['result'] as Record<string, unknown>)['protocolVersion']).toBe('2025-11-25');
    expect(byId('e')[0]!['result']).toEqual({ content: [{ type: 'text', text: 'Echo: raw' }] });
    const errors = r.messages.filter((m) => m['error']).map((m) => [m['id'], (m['error'] as { code: number; data: { code: string } }).code, (m['error'] as { data: { code: string } }).data.code]);
    expect(errors).toEqual(
      expect.arrayContaining([
        [null, -32700, 'MCP_BRIDGE_PARSE_ERROR'],
        [3, -32600, 'MCP_BRIDGE_INVALID_MESSAGE'],
        [null, -32600, 'MCP_BRIDGE_LINE_TOO_LONG'],
      ]),
    );
    expect(r.err).toContain('bridging stdio to');
    expect(r.err).toContain('--max-line-bytes');
  });
});

describe('edgehall mcp when the Hall cannot answer', () => {
  it('an unreachable Hall: the request gets a JSON-RPC error at once, never silence', async () => {
    const port = await freePort(); // nothing listens there
    const { client, transport, stderr } = await bridgedClient(`http://127.0.0.1:${port}`);
    const err = await client.connect(transport).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-31001);
    expect((err as McpError).message).toContain('Cannot reach the Hall');
    expect((err as McpError).data).toEqual({ code: 'MCP_BRIDGE_UNREACHABLE' });
    expect(stderr()).toContain('Is it running (npm start)?');
    await client.close();
  });

  it('no token in the environment: exit 2 before reading stdin, naming the variable', async () => {
    const r = await cli(['mcp', '--hall', 'http://127.0.0.1:9', '--token-env', TOKEN_ENV], { [TOKEN_ENV]: undefined });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`set ${TOKEN_ENV} to your Hall token`);
  });

  it('usage: unknown options and bad limits are refused; help lists the command', async () => {
    expect((await cli(['mcp', '--token', 'x'])).code).toBe(2);
    const bad = await cli(['mcp', '--max-line-bytes', '10'], { EDGEHALL_TOKEN: 't' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-line-bytes must be an integer from 1024');
    const help = await cli(['--help']);
    expect(help.out).toMatch(/\n {2}mcp {10}stdio bridge/);
    const usage = await cli(['help', 'mcp']);
    expect(usage.code).toBe(0);
    expect(usage.out).toContain('usage: edgehall mcp');
  });
});

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}
