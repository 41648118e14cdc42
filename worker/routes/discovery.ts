// Discovery (spec 5.6): health, capabilities, workers — public, read from the cached snapshot.
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { currentSnapshot } from '../state.js';
import { parseWith, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';

export const WCP_VERSION = '0.1';

export async function health(ctx: RequestContext): Promise<Response> {
  const snap = await currentSnapshot(ctx);
  // The same checks /route makes before signing: a missing or invalid key, or a kid that already
  // names another recorded key, leaves the Hall unable to decide.
  let signing: 'ok' | 'unavailable' = 'ok';
  let signingProblem = 'HALL_SIGNING_KEY_UNAVAILABLE';
  try {
    const signer = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
    await ctx.runtime.signer.ensureRecorded(signer, ctx.stores.evidence);
  } catch (err) {
    signing = 'unavailable';
    if (err instanceof HallHttpError) signingProblem = err.code;
  }
  // The D1 query index trails the tenant logs (receipts are durable in the logs first).
  const lag = await ctx.runtime.logs.indexLag(ctx);
  const indexProblem = lag === null ? ['EVIDENCE_INDEX_UNAVAILABLE'] : lag.logs_failing > 0 ? ['EVIDENCE_INDEX_TRAILING'] : [];
  const problems = [...(snap.problem ? [snap.problem.code] : []), ...(signing === 'ok' ? [] : [signingProblem]), ...indexProblem];
  return jsonResponse({
    status: problems.length ? 'degraded' : 'ok',
    wcp_version: WCP_VERSION,
    compliance: 'WCP-Full',
    rules_version: snap.rulesVersion,
    config_version: snap.configVersion,
    workers_enrolled: snap.workers.size,
    hall_generation: snap.generation,
    // Registry rows the snapshot left out (corrupt, or the species is now owned elsewhere).
    registry_problems: snap.registryProblems.slice(0, 100),
    require_signatory: snap.hallConfig?.require_signatory ?? false,
    require_worker_attestation: snap.hallConfig?.require_worker_attestation ?? false,
    signing,
    evidence_index: lag ?? { status: 'unavailable' },
    problems,
  });
}

export async function capabilities(ctx: RequestContext): Promise<Response> {
  const snap = await currentSnapshot(ctx);
  const byCap = new Map<string, { worker_id: string; worker_species_id: string }[]>();
  for (const [workerId, r] of snap.workers) {
    const species = typeof r['worker_species_id'] === 'string' ? r['worker_species_id'] : null;
    if (!species || !Array.isArray(r['capabilities'])) continue;
    for (const cap of r['capabilities']) {
      if (typeof cap !== 'string') continue;
      let list = byCap.get(cap);
      if (!list) byCap.set(cap, (list = []));
      list.push({ worker_id: workerId, worker_species_id: species });
    }
  }
  const capabilities = [...byCap.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([capability_id, workers]) => ({ capability_id, workers }));
  return jsonResponse({ capabilities, count: capabilities.length });
}

export const WorkersQuerySchema = z
  .object({
    capability_id: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().regex(/^\d{1,9}$/, 'must be the next_cursor of a previous page').optional(),
  })
  .strict();

export async function workers(ctx: RequestContext): Promise<Response> {
  const q = parseWith(WorkersQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const snap = await currentSnapshot(ctx);
  const all = [...snap.workers.entries()]
    .filter(([, r]) => !q.capability_id || (Array.isArray(r['capabilities']) && r['capabilities'].includes(q.capability_id)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const start = q.cursor ? Number(q.cursor) : 0;
  const page = all.slice(start, start + q.limit).map(([worker_id, record]) => {
    const species = typeof record['worker_species_id'] === 'string' ? record['worker_species_id'] : null;
    const registered = species ? (snap.registeredHashes.get(species) ?? null) : null;
    return {
      worker_id,
      namespace: snap.namespaceOfWorker.get(worker_id) ?? null,
      worker_species_id: species,
      available: species ? snap.registry.workerAvailable(species) : false,
      attested_package_hash: registered,
      banned: registered !== null && snap.banned.has(registered),
      record,
    };
  });
  const next = start + q.limit < all.length ? String(start + q.limit) : null;
  return jsonResponse({ workers: page, next_cursor: next, total: all.length });
}
