-- edgehall D1 schema: the evidence side of the Hall (append-only logs and approvals).
-- KV holds configuration (rules, registry, keys); everything a decision leaves behind lives here.

-- One row per routing decision, allowed or denied. `id` gives a stable newest-first order for
-- cursor pagination; the full RouteDecision is kept verbatim in `decision_json`.
CREATE TABLE decisions (
  id                          INTEGER PRIMARY KEY AUTOINCREMENT,
  decision_id                 TEXT    NOT NULL UNIQUE,
  tenant_id                   TEXT    NOT NULL,
  correlation_id              TEXT    NOT NULL,
  capability_id               TEXT    NOT NULL,
  env                         TEXT    NOT NULL,
  data_label                  TEXT    NOT NULL,
  selected_worker_species_id  TEXT,
  denied                      INTEGER NOT NULL CHECK (denied IN (0, 1)),
  deny_code                   TEXT,
  matched_rule_id             TEXT,
  rules_version               TEXT,
  approval_id                 TEXT,
  receipt_id                  TEXT    NOT NULL,
  receipt_seq                 INTEGER NOT NULL,
  created_at                  TEXT    NOT NULL,
  decision_json               TEXT    NOT NULL
);
CREATE INDEX decisions_by_tenant     ON decisions (tenant_id, id);
CREATE INDEX decisions_by_capability ON decisions (capability_id, id);
CREATE INDEX decisions_by_worker     ON decisions (selected_worker_species_id, id);
CREATE INDEX decisions_by_deny_code  ON decisions (deny_code, id);
CREATE INDEX decisions_by_time       ON decisions (created_at);

-- Per-tenant receipt chains. UNIQUE (tenant_id, seq) is what stops two concurrent writers from
-- forking a chain: the loser of a race gets a constraint error and retries on the new head.
CREATE TABLE receipts (
  receipt_id         TEXT    PRIMARY KEY,
  tenant_id          TEXT    NOT NULL,
  seq                INTEGER NOT NULL CHECK (seq >= 1),
  prev_receipt_hash  TEXT,
  receipt_hash       TEXT    NOT NULL,
  decision_id        TEXT    NOT NULL,
  signing_key_id     TEXT    NOT NULL,
  created_at         TEXT    NOT NULL,
  receipt_json       TEXT    NOT NULL,
  UNIQUE (tenant_id, seq)
);
CREATE INDEX receipts_by_decision ON receipts (decision_id);

-- Human approvals (spec 5.8). A REQUIRE_HUMAN decision opens one; an approver resolves it; an
-- approved one can be cited by exactly one later /route call of the same request (used_* columns).
CREATE TABLE approvals (
  approval_id          TEXT    PRIMARY KEY,
  tenant_id            TEXT    NOT NULL,
  decision_id          TEXT    NOT NULL,
  correlation_id       TEXT    NOT NULL,
  capability_id        TEXT    NOT NULL,
  env                  TEXT    NOT NULL,
  data_label           TEXT    NOT NULL,
  request_fingerprint  TEXT    NOT NULL,
  supervisor_level     TEXT    NOT NULL,
  status               TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used')),
  reason               TEXT,
  escalation_context   TEXT    NOT NULL,
  created_at           TEXT    NOT NULL,
  expires_at           TEXT    NOT NULL,
  expires_ms           INTEGER NOT NULL,
  resolved_at          TEXT,
  resolved_by          TEXT,
  resolution_note      TEXT,
  used_by_decision_id  TEXT,
  used_at              TEXT
);
CREATE INDEX approvals_pending ON approvals (status, expires_ms);
CREATE INDEX approvals_by_tenant ON approvals (tenant_id, status);

-- Every public key the Hall has ever signed receipts with, so old receipts stay verifiable
-- after the signing key is rotated (served at /.well-known/wcp-keys.json).
CREATE TABLE signing_keys (
  kid            TEXT PRIMARY KEY,
  public_jwk     TEXT NOT NULL,
  first_used_at  TEXT NOT NULL
);

-- Enrollment history (the current record lives in KV `worker:<worker_id>`).
CREATE TABLE enrollments (
  enrollment_id      TEXT PRIMARY KEY,
  worker_id          TEXT NOT NULL,
  worker_species_id  TEXT,
  artifact_hash      TEXT NOT NULL,
  signed_by          TEXT,
  enrolled_by        TEXT NOT NULL,
  enrolled_at        TEXT NOT NULL
);
CREATE INDEX enrollments_by_worker ON enrollments (worker_id);

-- Verified package attestations (the current registered hash lives in KV `attestation:<worker_id>`).
CREATE TABLE attestations (
  attestation_id     TEXT PRIMARY KEY,
  worker_id          TEXT NOT NULL,
  worker_species_id  TEXT NOT NULL,
  package_hash       TEXT NOT NULL,
  signing_key_id     TEXT,
  registered_by      TEXT NOT NULL,
  registered_at      TEXT NOT NULL
);
CREATE INDEX attestations_by_worker ON attestations (worker_id);
