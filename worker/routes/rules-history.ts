// GET /admin/rules/versions and GET /admin/rules/versions/:version (admin): the rules version in
// force with its lint report, and every version the Hall has held. The history is the signed admin
// log's `rules.put` entries (who, when); versions stored in KV without an entry (the kv-seed's) are
// listed too. A version's document is immutable (`rules:<version>`), so any of them can be read back.
import { z } from 'zod';
import { lintRules } from '../../src/routing/index.js';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import type { RequestContext } from '../context.js';
import { requireAdmin } from '../http/auth.js';
import { parseWith, pathParam, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { KV } from '../stores/config-store.js';
import { D1MonitorQueries } from '../stores/monitor-queries.js';

export const RulesVersionsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

/** At most this many stored versions are listed from KV. */
const MAX_STORED = 1000;
const VERSION = /^rv-[0-9a-f]{16}$/;

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The lint report the Hall gives an upload (with the WCP taxonomy), or why there is none. */
function lintOf(doc: unknown): ReturnType<typeof lintRules> | null {
  return doc && typeof doc === 'object' ? lintRules(doc, { taxonomy: wcpTaxonomy() }) : null;
}

export async function listRulesVersions(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const q = parseWith(RulesVersionsQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const config = ctx.stores.config;
  const pointer = parse(await config.get(KV.rulesCurrent)) as { version?: unknown; stored_at?: unknown; source?: unknown; previous?: unknown } | null | undefined;
  const version = typeof pointer?.version === 'string' ? pointer.version : null;
  const doc = version ? parse(await config.get(KV.rules(version))) : null;
  const [history, keys] = await Promise.all([new D1MonitorQueries(ctx.env.HALL_DB).rulesHistory(q.limit), config.list('rules:rv-')]);
  const logged = new Set(history.map((h) => h.version));
  const stored = keys.map((k) => k.slice('rules:'.length)).filter((v) => VERSION.test(v)).slice(0, MAX_STORED);
  const rules = doc && typeof doc === 'object' && Array.isArray((doc as { rules?: unknown }).rules) ? (doc as { rules: unknown[] }).rules.length : null;
  return jsonResponse({
    current: version
      ? { version, stored_at: pointer?.stored_at ?? null, source: pointer?.source ?? null, previous: pointer?.previous ?? null, rules, lint: lintOf(doc), corrupt: doc === undefined }
      : null,
    history: history.map((h) => ({ version: h.version, at: h.at, actor: h.actor, admin_log_seq: h.seq, current: h.version === version })),
    // Held in KV but never uploaded through PUT /admin/rules (e.g. loaded by the seed).
    unlogged: stored.filter((v) => !logged.has(v)),
  });
}

export async function getRulesVersion(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const version = pathParam(ctx.params, 'version');
  const notFound = new HallHttpError(404, 'RULES_VERSION_NOT_FOUND', 'This Hall holds no rules version with that id. List them with GET /admin/rules/versions.');
  if (!VERSION.test(version)) throw notFound;
  const doc = parse(await ctx.stores.config.get(KV.rules(version)));
  if (doc === null) throw notFound;
  const pointer = parse(await ctx.stores.config.get(KV.rulesCurrent)) as { version?: unknown } | null | undefined;
  return jsonResponse({ version, current: pointer?.version === version, document: doc ?? null, corrupt: doc === undefined, lint: lintOf(doc) });
}
