// `edgehall mcp [--hall URL] [--token-env VAR] [--max-line-bytes N] [--timeout-ms MS]`: a stdio
// bridge to the Hall's MCP endpoint for MCP clients that only launch local servers. Newline-delimited
// JSON-RPC on stdin/stdout (the MCP stdio transport) ↔ Streamable HTTP POSTs to <hall>/mcp with the
// token from the environment (cli/mcp/bridge.ts). stdout carries JSON-RPC only; every sentence for
// the operator goes to stderr. Ends (exit 0) when stdin ends, once the answers still owed are written.
import { version } from '../../package.json';
import { McpHttpBridge } from '../mcp/bridge.js';
import { readLines } from '../mcp/lines.js';
import { CliUsageError, DEFAULT_HALL_URL, DEFAULT_TOKEN_ENV, EXIT, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp, str, type ParsedOptions } from '../options.js';

export const summary = "stdio bridge to the Hall's MCP gateway (POST /mcp), for MCP clients that only launch local servers";

const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 300_000;

const USAGE = `usage: edgehall mcp [--hall URL] [--token-env VAR] [--max-line-bytes N] [--timeout-ms MS]

An MCP server on stdin/stdout that forwards every JSON-RPC message to the Hall's MCP endpoint
(<hall>/mcp, Streamable HTTP) with the bearer token from the environment, and writes back every
message of the Hall's answers (JSON or an event stream). Configure it in an MCP client as
  command: npx   args: ["edgehall", "mcp", "--hall", "http://127.0.0.1:8787"]   env: {"EDGEHALL_TOKEN": "…"}
  --hall URL           the Hall (default $EDGEHALL_URL, else ${DEFAULT_HALL_URL})
  --token-env VAR      environment variable holding the tenant token (default ${DEFAULT_TOKEN_ENV})
  --max-line-bytes N   largest message in either direction (default ${DEFAULT_MAX_LINE_BYTES})
  --timeout-ms MS      longest wait for one answer, 0 for none (default ${DEFAULT_TIMEOUT_MS})
stdout carries JSON-RPC only; logs go to stderr. A request the Hall cannot answer (unreachable,
token refused, HTTP error, timeout) gets a JSON-RPC error with data.code MCP_BRIDGE_*.
exit 0 when stdin ends, 2 usage or no token (before reading stdin), 1 the Hall URL is refused`;

const OPTIONS = { hall: 'string', 'token-env': 'string', 'max-line-bytes': 'string', 'timeout-ms': 'string' } as const;

function intOption(p: ParsedOptions, name: string, def: number, min: number, max: number): number {
  const v = str(p, name);
  if (v === undefined) return def;
  if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) throw new CliUsageError(`--${name} must be an integer from ${min} to ${max}; got '${v}'.`);
  return Number(v);
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return EXIT.ok;
  const p = parseCliOptions(argv, OPTIONS);
  if (typeof p === 'string' || p.positional.length > 0) {
    process.stderr.write(`edgehall mcp: ${typeof p === 'string' ? p : 'takes no positional arguments'}\n${USAGE}\n`);
    return EXIT.usage;
  }
  let target: HallTarget;
  let endpoint: string;
  let maxLineBytes: number;
  let timeoutMs: number;
  try {
    maxLineBytes = intOption(p, 'max-line-bytes', DEFAULT_MAX_LINE_BYTES, 1024, 1024 ** 3);
    timeoutMs = intOption(p, 'timeout-ms', DEFAULT_TIMEOUT_MS, 0, 86_400_000);
    target = hallTarget(p, { tokenRequired: true });
    endpoint = `${hallClient(target).baseUrl}/mcp`; // HallClient's URL checks: http(s), no plain http off loopback
  } catch (e) {
    return reportHallError(e, null, false);
  }

  // The client went away (EPIPE): nothing is left to answer to.
  process.stdout.on('error', () => process.exit(EXIT.ok));
  const bridge = new McpHttpBridge({
    endpoint,
    token: target.token!,
    tokenEnv: target.tokenEnv,
    maxMessageBytes: maxLineBytes,
    timeoutMs,
    userAgent: `edgehall-mcp/${version}`,
    send: (m) => void process.stdout.write(`${JSON.stringify(m)}\n`),
    log: (s) => void process.stderr.write(`edgehall mcp: ${s}\n`),
  });
  process.stderr.write(`edgehall mcp: bridging stdio to ${endpoint} (token from ${target.tokenEnv})\n`);
  for await (const line of readLines(process.stdin, maxLineBytes)) bridge.handle(line);
  await bridge.close();
  return EXIT.ok;
}
