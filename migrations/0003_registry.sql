-- v0.2 trust boundary: the worker registry moves from one KV key per record into D1, where an
-- enrollment is one transaction (record + history + generation) and a snapshot is one query.
-- `hall_meta.generation` is bumped by every configuration change (admin writes, enrollments,
-- attestations, token revocations); isolates compare it on each request (at most every
-- HALL_CONFIG_CHECK_MS) and reload their snapshot and drop cached tokens when it moves.

CREATE TABLE hall_meta (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  generation  INTEGER NOT NULL,
  updated_at  TEXT    NOT NULL
);
INSERT INTO hall_meta (id, generation, updated_at) VALUES (1, 1, '1970-01-01T00:00:00.000Z');

-- Tokens that must stop working at once (deleted tenants/approvers, rotated tokens), whatever a
-- KV edge cache still says about them. Checked against the SHA-256 of the bearer token.
CREATE TABLE revoked_tokens (
  token_sha256  TEXT PRIMARY KEY,
  revoked_at    TEXT NOT NULL
);

-- Who owns a worker species: the namespace that first enrolled it, or the one an admin assigned.
-- Another namespace cannot enroll the species.
CREATE TABLE species_owners (
  worker_species_id  TEXT PRIMARY KEY,
  namespace          TEXT NOT NULL,
  assigned_by        TEXT NOT NULL,
  assigned_at        TEXT NOT NULL
);

-- The current registry record of every enrolled worker. One record per species: the selected
-- species resolves to exactly one worker, whose own record supplies controls, envelope, hashes.
CREATE TABLE registry_workers (
  worker_id          TEXT    PRIMARY KEY,
  namespace          TEXT    NOT NULL,
  worker_species_id  TEXT    NOT NULL UNIQUE,
  record_json        TEXT    NOT NULL,
  artifact_hash      TEXT    NOT NULL,
  enrollment_id      TEXT    NOT NULL,
  enrolled_by        TEXT    NOT NULL,
  enrolled_at        TEXT    NOT NULL,
  -- Signed enrollments: the signed statement's issued_at, so an older statement cannot be replayed.
  signed_at          TEXT
);
CREATE INDEX registry_workers_by_namespace ON registry_workers (namespace);

-- The verified package hash registered for a worker (POST /workers/:id/attestation).
CREATE TABLE registry_attestations (
  worker_id          TEXT PRIMARY KEY,
  namespace          TEXT NOT NULL,
  worker_species_id  TEXT NOT NULL,
  package_hash       TEXT NOT NULL,
  attestation_id     TEXT NOT NULL,
  registered_by      TEXT NOT NULL,
  registered_at      TEXT NOT NULL
);
CREATE INDEX registry_attestations_by_namespace ON registry_attestations (namespace);

-- The database itself refuses a worker whose species is owned by another namespace, so two
-- concurrent enrollments cannot both win (the loser's whole batch, history included, rolls back).
CREATE TRIGGER registry_workers_owned_insert
BEFORE INSERT ON registry_workers
WHEN NOT EXISTS (SELECT 1 FROM species_owners WHERE worker_species_id = NEW.worker_species_id AND namespace = NEW.namespace)
BEGIN
  SELECT RAISE(ABORT, 'species owned by another namespace');
END;

CREATE TRIGGER registry_workers_owned_update
BEFORE UPDATE ON registry_workers
WHEN NOT EXISTS (SELECT 1 FROM species_owners WHERE worker_species_id = NEW.worker_species_id AND namespace = NEW.namespace)
BEGIN
  SELECT RAISE(ABORT, 'species owned by another namespace');
END;
