-- Append-only history of every approval (spec 5.8): who opened, escalated, approved, denied, used or
-- released it, and between which supervisor levels. Each event is written in the same D1 batch as
-- the state change it records, so the history and the approval row never disagree. `approvals`
-- keeps the current state; resolved_by / resolved_at there are set only by approve or deny.
CREATE TABLE approval_events (
  approval_id  TEXT    NOT NULL,
  seq          INTEGER NOT NULL CHECK (seq >= 1),
  action       TEXT    NOT NULL CHECK (action IN ('open', 'escalate', 'approve', 'deny', 'use', 'release')),
  from_level   TEXT,
  to_level     TEXT,
  -- Who did it: 'hall' (opened by a decision, used/released by /route), 'admin' or 'approver:<id>'.
  -- Never a token or its hash.
  actor        TEXT    NOT NULL,
  at           TEXT    NOT NULL,
  note         TEXT,
  PRIMARY KEY (approval_id, seq)
);

-- The history is evidence: the database refuses to change or remove an event.
CREATE TRIGGER approval_events_no_update
BEFORE UPDATE ON approval_events
BEGIN
  SELECT RAISE(ABORT, 'approval history is append-only');
END;

CREATE TRIGGER approval_events_no_delete
BEFORE DELETE ON approval_events
BEGIN
  SELECT RAISE(ABORT, 'approval history is append-only');
END;
