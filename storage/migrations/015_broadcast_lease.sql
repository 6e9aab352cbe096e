-- A broadcast runs on the process that holds its lease (lease_owner, lease_until, renewed while it
-- runs); an unfinished one whose lease is missing or ran out (its process stopped or died) is
-- resumed by the next resumer pass. The same columns as PostgreSQL's 003.
ALTER TABLE broadcasts ADD COLUMN lease_owner TEXT;
ALTER TABLE broadcasts ADD COLUMN lease_until TEXT;
CREATE INDEX broadcasts_unfinished ON broadcasts (created_at) WHERE finished_at IS NULL;
