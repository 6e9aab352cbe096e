-- The request that caused each history row (X-Request-Id or a generated id), so a transition can be
-- traced back to its request and its log line. NULL for rows written by the CLI, imports and timers.
ALTER TABLE history ADD COLUMN request_id TEXT;
