// Time limits of the server's database sessions (issue #12): no statement, lock wait, idle
// transaction or pool checkout is unbounded. The pool sets them on each session (open.ts);
// the few transactions that are long by nature lift them here.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Time limits for the API's sessions, in milliseconds (see the README's configuration table). */
export interface DatabaseLimits {
  /** Any one statement of an API request. */
  statementTimeoutMs: number;
  /** Statements that are long by nature: streamed downloads' cursors, POST /imports. */
  longStatementTimeoutMs: number;
  /** Waiting for a lock (a row a writer holds, a table a bulk load holds). */
  lockTimeoutMs: number;
  /** A transaction left open with nothing running (a client that stopped reading a download). */
  idleInTransactionTimeoutMs: number;
  /** Getting a connection from the pool, queueing and connecting included. */
  connectTimeoutMs: number;
}

/** The session setting that carries `longStatementTimeoutMs` (a custom, dotted setting). */
export const LONG_STATEMENT_TIMEOUT = 'foncier.long_statement_timeout';

/**
 * Inside a transaction, lifts statement_timeout (and with `locks`, lock_timeout) to the pool's
 * long limit until it ends (set_config local). Sessions opened without limits (CLI, embedded
 * database) carry no such setting and keep theirs. Downloads keep the short lock_timeout: one
 * waiting behind a bulk load would otherwise hold a pool connection for the whole long limit.
 */
export async function allowLongStatements(trx: Kysely<Database>, options: { locks?: boolean } = {}): Promise<void> {
  const long = sql`current_setting(${LONG_STATEMENT_TIMEOUT}, true)`;
  const locks = options.locks ? sql`, set_config('lock_timeout', ${long}, true)` : sql``;
  await sql`SELECT set_config('statement_timeout', ${long}, true) ${locks} WHERE ${long} <> ''`.execute(trx);
}
