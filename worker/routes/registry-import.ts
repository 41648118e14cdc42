// POST /admin/registry/import-kv: moves a v0.1 registry (one KV key per worker, `worker:<id>` and
// `attestation:<id>`) into the D1 registry. It only adds: a worker already in D1 is never replaced,
// a species owned by another namespace is skipped with the reason, and the KV keys stay where they
// are (nothing is lost; an operator deletes them when satisfied). At most IMPORT_BATCH workers per
// call, so one call stays within a Worker's KV operation budget; call again while `remaining` > 0.
import { RegistryRecordSchema, isControlId, tenantNamespaceOf } from '../../src/routing/index.js';
import { isSha256Hex } from '../../src/util/index.js';
import type { RequestContext } from '../context.js';
import { recordAdminChange } from '../admin-log.js';
import { requireAdmin } from '../http/auth.js';
import { jsonResponse } from '../http/problem.js';
import { KV, parseJsonObject } from '../stores/config-store.js';

export const IMPORT_BATCH = 200;

interface Skipped {
  worker_id: string;
  reason: string;
}

export async function importKvRegistry(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const { config, registry } = ctx.stores;
  const view = await registry.load();
  const inD1 = new Set(view.workers.map((w) => w.worker_id));
  const owners = new Map(view.owners.map((o) => [o.worker_species_id, o.namespace]));
  const holders = new Map(view.workers.map((w) => [w.worker_species_id, w.worker_id]));
  const pending = (await config.list(KV.workerPrefix)).map((k) => k.slice(KV.workerPrefix.length)).filter((id) => !inD1.has(id));
  const batch = pending.slice(0, IMPORT_BATCH);
  const db = ctx.env.HALL_DB;
  const at = new Date().toISOString();
  const statements: D1PreparedStatement[] = [];
  const imported: string[] = [];
  const skipped: Skipped[] = [];

  for (const workerId of batch) {
    const record = parseJsonObject(await config.get(KV.worker(workerId)));
    const ns = tenantNamespaceOf(workerId);
    const strict = record ? RegistryRecordSchema.safeParse(record) : null;
    if (!record || !strict?.success || record['worker_id'] !== workerId) {
      skipped.push({ worker_id: workerId, reason: 'record is corrupt or not a valid registry record; re-enroll it with POST /enroll' });
      continue;
    }
    if (!ns) {
      skipped.push({ worker_id: workerId, reason: 'worker_id is not in a tenant namespace (org.<name>.<worker>)' });
      continue;
    }
    if (!strict.data.currently_implements.every(isControlId)) {
      skipped.push({ worker_id: workerId, reason: 'currently_implements holds ids that are not ctrl.<name>' });
      continue;
    }
    const species = strict.data.worker_species_id;
    const owner = owners.get(species);
    if (owner !== undefined && owner !== ns) {
      skipped.push({ worker_id: workerId, reason: `species ${species} belongs to ${owner}` });
      continue;
    }
    const holder = holders.get(species);
    if (holder !== undefined && holder !== workerId) {
      skipped.push({ worker_id: workerId, reason: `species ${species} is already enrolled as ${holder}` });
      continue;
    }
    owners.set(species, ns);
    holders.set(species, workerId);
    statements.push(
      db.prepare('INSERT OR IGNORE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)').bind(species, ns, 'import-kv', at),
      db
        .prepare(
          `INSERT OR IGNORE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'import-kv', ?7, NULL)`,
        )
        .bind(workerId, ns, species, JSON.stringify(record), typeof record['artifact_hash'] === 'string' ? record['artifact_hash'] : '', `enr_import_${crypto.randomUUID().slice(0, 8)}`, at),
    );
    const att = parseJsonObject(await config.get(KV.attestation(workerId)));
    const hash = att?.['package_hash'];
    if (att && att['worker_species_id'] === species && typeof hash === 'string' && isSha256Hex(hash)) {
      statements.push(
        db
          .prepare(
            `INSERT OR IGNORE INTO registry_attestations (worker_id, namespace, worker_species_id, package_hash, attestation_id, registered_by, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'import-kv', ?6)`,
          )
          .bind(workerId, ns, species, hash, `att_import_${crypto.randomUUID().slice(0, 8)}`, at),
      );
    }
    imported.push(workerId);
  }
  if (imported.length > 0) {
    await recordAdminChange(ctx, { action: 'registry.import-kv', target: 'registry', content: { imported, skipped }, statements });
  }
  return jsonResponse({ imported, skipped, remaining: pending.length - batch.length });
}
