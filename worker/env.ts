// The bindings and secrets the Hall worker runs with (wrangler.toml + `.dev.vars` / `wrangler secret put`).

export interface HallEnv {
  /** Rules (versioned), registry records, hall config, policy, namespace keys, ban list, tenants. */
  HALL_KV: KVNamespace;
  /** Decision log, receipt chains, approvals, enrollment/attestation history, signing-key history. */
  HALL_DB: D1Database;
  /**
   * The per-tenant evidence logs (worker/log/tenant-log-object.ts, SQLite-backed Durable Objects):
   * receipt chains, Merkle trees, checkpoints. Bound in wrangler.toml; D1 holds their query index.
   */
  HALL_LOG?: DurableObjectNamespace;
  /** The Hall's name in the origin line of every log checkpoint (default "edgehall"); set it once, never change it. */
  HALL_LOG_NAME?: string;
  /** Bearer token that may act for every tenant and call the admin routes. */
  HALL_ADMIN_TOKEN?: string;
  /** Ed25519 private key as a JSON JWK: {"kty":"OKP","crv":"Ed25519","d":"…","x":"…","kid"?:"…"}. */
  HALL_SIGNING_KEY?: string;
  /** Minutes a pending approval stays open (default 60). */
  HALL_APPROVAL_TTL_MINUTES?: string;
  /** Upload cap for /attest/* and attestation registration, in bytes (default 64 MiB). */
  HALL_ATTEST_MAX_BYTES?: string;
  /**
   * How long (ms) an isolate trusts its compiled rules/registry before re-reading `hall:version`
   * from KV (default 1000; "0" checks on every request).
   */
  HALL_CONFIG_CHECK_MS?: string;
  /**
   * Browser origins (comma-separated, e.g. "http://localhost:6274") whose pages may POST /mcp besides
   * the Hall's own origin (trusted only over https or on a loopback name); any other Origin is
   * refused with 403 (DNS-rebinding protection).
   */
  HALL_MCP_ALLOWED_ORIGINS?: string;
  /**
   * "1" only in local development (`npm start` sets it): dispatch targets may then be http:// or
   * https:// on loopback (127.0.0.1, localhost, [::1]) and private addresses. Anything else: refused.
   */
  HALL_LOCAL_DEV?: string;
  /**
   * The Service bindings dispatch may use, and for which namespace each: comma-separated
   * `BINDING=namespace` entries, e.g. "DEMO_WORKERS=org.demo" (repeat a binding for more
   * namespaces). A `service` dispatch target naming any other binding is refused.
   */
  HALL_DISPATCH_SERVICES?: string;
  // Dispatch credentials are Worker secrets named DISPATCH_<NAMESPACE>__<NAME> (src/dispatch/
  // secret-name.ts), read by name at dispatch time; they are not listed here.
}

/** HALL_CONFIG_CHECK_MS as a number (default 1000 ms). */
export function configCheckMs(env: HallEnv): number {
  const raw = env.HALL_CONFIG_CHECK_MS;
  return raw !== undefined && /^\d{1,7}$/.test(raw) ? Number(raw) : 1000;
}
