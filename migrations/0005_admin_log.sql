-- The admin log: every configuration write (rules, policy, hall config, tenants, approvers,
-- namespace keys, ban list, worker removal) leaves one signed entry on a single hash chain.
-- entry_hash = SHA-256 of the RFC 8785 canonical entry without entry_hash and signature;
-- signature = Ed25519 over the ASCII hex entry_hash with the Hall's receipt signing key
-- (src/receipts/admin-log.ts verifies a segment). `actor` is a principal label, never a token or
-- a token hash; content_sha256 hashes what was stored with every token/token_sha256 removed.
CREATE TABLE admin_log (
  seq              INTEGER PRIMARY KEY CHECK (seq >= 1),
  entry_version    TEXT    NOT NULL,
  at               TEXT    NOT NULL,
  actor            TEXT    NOT NULL,
  action           TEXT    NOT NULL,
  target           TEXT    NOT NULL,
  content_sha256   TEXT    NOT NULL,
  prev_entry_hash  TEXT,
  entry_hash       TEXT    NOT NULL UNIQUE,
  signature        TEXT    NOT NULL,
  signing_key_id   TEXT    NOT NULL
);

-- Like receipts (migrations/0002): seq 1 has no predecessor; every later entry must name the
-- entry_hash of seq - 1, which must already exist. With seq unique, gaps and forks are impossible:
-- the loser of a race gets a constraint error, re-reads the head and retries.
CREATE TRIGGER admin_log_extend_chain
BEFORE INSERT ON admin_log
WHEN (NEW.seq = 1 AND NEW.prev_entry_hash IS NOT NULL)
  OR (NEW.seq > 1 AND NOT EXISTS (
        SELECT 1 FROM admin_log WHERE seq = NEW.seq - 1 AND entry_hash = NEW.prev_entry_hash))
BEGIN
  SELECT RAISE(ABORT, 'admin log chain link missing');
END;

-- Append-only: the Hall never changes or removes an entry. (Someone with direct database access
-- can drop these triggers; the signatures and the chain still expose any edit.)
CREATE TRIGGER admin_log_no_update
BEFORE UPDATE ON admin_log
BEGIN
  SELECT RAISE(ABORT, 'admin log is append-only');
END;

CREATE TRIGGER admin_log_no_delete
BEFORE DELETE ON admin_log
BEGIN
  SELECT RAISE(ABORT, 'admin log is append-only');
END;
