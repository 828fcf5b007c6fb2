// Bulk inserts: a batch of rows travels as ONE JSON parameter and PostgreSQL expands it
// with json_populate_recordset, so a batch is one statement whatever its size and no
// value is ever spliced into SQL text. Geometry columns take EWKT strings
// ('SRID=4326;MULTIPOLYGON(...)'), which the geometry type parses on input.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

export async function insertJsonRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).map(snakeCase);
  const payload = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [snakeCase(k), v])));
  const tableName = snakeCase(table);
  const columnList = sql.join(columns.map((c) => sql.id(c)));
  await sql`INSERT INTO ${sql.id(tableName)} (${columnList})
    SELECT ${columnList} FROM json_populate_recordset(null::${sql.id(tableName)}, ${JSON.stringify(payload)}::json)`.execute(db);
}
