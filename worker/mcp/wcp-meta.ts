// The gateway's own `_meta` key, "org.edgehall/wcp": what a tools/call (or tools/list) may say about
// the request beyond the tool and its arguments. Strict: an unknown key or a value outside the WCP
// enums is refused with its path (-32602), never ignored. The tenant is not among them for a tenant
// token (it comes from the token); the admin token must name the tenant it acts for.
import { z } from 'zod';
import { DataLabelSchema, EnvSchema, QosClassSchema } from '../../src/routing/index.js';
import { zodIssues } from '../http/body.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import { INVALID_PARAMS, McpRpcError } from './jsonrpc.js';

export const WCP_META_KEY = 'org.edgehall/wcp';

const Id = z.string().min(1).max(MAX_ID_LENGTH);

/** The routing facts a caller may choose (the Hall's tenant record still wins where it is stricter). */
const RoutingFields = {
  env: EnvSchema.optional(),
  data_label: DataLabelSchema.optional(),
  qos_class: QosClassSchema.optional(),
  /** Only with the admin token (a tenant token may name only itself). */
  tenant_id: Id.optional(),
};

export const WcpListMetaSchema = z.object(RoutingFields).strict();
export const WcpCallMetaSchema = z
  .object({
    ...RoutingFields,
    correlation_id: Id.optional(),
    approval_id: z.uuid().optional(),
    dry_run: z.boolean().optional(),
  })
  .strict();

export type WcpListMeta = z.infer<typeof WcpListMetaSchema>;
export type WcpCallMeta = z.infer<typeof WcpCallMetaSchema>;

/** `params._meta["org.edgehall/wcp"]` parsed with `schema`; absent is `{}`. */
export function wcpMetaOf<S extends z.ZodType>(meta: Record<string, unknown>, schema: S): z.output<S> {
  const raw = meta[WCP_META_KEY];
  const r = schema.safeParse(raw === undefined ? {} : raw);
  if (r.success) return r.data;
  const issues = zodIssues(r.error).map((i) => ({ path: ['_meta', WCP_META_KEY, ...i.path], message: i.message }));
  const first = issues[0]!;
  throw new McpRpcError(INVALID_PARAMS, `params._meta["${WCP_META_KEY}"] is invalid at ${first.path.slice(2).join('.') || '(root)'}: ${first.message}.`, { issues });
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace id of a W3C traceparent, or null when the value is not a valid one (per W3C, an invalid
 * traceparent is ignored, not an error).
 */
export function traceIdOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return null;
  return m[2]!;
}

/**
 * The correlation id of a call: the caller's, else the trace id of `_meta.traceparent`, else of the
 * `traceparent` header, else a fresh UUID (so every receipt can be found again).
 */
export function correlationIdFor(given: string | undefined, meta: Record<string, unknown>, headers: Headers): string {
  return given ?? traceIdOf(meta['traceparent']) ?? traceIdOf(headers.get('traceparent')) ?? crypto.randomUUID();
}
