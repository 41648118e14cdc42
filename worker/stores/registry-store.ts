// The worker registry (D1): who owns each species, the current record of every enrolled worker and
// its registered package hash. Every change is one batch that also bumps the Hall generation, so an
// enrollment is either wholly applied (record + history + generation) or not at all, and a snapshot
// reads the whole registry in one round trip instead of one KV read per worker.
import { StoreUnavailableError } from './errors.js';
import { bumpGenerationStatement } from './hall-state.js';
import type { AttestationRow, EnrollmentRow } from './evidence-store.js';

export interface RegistryWorkerRow {
  worker_id: string;
  namespace: string;
  worker_species_id: string;
  record_json: string;
  artifact_hash: string;
  enrollment_id: string;
  enrolled_by: string;
  enrolled_at: string;
  /** signed_at of the signed enrollment statement that put this record here (null: unsigned). */
  signed_at: string | null;
}

export interface RegistryAttestationRow {
  worker_id: string;
  namespace: string;
  worker_species_id: string;
  package_hash: string;
  attestation_id: string;
  registered_by: string;
  registered_at: string;
}

export interface SpeciesOwnerRow {
  worker_species_id: string;
  namespace: string;
  assigned_by: string;
  assigned_at: string;
}

export interface RegistryView {
  generation: number;
  workers: RegistryWorkerRow[];
  attestations: RegistryAttestationRow[];
  owners: SpeciesOwnerRow[];
  /** SHA-256 of every revoked bearer token. */
  revoked: string[];
}

/** Why a registry write was refused by the database itself. */
export class RegistryConflictError extends Error {
  constructor(readonly reason: 'species_owned' | 'species_taken') {
    super(reason);
    this.name = 'RegistryConflictError';
  }
}

export interface RegistryStore {
  /** The Hall generation (one small read; compared on every request to find stale caches). */
  generation(): Promise<number>;
  /** The whole registry plus the revocation list, in one batch. */
  load(): Promise<RegistryView>;
  getWorker(workerId: string): Promise<RegistryWorkerRow | null>;
  speciesOwner(species: string): Promise<SpeciesOwnerRow | null>;
  workerOfSpecies(species: string): Promise<RegistryWorkerRow | null>;
  countWorkers(namespace: string): Promise<number>;
  /** Claims the species for the namespace when unowned, upserts the record, appends history, bumps the generation. */
  enroll(row: RegistryWorkerRow, history: EnrollmentRow): Promise<void>;
  registerAttestation(row: RegistryAttestationRow, history: AttestationRow): Promise<void>;
  /** Removes a worker and its attestation (the species stays owned); false when it was not enrolled. */
  deleteWorker(workerId: string): Promise<boolean>;
  /** The statements of deleteWorker, for a caller that writes them in its own batch (the admin log). */
  deleteWorkerStatements(workerId: string): D1PreparedStatement[];
  /** Admin: the statements that assign (or re-assign) a species, written with the admin log entry. */
  assignSpeciesStatements(row: SpeciesOwnerRow): D1PreparedStatement[];
  listOwners(): Promise<SpeciesOwnerRow[]>;
}

const OWNED = /species owned by another namespace/;
const TAKEN = /UNIQUE constraint failed: registry_workers\.worker_species_id/;

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
}

