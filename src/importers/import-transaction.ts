// Streaming imports write batch by batch inside ONE transaction, so memory stays flat however
// large the file, and decide at the end: commit when the report allows it (no rejection, or
// --partial), roll back otherwise. A dry run does the same work and always rolls back, so its
// created / updated / unchanged counts are the real ones. Every run is recorded in import_runs:
// 'running' when it starts (committed at once), then its outcome, the ones whose importer threw
// (unreadable file, a statement the database refused) as 'failed' with their error.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import { allowLongStatements } from '../db/limits.js';
import type { Database } from '../db/schema.js';
import type { ImportReport, ImportReportBuilder } from './import-report.js';

class RollBack extends Error {
  constructor(readonly value: unknown) {
    super('rolled back on purpose');
  }
}

/** Runs `work` in a transaction; returns its value and whether it was committed. */
export async function inImportTransaction<T>(
  db: Kysely<Database>,
  report: ImportReportBuilder,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<{ value: T; written: boolean }> {
  try {
    const value = await db.transaction().execute(async (trx) => {
      // A 100 MB file, indexes rebuilt once, `--indexes rebuild` waiting for its tables: an
      // import is long by nature, so it gets the long limits for statements and locks.
      await allowLongStatements(trx, { locks: true });
      const value = await work(trx);
      if (!report.shouldWrite) throw new RollBack(value);
      return value;
    });
    return { value, written: true };
  } catch (error) {
    if (error instanceof RollBack) return { value: error.value as T, written: false };
    throw error;
  }
}

/** What is known of a run when its import starts. */
export interface ImportRunStart {
  kind: string;
  file: string;
  /** Who or what ran it: the CLI's file path, or `POST /imports by <key name>`. */
  source: string;
  dryRun: boolean;
  partial: boolean;
  startedAt: Date;
}

const startReport = (run: { kind: string; file: string; dryRun: boolean; partial: boolean }) => ({
  kind: run.kind,
  file: run.file,
  dryRun: run.dryRun,
  mode: run.partial ? 'partial' : 'all-or-nothing',
  written: false,
});

/**
 * Records the run as 'running', in its own statement outside the import's transaction, so it
 * is committed before the first row is read: a process killed midway leaves it, and the next
 * start marks it failed (recovery.ts). Host and pid say which process to check for.
 */
export async function startImportRun(db: Kysely<Database>, run: ImportRunStart): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('importRuns')
    .values({
      id,
      kind: run.kind,
      source: run.source,
      dryRun: run.dryRun,
      partial: run.partial,
      status: 'running',
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      error: null,
      report: JSON.stringify(startReport(run)),
      startedAt: run.startedAt,
      finishedAt: null,
      host: hostname(),
      pid: process.pid,
    })
    .execute();
  return id;
}

/** The run's outcome from its report: committed, rolled back or dry run, with its counts. */
export async function recordImportRun(db: Kysely<Database>, id: string, report: ImportReport): Promise<void> {
  await db
    .updateTable('importRuns')
    .set({
      status: report.dryRun ? 'dry_run' : report.written ? 'committed' : 'rolled_back',
      created: report.inserted,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected.length,
      report: JSON.stringify(report),
      finishedAt: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** What is known of a run whose importer threw before returning its report. */
export interface FailedImportRun {
  kind: string;
  file: string;
  dryRun: boolean;
  partial: boolean;
  error: string;
}

export async function recordFailedImportRun(db: Kysely<Database>, id: string, run: FailedImportRun): Promise<void> {
  await db
    .updateTable('importRuns')
    .set({
      status: 'failed',
      error: run.error,
      report: JSON.stringify({ ...startReport(run), error: run.error }),
      finishedAt: new Date(),
    })
    .where('id', '=', id)
    .execute();
}
