-- Dispatch outcomes (MCP gateway): what ran for an allowed decision and what it returned, one
-- signed record per dispatch (src/receipts/outcome.ts: outcome_hash = SHA-256 of the RFC 8785
-- canonical record without outcome_hash and signature; signature = Ed25519 over the ASCII hex
-- outcome_hash with the Hall's receipt key). Linked to the decision by decision_id, receipt_id and
-- receipt_hash; at most one outcome per decision (an allowed decision is dispatched once).
CREATE TABLE dispatch_outcomes (
  outcome_id      TEXT    PRIMARY KEY,
  decision_id     TEXT    NOT NULL UNIQUE,
  receipt_id      TEXT    NOT NULL,
  receipt_hash    TEXT    NOT NULL,
  tenant_id       TEXT    NOT NULL,
  worker_id       TEXT,
  capability_id   TEXT    NOT NULL,
  target_kind     TEXT    CHECK (target_kind IS NULL OR target_kind IN ('https', 'service', 'mcp')),
  status          TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
  error_code      TEXT,
  http_status     INTEGER,
  duration_ms     INTEGER NOT NULL CHECK (duration_ms >= 0),
  result_sha256   TEXT,
  recorded_at     TEXT    NOT NULL,
  signing_key_id  TEXT    NOT NULL,
  outcome_hash    TEXT    NOT NULL UNIQUE,
  outcome_json    TEXT    NOT NULL,
  CHECK ((status = 'ok') = (error_code IS NULL))
);
CREATE INDEX dispatch_outcomes_by_tenant ON dispatch_outcomes (tenant_id, recorded_at);
CREATE INDEX dispatch_outcomes_by_worker ON dispatch_outcomes (worker_id, recorded_at);

-- Evidence: the database refuses to change or remove an outcome. (Someone with direct database
-- access can drop these triggers; the signatures still expose any edit.)
CREATE TRIGGER dispatch_outcomes_no_update
BEFORE UPDATE ON dispatch_outcomes
BEGIN
  SELECT RAISE(ABORT, 'dispatch outcomes are append-only');
END;

CREATE TRIGGER dispatch_outcomes_no_delete
BEFORE DELETE ON dispatch_outcomes
BEGIN
  SELECT RAISE(ABORT, 'dispatch outcomes are append-only');
END;