export class D1RegistryStore implements RegistryStore {
  constructor(private readonly db: D1Database) {}

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RegistryConflictError) throw err;
      const text = errorText(err);
      if (OWNED.test(text)) throw new RegistryConflictError('species_owned');
      if (TAKEN.test(text)) throw new RegistryConflictError('species_taken');
      throw new StoreUnavailableError('d1', operation, err);
    }
  }

  generation(): Promise<number> {
    return this.run('generation', async () => {
      const row = await this.db.prepare('SELECT generation FROM hall_meta WHERE id = 1').first<{ generation: number }>();
      return row?.generation ?? 0;
    });
  }

  load(): Promise<RegistryView> {
    return this.run('loadRegistry', async () => {
      const [gen, workers, attestations, owners, revoked] = await this.db.batch([
        this.db.prepare('SELECT generation FROM hall_meta WHERE id = 1'),
        this.db.prepare('SELECT * FROM registry_workers ORDER BY worker_id'),
        this.db.prepare('SELECT * FROM registry_attestations ORDER BY worker_id'),
        this.db.prepare('SELECT * FROM species_owners ORDER BY worker_species_id'),
        this.db.prepare('SELECT token_sha256 FROM revoked_tokens'),
      ]);
      return {
        generation: (gen!.results[0] as { generation?: number } | undefined)?.generation ?? 0,
        workers: workers!.results as unknown as RegistryWorkerRow[],
        attestations: attestations!.results as unknown as RegistryAttestationRow[],
        owners: owners!.results as unknown as SpeciesOwnerRow[],
        revoked: (revoked!.results as { token_sha256: string }[]).map((r) => r.token_sha256),
      };
    });
  }

  getWorker(workerId: string): Promise<RegistryWorkerRow | null> {
    return this.run('getWorker', () => this.db.prepare('SELECT * FROM registry_workers WHERE worker_id = ?1').bind(workerId).first<RegistryWorkerRow>());
  }

  speciesOwner(species: string): Promise<SpeciesOwnerRow | null> {
    return this.run('speciesOwner', () => this.db.prepare('SELECT * FROM species_owners WHERE worker_species_id = ?1').bind(species).first<SpeciesOwnerRow>());
  }

  workerOfSpecies(species: string): Promise<RegistryWorkerRow | null> {
    return this.run('workerOfSpecies', () => this.db.prepare('SELECT * FROM registry_workers WHERE worker_species_id = ?1').bind(species).first<RegistryWorkerRow>());
  }

  countWorkers(namespace: string): Promise<number> {
    return this.run('countWorkers', async () => (await this.db.prepare('SELECT COUNT(*) AS n FROM registry_workers WHERE namespace = ?1').bind(namespace).first<{ n: number }>())?.n ?? 0);
  }

  enroll(r: RegistryWorkerRow, h: EnrollmentRow): Promise<void> {
    return this.run('enroll', async () => {
      const db = this.db;
      await db.batch([
        db
          .prepare('INSERT OR IGNORE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)')
          .bind(r.worker_species_id, r.namespace, r.enrolled_by, r.enrolled_at),
        db
          .prepare(
            `INSERT INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (worker_id) DO UPDATE SET namespace = excluded.namespace, worker_species_id = excluded.worker_species_id,
               record_json = excluded.record_json, artifact_hash = excluded.artifact_hash, enrollment_id = excluded.enrollment_id,
               enrolled_by = excluded.enrolled_by, enrolled_at = excluded.enrolled_at, signed_at = excluded.signed_at`,
          )
          .bind(r.worker_id, r.namespace, r.worker_species_id, r.record_json, r.artifact_hash, r.enrollment_id, r.enrolled_by, r.enrolled_at, r.signed_at),
        // A re-enrollment under another species leaves the old attestation behind: it no longer applies.
        db.prepare('DELETE FROM registry_attestations WHERE worker_id = ?1 AND worker_species_id != ?2').bind(r.worker_id, r.worker_species_id),
        db
          .prepare('INSERT INTO enrollments (enrollment_id, worker_id, worker_species_id, artifact_hash, signed_by, enrolled_by, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
          .bind(h.enrollment_id, h.worker_id, h.worker_species_id, h.artifact_hash, h.signed_by, h.enrolled_by, h.enrolled_at),
        bumpGenerationStatement(db, r.enrolled_at),
      ]);
    });
  }

  registerAttestation(r: RegistryAttestationRow, h: AttestationRow): Promise<void> {
    return this.run('registerAttestation', async () => {
      const db = this.db;
      await db.batch([
        db
          .prepare(
            `INSERT INTO registry_attestations (worker_id, namespace, worker_species_id, package_hash, attestation_id, registered_by, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (worker_id) DO UPDATE SET namespace = excluded.namespace, worker_species_id = excluded.worker_species_id,
               package_hash = excluded.package_hash, attestation_id = excluded.attestation_id, registered_by = excluded.registered_by,
               registered_at = excluded.registered_at`,
          )
          .bind(r.worker_id, r.namespace, r.worker_species_id, r.package_hash, r.attestation_id, r.registered_by, r.registered_at),
        db
          .prepare('INSERT INTO attestations (attestation_id, worker_id, worker_species_id, package_hash, signing_key_id, registered_by, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
          .bind(h.attestation_id, h.worker_id, h.worker_species_id, h.package_hash, h.signing_key_id, h.registered_by, h.registered_at),
        bumpGenerationStatement(db, r.registered_at),
      ]);
    });
  }

  deleteWorkerStatements(workerId: string): D1PreparedStatement[] {
    return [
      this.db.prepare('DELETE FROM registry_workers WHERE worker_id = ?1').bind(workerId),
      this.db.prepare('DELETE FROM registry_attestations WHERE worker_id = ?1').bind(workerId),
    ];
  }

  deleteWorker(workerId: string): Promise<boolean> {
    return this.run('deleteWorker', async () => {
      const [del] = await this.db.batch([...this.deleteWorkerStatements(workerId), bumpGenerationStatement(this.db)]);
      return (del!.meta.changes ?? 0) > 0;
    });
  }

  assignSpeciesStatements(r: SpeciesOwnerRow): D1PreparedStatement[] {
    return [
      this.db
        .prepare(
          `INSERT INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)
           ON CONFLICT (worker_species_id) DO UPDATE SET namespace = excluded.namespace, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at`,
        )
        .bind(r.worker_species_id, r.namespace, r.assigned_by, r.assigned_at),
    ];
  }

  listOwners(): Promise<SpeciesOwnerRow[]> {
    return this.run('listOwners', async () => (await this.db.prepare('SELECT * FROM species_owners ORDER BY worker_species_id').all<SpeciesOwnerRow>()).results);
  }
}
