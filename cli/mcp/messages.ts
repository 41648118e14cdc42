// What the bridge reads of a JSON-RPC message: its kind, id, method and the protocol version it
// names. Only the envelope: the bridge forwards each message unchanged (MCP messages carry many
// fields it has no business with), and the Hall validates the rest strictly.
import type { JsonRpcId } from './errors.js';

export type Message = Record<string, unknown>;

export type Classified =
  | { kind: 'request'; id: JsonRpcId; method: string }
  | { kind: 'notification'; method: string }
  | { kind: 'response'; id: JsonRpcId | null }
  | { kind: 'invalid'; id: JsonRpcId | null; why: string };

const isId = (v: unknown): v is JsonRpcId => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));

export function classify(m: unknown): Classified {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return { kind: 'invalid', id: null, why: 'a JSON-RPC message is a JSON object' };
  const o = m as Message;
  const id = isId(o['id']) ? o['id'] : null;
  if (o['jsonrpc'] !== '2.0') return { kind: 'invalid', id, why: 'the message lacks "jsonrpc": "2.0"' };
  if (typeof o['method'] === 'string') {
    if (!('id' in o)) return { kind: 'notification', method: o['method'] };
    if (id === null) return { kind: 'invalid', id: null, why: 'a request id is a string or an integer' };
    return { kind: 'request', id, method: o['method'] };
  }
  if ('id' in o && ('result' in o || 'error' in o)) return { kind: 'response', id: isId(o['id']) ? o['id'] : null };
  return { kind: 'invalid', id, why: 'the message is neither a request, a notification nor a response' };
}

/** A map key for an id: 1 and "1" are different ids. */
export const idKey = (id: JsonRpcId): string => `${typeof id}:${id}`;

const params = (m: Message): Message | undefined => {
  const p = m['params'];
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Message) : undefined;
};

/** The protocol version a request names for itself (stateless MCP, 2026-07-28 on). */
export function ownProtocolVersion(m: Message): string | undefined {
  const meta = params(m)?.['_meta'];
  const v = meta && typeof meta === 'object' ? (meta as Message)['io.modelcontextprotocol/protocolVersion'] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** The protocol version an initialize result negotiated. */
export function negotiatedVersion(m: Message): string | undefined {
  const r = m['result'];
  const v = r && typeof r === 'object' ? (r as Message)['protocolVersion'] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Revisions from this one on mirror the method and name into headers (and have no sessions). */
export const HEADER_MIRROR_VERSION = '2026-07-28';
export const mirrorsHeaders = (version: string | undefined): boolean => version !== undefined && version >= HEADER_MIRROR_VERSION;

/** `params.name` (tools/call, prompts/get) or `params.uri` (resources/read): the Mcp-Name header's source. */
export function targetName(m: Message, method: string): string | undefined {
  const p = params(m);
  const v = method === 'resources/read' ? p?.['uri'] : method === 'tools/call' || method === 'prompts/get' ? p?.['name'] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A header value as the Streamable HTTP transport encodes it: plain when safe, else the base64 sentinel form. */
export function headerValue(value: string): string {
  const plain = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !(value.startsWith('=?base64?') && value.endsWith('?='));
  if (plain) return value;
  const bytes = new TextEncoder().encode(value);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `=?base64?${btoa(bin)}?=`;
}

/** The id of the request a `notifications/cancelled` names. */
export function cancelledRequest(m: Message): JsonRpcId | undefined {
  const v = params(m)?.['requestId'];
  return isId(v) ? v : undefined;
}
