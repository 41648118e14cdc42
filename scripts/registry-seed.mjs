// Turns kv-seed/workers/*.json into the D1 registry rows the Hall reads (migrations/0003_registry.sql):
// one registry_workers row and one species_owners row per record, owned by the record's namespace.
// Used by `npm start` (as SQL through `wrangler d1 execute --local`) and by the worker test suite
// (as a binding). Seeding only fills what is absent: INSERT OR IGNORE never replaces a worker a
// user enrolled or re-enrolled.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function namespaceOf(workerId) {
  const m = /^(org|x)\.([a-z0-9][a-z0-9-]*)\./.exec(workerId);
  if (!m) throw new Error(`kv-seed: worker_id ${workerId} is not in a tenant namespace (org.<name>.<worker>)`);
  return `${m[1]}.${m[2]}`;
}

/** @returns {{ worker_id: string, namespace: string, worker_species_id: string, record_json: string, artifact_hash: string }[]} */
export function buildRegistrySeedRows(seedDir) {
  const dir = join(seedDir, 'workers');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((name) => {
      const record = readJson(join(dir, name));
      return {
        worker_id: record.worker_id,
        namespace: namespaceOf(record.worker_id),
        worker_species_id: record.worker_species_id,
        record_json: JSON.stringify(record),
        artifact_hash: record.artifact_hash,
      };
    });
}

const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** SQL that seeds the registry without touching anything already there. */
export function buildRegistrySeedSql(seedDir, now = new Date().toISOString()) {
  const lines = [];
  for (const r of buildRegistrySeedRows(seedDir)) {
    lines.push(
      `INSERT OR IGNORE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (${sqlText(r.worker_species_id)}, ${sqlText(r.namespace)}, 'kv-seed', ${sqlText(now)});`,
      `INSERT OR IGNORE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at) VALUES (${sqlText(r.worker_id)}, ${sqlText(r.namespace)}, ${sqlText(r.worker_species_id)}, ${sqlText(r.record_json)}, ${sqlText(r.artifact_hash)}, ${sqlText('enr_seed_' + r.worker_id)}, 'kv-seed', ${sqlText(now)});`,
    );
  }
  lines.push(`UPDATE hall_meta SET generation = generation + 1, updated_at = ${sqlText(now)} WHERE id = 1;`);
  return lines.join('\n') + '\n';
}
