-- The database itself refuses a receipt that does not extend its tenant's chain: seq 1 has no
-- predecessor; every later receipt must name the receipt_hash of seq - 1, which must already exist.
-- With UNIQUE (tenant_id, seq) this makes gaps and forks impossible whatever the writers do, and
-- lets a Hall pipeline batches (a batch that arrives before its predecessor is simply refused).
CREATE TRIGGER receipts_extend_chain
BEFORE INSERT ON receipts
WHEN (NEW.seq = 1 AND NEW.prev_receipt_hash IS NOT NULL)
  OR (NEW.seq > 1 AND NOT EXISTS (
        SELECT 1 FROM receipts
        WHERE tenant_id = NEW.tenant_id AND seq = NEW.seq - 1 AND receipt_hash = NEW.prev_receipt_hash))
BEGIN
  SELECT RAISE(ABORT, 'receipt chain link missing');
END;
