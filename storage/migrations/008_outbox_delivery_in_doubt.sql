-- An attempt whose lease ran out while `sending` (the process died between SMTP's answer and
-- marking the row) may or may not have reached the recipient. `in_doubt` counts such attempts:
-- the first is retried once (same Message-ID) and the message is shown as possibly sent twice;
-- a second one is not retried again, the row is failed with the reason.
ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
