// Startup recovery of imports a killed process left behind: its import_runs row still
// 'running' (written when the import started, sql/011) and its spooled body (spool.ts).
// Runs of this host whose process is gone become 'failed' with the error 'interrupted'; runs
// of a live process, or of another host (whose processes cannot be checked from here), stay.
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { isLiveWriter, sweepSpools } from './spool.js';

export const interruptedError = 'interrupted';

export interface Recovery {
  /** Ids of the runs marked failed. */
  interruptedRuns: string[];
  /** Runs left running: another host's, or a live process's. */
  runningElsewhere: string[];
  /** Spool directories removed. */
  removedSpools: string[];
}

export async function recoverInterruptedImports(
  db: Kysely<Database>,
  options: { spoolDir: string; logger?: Logger },
): Promise<Recovery> {
  const here = hostname();
  const running = await db
    .selectFrom('importRuns')
    .select(['id', 'host', 'pid', 'startedAt'])
    .where('status', '=', 'running')
    .orderBy('startedAt')
    .execute();
  const interruptedRuns: string[] = [];
  const runningElsewhere: string[] = [];
  for (const run of running) {
    if (run.host !== here || run.pid === null || isLiveWriter(run.pid, run.startedAt.getTime())) {
      runningElsewhere.push(run.id);
      continue;
    }
    // Still 'running' in the WHERE: a run that finished meanwhile keeps its outcome.
    const result = await db
      .updateTable('importRuns')
      .set({
        status: 'failed',
        error: interruptedError,
        report: sql`report || ${JSON.stringify({ written: false, error: interruptedError })}::jsonb`,
        finishedAt: new Date(),
      })
      .where('id', '=', run.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) interruptedRuns.push(run.id);
  }
  const removedSpools = await sweepSpools(options.spoolDir);
  if (interruptedRuns.length || removedSpools.length || runningElsewhere.length) {
    options.logger?.warn('interrupted imports recovered', { interruptedRuns, removedSpools, runningElsewhere });
  }
  return { interruptedRuns, runningElsewhere, removedSpools };
}
