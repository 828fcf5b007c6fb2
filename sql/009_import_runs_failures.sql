-- An import that fails before it can report (an unreadable file, a statement the database
-- refuses) is recorded as well: status 'failed', with the error it stopped on. Its counts
-- stay 0 and its report holds what is known of the run (kind, file, options, error).
ALTER TABLE import_runs DROP CONSTRAINT import_runs_status_check;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check CHECK (status IN ('committed', 'rolled_back', 'dry_run', 'failed'));
ALTER TABLE import_runs ADD COLUMN error text;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_error_check CHECK ((status = 'failed') = (error IS NOT NULL));
