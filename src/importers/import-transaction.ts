// Streaming imports write batch by batch inside ONE transaction, so memory stays flat however
// large the file, and decide at the end: commit when the report allows it (no rejection, or
// --partial), roll back otherwise. A dry run does the same work and always rolls back, so its
// created / updated / unchanged counts are the real ones. Every run is recorded in import_runs,
// the ones whose importer threw (unreadable file, a statement the database refused) as
// 'failed' with their error.
import { randomUUID } from 'node:crypto';
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

export async function recordImportRun(db: Kysely<Database>, report: ImportReport, source: string, startedAt: Date): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('importRuns')
    .values({
      id,
      kind: report.kind,
      source,
      dryRun: report.dryRun,
      partial: report.mode === 'partial',
      status: report.dryRun ? 'dry_run' : report.written ? 'committed' : 'rolled_back',
      created: report.inserted,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected.length,
      report: JSON.stringify(report),
      startedAt,
    })
    .execute();
  return id;
}

/** What is known of a run whose importer threw before returning its report. */
export interface FailedImportRun {
  kind: string;
  file: string;
  dryRun: boolean;
  partial: boolean;
  error: string;
}

export async function recordFailedImportRun(db: Kysely<Database>, run: FailedImportRun, source: string, startedAt: Date): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('importRuns')
    .values({
      id,
      kind: run.kind,
      source,
      dryRun: run.dryRun,
      partial: run.partial,
      status: 'failed',
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      error: run.error,
      report: JSON.stringify({ kind: run.kind, file: run.file, dryRun: run.dryRun, mode: run.partial ? 'partial' : 'all-or-nothing', written: false, error: run.error }),
      startedAt,
    })
    .execute();
  return id;
}
