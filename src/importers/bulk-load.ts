// When an import is a bulk load: a file large next to the table it fills has the table's
// secondary indexes rebuilt once at the end (src/db/bulk.ts deferIndexes) instead of
// maintained row by row, then the table analysed so that the planner sees its new size.
// Small imports (a territory's update) keep the indexes: readers never wait for them.
//
// `auto` touches the loaded table only: it waits at most LOCK_WAIT for it (a long export or
// another import holding it would otherwise queue every new reader behind the load's lock
// request) and otherwise keeps the indexes; readers of the table wait for the load once it has
// it. `rebuild` is the initial, national load: it also drops and re-validates the table's
// foreign keys (about a fifth of the load's time at 1M plots), which takes the tables they
// reference (sites; EPCI and communes for a site-eco load) for the load too, and it waits for
// its locks as long as it takes. A plots load also defers the triggers that keep the sites'
// offers (sql/012) and recomputes them once at the end.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { deferIndexes, tableName } from '../db/bulk.js';
import { estimateRecords } from './sources.js';

/**
 * `auto`: indexes rebuilt for a bulk load; `keep`: never (readers keep reading);
 * `rebuild`: indexes and foreign keys, always.
 */
export type IndexMode = 'auto' | 'keep' | 'rebuild';

/** A load counts as bulk from this many rows, and a quarter of the rows already held. */
export const BULK_LOAD_MIN_ROWS = 50_000;

export function isBulkLoad(estimatedRows: number, tableRows: number): boolean {
  return estimatedRows >= BULK_LOAD_MIN_ROWS && estimatedRows >= tableRows / 4;
}

type Table = keyof Database & string;

/** How long an `auto` bulk load waits for the table to itself before keeping the indexes. */
export const LOCK_WAIT = '2s';

/** PostgreSQL's lock_not_available: lock_timeout expired. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Takes the table for the load's own (ACCESS EXCLUSIVE) within `wait`; false when busy. */
async function lockWithin(trx: Kysely<Database>, table: Table, wait: string | undefined): Promise<boolean> {
  if (wait === undefined) {
    await sql`LOCK TABLE ${sql.id(tableName(table))} IN ACCESS EXCLUSIVE MODE`.execute(trx);
    return true;
  }
  await sql`SAVEPOINT bulk_load_lock`.execute(trx);
  const { rows } = await sql<{ previous: string }>`SELECT current_setting('lock_timeout') AS previous`.execute(trx);
  try {
    await sql`SELECT set_config('lock_timeout', ${wait}, true)`.execute(trx);
    await sql`LOCK TABLE ${sql.id(tableName(table))} IN ACCESS EXCLUSIVE MODE`.execute(trx);
    await sql`SELECT set_config('lock_timeout', ${rows[0]!.previous}, true)`.execute(trx);
    await sql`RELEASE SAVEPOINT bulk_load_lock`.execute(trx);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
    // Back to before the attempt, lock_timeout included.
    await sql`ROLLBACK TO SAVEPOINT bulk_load_lock`.execute(trx);
    return false;
  }
}

/**
 * Prepares `table` for loading `path` inside the import transaction `trx`. Returns what to
 * run once every row is written and the load is about to commit: nothing for a plain import,
 * or when (`auto`) the table stayed busy for LOCK_WAIT. `rebuild` waits as long as it takes.
 */
export async function prepareBulkLoad(
  trx: Kysely<Database>,
  table: Table,
  path: string,
  mode: IndexMode = 'auto',
): Promise<(() => Promise<void>) | undefined> {
  if (mode === 'keep') return undefined;
  if (mode === 'auto') {
    // reltuples is -1 for a table never analysed; the estimate is all a decision needs.
    const { rows } = await sql<{
      rows: number;
    }>`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = ${tableName(table)}::regclass`.execute(
      trx,
    );
    if (!isBulkLoad(await estimateRecords(path), rows[0]?.rows ?? 0)) return undefined;
  }
  if (!(await lockWithin(trx, table, mode === 'auto' ? LOCK_WAIT : undefined))) return undefined;
  const restore = await deferIndexes(trx, table, { foreignKeys: mode === 'rebuild' });
  const offers = table === 'plots' ? await deferSiteOffers(trx) : undefined;
  return async () => {
    await restore();
    await offers?.();
    await sql`ANALYZE ${sql.id(tableName(table))}`.execute(trx);
  };
}

/** The plots triggers that keep each site's offer (sql/012). */
const offerTriggers = ['plots_offer_insert', 'plots_offer_update', 'plots_offer_delete'];

/**
 * Each statement's refresh reads the plots of the sites it touched through plots_site_idx, one
 * of the indexes a bulk load drops: without it every batch would scan the whole table. The
 * load turns them off (in its transaction, so a rollback turns them back on) and, once the
 * indexes are back, recomputes every site's offer in one pass.
 */
async function deferSiteOffers(trx: Kysely<Database>): Promise<() => Promise<void>> {
  for (const trigger of offerTriggers) await sql`ALTER TABLE plots DISABLE TRIGGER ${sql.id(trigger)}`.execute(trx);
  return async () => {
    for (const trigger of offerTriggers) await sql`ALTER TABLE plots ENABLE TRIGGER ${sql.id(trigger)}`.execute(trx);
    await sql`SELECT foncier_refresh_site_offer(ARRAY(SELECT id FROM sites WHERE deleted_at IS NULL))`.execute(trx);
  };
}
