// The MCP protocol revisions the gateway speaks and what each allows. The current revision
// (2026-07-28) is stateless: every request names its version in `_meta` and the MCP-Protocol-Version
// header, and there is no initialize handshake. Clients of the 2025 revisions still open with
// `initialize`; the gateway answers it without keeping a session (each POST stands alone).

/** The current ("modern") revision: per-request `_meta`, server/discover, `resultType` on results. */
export const MODERN_VERSION = '2026-07-28';

/** The handshake-era revisions served over Streamable HTTP, newest first. */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;

/** Every revision the gateway serves, newest first (the `supported` list of -32022). */
export const SUPPORTED_VERSIONS: readonly string[] = [MODERN_VERSION, ...LEGACY_VERSIONS];

/**
 * What a request without an MCP-Protocol-Version header is taken as: 2025-03-26 clients predate the
 * header, and the spec lets a server treat a header-less request as that revision.
 */
export const HEADERLESS_VERSION = '2025-03-26';

export type Era = 'modern' | 'legacy';

export function isSupportedVersion(v: string): boolean {
  return SUPPORTED_VERSIONS.includes(v);
}

export function eraOf(version: string): Era {
  return version === MODERN_VERSION ? 'modern' : 'legacy';
}

/**
 * The version an `initialize` answers with: the client's if it is a handshake-era revision this
 * gateway serves, else the newest handshake-era one (the client then decides whether it can go on).
 * `initialize` belongs to the handshake era, so a request for the modern revision gets 2025-11-25.
 */
export function negotiateLegacy(requested: unknown): string {
  return typeof requested === 'string' && (LEGACY_VERSIONS as readonly string[]).includes(requested) ? requested : LEGACY_VERSIONS[0];
}

/** JSON-RPC batches (a JSON array body) exist only in 2025-03-26; 2025-06-18 removed them. */
export function allowsBatch(version: string): boolean {
  return version === '2025-03-26';
}
