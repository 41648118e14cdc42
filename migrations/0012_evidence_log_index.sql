-- v0.2 evidence log (issue 12): each tenant's receipt chain is written by its own Durable Object
-- (worker/log/tenant-log-object.ts); D1 becomes the cross-tenant query index the objects feed.
-- `decisions`, `receipts` and `approvals` keep their shape and are now filled at least once per
-- receipt (INSERT OR IGNORE on their unique keys), shortly after the receipt is durable in its log.

-- Where each log's index stands, written by its object in the same D1 batch as the rows it feeds
-- (and on its own when a feed fails): GET /wcp/health sums the lag over all logs.
CREATE TABLE evidence_index (
  tenant_id            TEXT    NOT NULL,
  shard                INTEGER NOT NULL CHECK (shard >= 0),
  log_size             INTEGER NOT NULL CHECK (log_size >= 0),
  indexed_size         INTEGER NOT NULL CHECK (indexed_size >= 0),
  -- created_at of the oldest receipt not yet indexed (NULL when indexed_size = log_size).
  oldest_unindexed_at  TEXT,
  -- Code of the last failed feed (NULL after a feed succeeds): what to look at when the lag grows.
  last_error           TEXT,
  updated_at           TEXT    NOT NULL,
  PRIMARY KEY (tenant_id, shard)
);
-- Health reads only the logs that trail or fail (few), whatever the number of logs.
CREATE INDEX evidence_index_trailing ON evidence_index (tenant_id) WHERE indexed_size < log_size OR last_error IS NOT NULL;

-- Receipts of shards 1 … N-1 of a sharded tenant (shard 0 is the tenant's original chain and stays
-- in `receipts`). Each shard is its own chain: seq is unique per (tenant, shard).
CREATE TABLE shard_receipts (
  receipt_id         TEXT    PRIMARY KEY,
  tenant_id          TEXT    NOT NULL,
  shard              INTEGER NOT NULL CHECK (shard >= 1),
  seq                INTEGER NOT NULL CHECK (seq >= 1),
  prev_receipt_hash  TEXT,
  receipt_hash       TEXT    NOT NULL,
  decision_id        TEXT    NOT NULL,
  signing_key_id     TEXT    NOT NULL,
  created_at         TEXT    NOT NULL,
  receipt_json       TEXT    NOT NULL,
  UNIQUE (tenant_id, shard, seq)
);
