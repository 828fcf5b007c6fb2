// COPY … FROM STDIN through Kysely, on both backends (issue #18: imports stage their rows by
// COPY). Kysely has no COPY, so the rows travel as a CopySource parameter of a statement ending
// in `FROM STDIN`: on PostgreSQL the pool handed to Kysely (copyingPool) sends such a statement
// with pg-copy-streams on the very client of the transaction; on PGlite the dialect
// (pglite-dialect.ts) runs it as `FROM '/dev/blob'` with the rows as the blob. Anything else
// goes to the client untouched.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type Kysely, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

/** The rows of one COPY, in its text format (copyText), one line each. */
export class CopySource {
  constructor(readonly chunks: readonly string[]) {}
}

/** The statement's text without its CopySource parameter, and the source, when it is a COPY. */
export function copyStatement(
  text: string,
  parameters: readonly unknown[],
): { text: string; source: CopySource } | undefined {
  if (parameters.length !== 1 || !(parameters[0] instanceof CopySource)) return undefined;
  if (!/\bFROM STDIN\$1$/.test(text)) throw new Error('a CopySource must end a COPY … FROM STDIN statement');
  return { text: text.slice(0, -'$1'.length), source: parameters[0] };
}

/** Writes `lines` (copyText lines, each ending in \n) into `table`'s `columns`. */
export async function copyInto<DB>(db: Kysely<DB>, table: string, columns: string[], lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  // One chunk: pg-copy-streams sends each chunk as its own CopyData message (a write each).
  const source = new CopySource([lines.join('')]);
  await sql`COPY ${sql.id(table)} (${sql.join(columns.map((c) => sql.id(c)))}) FROM STDIN${source}`.execute(db);
}

const special = /[\\\t\n\r]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const arrayElement = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * One value in COPY's text format (what json_to_recordset would read from the same JSON value):
 * \N for null, t/f, numbers as JavaScript writes them, arrays as array literals, text escaped.
 */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = Array.isArray(value) ? `{${value.map((v) => arrayElement(String(v))).join(',')}}` : String(value);
  return text.replace(special, (c) => escapes[c]!);
}

async function copy(client: pg.PoolClient, text: string, source: CopySource) {
  const stream = client.query(copyStreams.from(text));
  await pipeline(Readable.from(source.chunks), stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}

/** `pool` for Kysely's PostgresDialect, its clients able to run a CopySource statement. */
export function copyingPool(pool: pg.Pool): PostgresPool {
  // Kysely keeps one connection object per client it is handed: one wrapper per client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = {
          query: ((text: unknown, parameters?: readonly unknown[]) => {
            const statement = typeof text === 'string' && parameters ? copyStatement(text, parameters) : undefined;
            if (statement) return copy(client, statement.text, statement.source);
            return client.query(text as string, parameters as unknown[]);
          }) as unknown as PostgresPoolClient['query'],
          release: (destroy?: boolean) => client.release(destroy),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
