// The protocol version of one request, and the per-request fields the current revision requires.
// A 2026-07-28 request names its version twice — `_meta["io.modelcontextprotocol/protocolVersion"]`
// and the MCP-Protocol-Version header — and the two must agree; it also carries its client
// capabilities. A handshake-era request names its version in the header only (2025-03-26 clients
// send none). `initialize` always selects the handshake era. Nothing is remembered between requests.
import { z } from 'zod';
import { HEADER_MISMATCH, INVALID_PARAMS, McpRpcError, UNSUPPORTED_PROTOCOL_VERSION } from './jsonrpc.js';
import { HEADERLESS_VERSION, MODERN_VERSION, SUPPORTED_VERSIONS, eraOf, isSupportedVersion, negotiateLegacy, type Era } from './versions.js';

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

export interface RequestVersion {
  version: string;
  era: Era;
}

const ClientCapabilitiesSchema = z.record(z.string(), z.unknown());
const ImplementationSchema = z.looseObject({ name: z.string().max(1024), version: z.string().max(1024) });

/** The request's `params._meta` (absent: empty); anything but an object is refused (-32602). */
export function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const meta = params?.['_meta'];
  if (meta === undefined) return {};
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) return meta as Record<string, unknown>;
  throw new McpRpcError(INVALID_PARAMS, 'params._meta must be an object.');
}

function badRequest(code: number, message: string, data?: unknown): McpRpcError {
  return new McpRpcError(code, message, data, 400);
}

function unsupported(requested: string): McpRpcError {
  return badRequest(UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', { supported: [...SUPPORTED_VERSIONS], requested: requested.slice(0, 64) });
}

/**
 * The version and era `method` is served at. Throws a 400 McpRpcError when the header and `_meta`
 * disagree (-32020), the version is not served here (-32022), or a 2026-07-28 request lacks its
 * required `_meta` fields (-32602).
 */
export function requestVersion(headers: Headers, method: string, params: Record<string, unknown> | undefined): RequestVersion {
  if (method === 'initialize') return { version: negotiateLegacy(params?.['protocolVersion']), era: 'legacy' };
  const header = headers.get('mcp-protocol-version')?.trim() ?? null;
  const raw = params?.['_meta'];
  // A malformed _meta carries no version; the method refuses it (-32602) in the header's era.
  const meta = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const declared = meta[META_PROTOCOL_VERSION];

  if (declared === undefined) {
    const version = header ?? HEADERLESS_VERSION;
    if (!isSupportedVersion(version)) throw unsupported(version);
    if (eraOf(version) === 'modern') {
      throw badRequest(INVALID_PARAMS, `A ${MODERN_VERSION} request must carry "${META_PROTOCOL_VERSION}" and "${META_CLIENT_CAPABILITIES}" in params._meta.`, { missing: [META_PROTOCOL_VERSION] });
    }
    return { version, era: 'legacy' };
  }
  if (typeof declared !== 'string') throw badRequest(INVALID_PARAMS, `params._meta["${META_PROTOCOL_VERSION}"] must be a string.`);
  if (header === null) throw badRequest(HEADER_MISMATCH, `Header mismatch: the MCP-Protocol-Version header is required and must equal params._meta["${META_PROTOCOL_VERSION}"].`);
  if (header !== declared) throw badRequest(HEADER_MISMATCH, `Header mismatch: MCP-Protocol-Version header value '${header.slice(0, 64)}' does not match body value '${declared.slice(0, 64)}'.`);
  if (!isSupportedVersion(declared)) throw unsupported(declared);
  const era = eraOf(declared);
  if (era === 'modern') requireModernMeta(meta);
  return { version: declared, era };
}

function requireModernMeta(meta: Record<string, unknown>): void {
  if (!ClientCapabilitiesSchema.safeParse(meta[META_CLIENT_CAPABILITIES]).success) {
    throw badRequest(INVALID_PARAMS, `A ${MODERN_VERSION} request must carry params._meta["${META_CLIENT_CAPABILITIES}"] (an object; {} declares none).`, { missing: [META_CLIENT_CAPABILITIES] });
  }
  const info = meta[META_CLIENT_INFO];
  if (info !== undefined && !ImplementationSchema.safeParse(info).success) {
    throw badRequest(INVALID_PARAMS, `params._meta["${META_CLIENT_INFO}"] must be an object with string "name" and "version".`);
  }
}
