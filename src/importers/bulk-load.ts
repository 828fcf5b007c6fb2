// When an import is a bulk load: a file large next to the table it fills has the table's
// secondary indexes and foreign keys rebuilt once at the end (src/db/bulk.ts deferIndexes)
// instead of maintained row by row, then the table analysed so that the planner sees its new
// size. Small imports (a territory's update) keep the indexes: readers never wait for them.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { deferIndexes, tableName } from '../db/bulk.js';
import { estimateRecords } from './sources.js';

/** `auto` rebuilds for a bulk load; `keep` never does (readers keep reading); `rebuild` always. */
export type IndexMode = 'auto' | 'keep' | 'rebuild';

/** A load counts as bulk from this many rows, and a quarter of the rows already held. */
export const BULK_LOAD_MIN_ROWS = 50_000;

export function isBulkLoad(estimatedRows: number, tableRows: number): boolean {
  return estimatedRows >= BULK_LOAD_MIN_ROWS && estimatedRows >= tableRows / 4;
}

type Table = keyof Database & string;

/**
 * Prepares `table` for loading `path` inside the import transaction `trx`. Returns what to
 * run once every row is written and the load is about to commit: nothing for a plain import.
 */
export async function prepareBulkLoad(trx: Kysely<Database>, table: Table, path: string, mode: IndexMode = 'auto'): Promise<(() => Promise<void>) | undefined> {
  if (mode === 'keep') return undefined;
  if (mode === 'auto') {
    // reltuples is -1 for a table never analysed; the estimate is all a decision needs.
    const { rows } = await sql<{ rows: number }>`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = ${tableName(table)}::regclass`.execute(trx);
    if (!isBulkLoad(await estimateRecords(path), rows[0]?.rows ?? 0)) return undefined;
  }
  const restore = await deferIndexes(trx, table);
  return async () => {
    await restore();
    await sql`ANALYZE ${sql.id(tableName(table))}`.execute(trx);
  };
}
