-- A run is recorded as 'running' when its import starts, in its own committed statement, so an
-- import killed midway (the CLI or the server handling POST /imports) leaves its row behind;
-- the next start marks it 'failed' with the error 'interrupted'. host and pid name the process
-- running it, so that recovery leaves alone the runs of another live process.
ALTER TABLE import_runs DROP CONSTRAINT import_runs_status_check;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check CHECK (status IN ('running', 'committed', 'rolled_back', 'dry_run', 'failed'));
ALTER TABLE import_runs ALTER COLUMN finished_at DROP NOT NULL;
ALTER TABLE import_runs ADD COLUMN host text;
ALTER TABLE import_runs ADD COLUMN pid integer;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_finished_check CHECK ((status = 'running') = (finished_at IS NULL));
CREATE INDEX import_runs_running_idx ON import_runs (started_at) WHERE status = 'running';
