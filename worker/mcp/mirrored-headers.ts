// MCP 2026-07-28 mirrors body fields into headers so intermediaries can route without parsing:
// Mcp-Method (every request), Mcp-Name (tools/call and friends) and Mcp-Param-{Name} (tool arguments
// whose schema property carries `x-mcp-header`). A server that reads the body must refuse a request
// whose headers are missing or disagree with it (400, -32020), so nothing downstream can be routed
// on one value and executed on another. Only 2026-07-28 requests are checked: older revisions have
// no such headers.
import { decodeUtf8Strict } from '../../src/util/index.js';
import { HEADER_MISMATCH, McpRpcError } from './jsonrpc.js';

const NAMED_METHODS: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
/** RFC 9110 field-value characters (visible ASCII, space, tab). */
const FIELD_VALUE = /^[\x20-\x7e\t]*$/;

function mismatch(message: string): McpRpcError {
  return new McpRpcError(HEADER_MISMATCH, `Header mismatch: ${message}`, undefined, 400);
}

/** A mirrored header value, Base64-sentinel decoded; null when it is not a valid value at all. */
export function decodeHeaderValue(raw: string): string | null {
  if (!FIELD_VALUE.test(raw)) return null;
  const m = SENTINEL.exec(raw);
  if (!m) return raw;
  try {
    return decodeUtf8Strict(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** Mcp-Method and, for named methods, Mcp-Name must be present and equal the body's values. */
export function checkStandardHeaders(headers: Headers, method: string, params: Record<string, unknown> | undefined): void {
  const m = headers.get('mcp-method');
  if (m === null) throw mismatch('the Mcp-Method header is required.');
  if (m !== method) throw mismatch(`Mcp-Method header value '${m.slice(0, 64)}' does not match body value '${method.slice(0, 64)}'.`);
  const field = NAMED_METHODS[method];
  if (!field) return;
  const raw = headers.get('mcp-name');
  if (raw === null) throw mismatch('the Mcp-Name header is required.');
  const name = decodeHeaderValue(raw);
  const body = params?.[field];
  if (name === null) throw mismatch('the Mcp-Name header value has invalid characters or a broken Base64 sentinel.');
  if (typeof body !== 'string' || name !== body) throw mismatch(`Mcp-Name header value does not match the body's params.${field}.`);
}

interface MirroredParam {
  header: string;
  path: string[];
}

/** The `x-mcp-header` annotations reachable from the schema root through `properties` keys only. */
export function mirroredParams(schema: Record<string, unknown>): MirroredParam[] {
  const out: MirroredParam[] = [];
  const stack: [Record<string, unknown>, string[]][] = [[schema, []]];
  while (stack.length && out.length < 64) {
    const [node, path] = stack.pop()!;
    const props = node['properties'];
    if (!props || typeof props !== 'object' || Array.isArray(props) || path.length >= 16) continue;
    for (const [key, sub] of Object.entries(props as Record<string, unknown>)) {
      if (!sub || typeof sub !== 'object' || Array.isArray(sub)) continue;
      const child = sub as Record<string, unknown>;
      if (typeof child['x-mcp-header'] === 'string') out.push({ header: child['x-mcp-header'], path: [...path, key] });
      stack.push([child, [...path, key]]);
    }
  }
  return out;
}

function valueAt(args: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = args;
  for (const k of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function sameValue(header: string, body: unknown): boolean {
  if (typeof body === 'string') return header === body;
  if (typeof body === 'boolean') return header === String(body);
  if (typeof body === 'number') return header.trim() !== '' && Number(header) === body;
  return false;
}

/** Every annotated argument that is present (not null) must arrive in its Mcp-Param-{Name} header, equal. */
export function checkParamHeaders(headers: Headers, inputSchema: Record<string, unknown>, args: Record<string, unknown>): void {
  for (const p of mirroredParams(inputSchema)) {
    const body = valueAt(args, p.path);
    const raw = headers.get(`mcp-param-${p.header}`);
    if (body === undefined || body === null) continue;
    if (raw === null) throw mismatch(`the Mcp-Param-${p.header.slice(0, 64)} header is required for argument ${p.path.join('.').slice(0, 128)}.`);
    const value = decodeHeaderValue(raw);
    if (value === null || !sameValue(value, body)) throw mismatch(`Mcp-Param-${p.header.slice(0, 64)} header value does not match argument ${p.path.join('.').slice(0, 128)}.`);
  }
}
