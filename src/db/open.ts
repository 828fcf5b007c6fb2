// Opens the one Kysely `Database` over either backend:
// PostgreSQL + PostGIS through a `pg` pool when DATABASE_URL is set, else embedded PGlite.
import { mkdirSync } from 'node:fs';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { copyingPool } from './copy.js';
import { LONG_STATEMENT_TIMEOUT, type DatabaseLimits } from './limits.js';
import { ReplicatedPostgresDialect } from './replicas.js';
import type { Database } from './schema.js';

export type BackendKind = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: BackendKind;
  /** With read replicas: the primary's WAL position now, the replay position a write returns. */
  replayPosition?: () => Promise<string>;
  close(): Promise<void>;
}

// pg type OIDs whose default JS mapping does not suit a JSON API.
const INT8 = 20; // count(*) and sums of integers: safe as numbers at catalogue scale
const NUMERIC = 1700;
const DATE = 1082; // keep calendar dates as 'YYYY-MM-DD', never shifted by a time zone

export function createKysely(dialect: PostgresDialect | import('kysely').Dialect): Kysely<Database> {
  return new Kysely<Database>({ dialect, plugins: [new CamelCasePlugin()] });
}

export interface PostgresOptions {
  /**
   * Send `jit=off` as a startup parameter (default true). Off behind a transaction-mode pooler
   * (Hyperdrive): it resets sessions between transactions and poolers may refuse startup
   * parameters, so there the setting belongs to the database (`ALTER DATABASE … SET jit = off`).
   */
  startupJitOff?: boolean;
  /** Bounds on every session of the pool (the server's; the CLI runs unbounded). */
  limits?: DatabaseLimits;
  /** Told of every connection error (idle or checked out); the process never dies of one. */
  onConnectionError?: (error: Error) => void;
  /** The sessions' application_name: the change feed's notifications name their writer by it
   *  (sql/015, src/change-relay.ts). */
  applicationName?: string;
  /** Streaming replicas of the database: reads go there, with read-your-writes (replicas.ts). */
  readUrls?: string[];
  /** Told of a replica's failed read (answered by the primary instead). */
  onReplicaError?: (error: Error) => void;
}

function createPool(connectionString: string, poolMax: number, options: PostgresOptions): pg.Pool {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
      if (oid === DATE) return (value: string) => value;
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  // JIT off: PostGIS functions carry high planner costs, so API queries that run in
  // milliseconds cross jit_above_cost and spend most of a second compiling (seen on ZAN
  // territory figures: 0.9 s of JIT for a 40 ms query). An API wants steady latency.
  const settings = options.startupJitOff === false ? [] : ['jit=off'];
  const limits = options.limits;
  if (limits) settings.push(`${LONG_STATEMENT_TIMEOUT}=${limits.longStatementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString,
    max: poolMax,
    types,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    ...(settings.length > 0 ? { options: settings.map((setting) => `-c ${setting}`).join(' ') } : {}),
    ...(limits
      ? {
          statement_timeout: limits.statementTimeoutMs,
          lock_timeout: limits.lockTimeoutMs,
          idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
          connectionTimeoutMillis: limits.connectTimeoutMs,
        }
      : {}),
  } as pg.PoolConfig);
  // A connection that dies (server stopped, network cut) emits 'error': the pool listens on
  // idle clients only, and an 'error' event nobody listens to kills the process. So every
  // client gets its own listener from the start; the query it was running rejects anyway,
  // and pg-pool drops a client that is no longer queryable when it comes back (issue #12).
  const onError = (error: Error) => options.onConnectionError?.(error);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

export function openPostgres(connectionString: string, poolMax = 10, options: PostgresOptions = {}): DatabaseHandle {
  const pool = createPool(connectionString, poolMax, options);
  const primary = new PostgresDialect({ pool: copyingPool(pool) });
  const readUrls = options.readUrls ?? [];
  if (readUrls.length === 0) {
    const db = createKysely(primary);
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const replicas = readUrls.map((url) => new PostgresDialect({ pool: createPool(url, poolMax, options) }));
  const db = createKysely(new ReplicatedPostgresDialect(primary, replicas, { onReplicaError: options.onReplicaError }));
  return {
    db,
    kind: 'postgres',
    // Straight on the primary's pool: the routed db would send a SELECT to a replica.
    replayPosition: async () =>
      (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn,
    close: () => db.destroy(),
  };
}

/** Opens (and creates) the embedded database. `dataDir` undefined means in memory. */
export async function openPGlite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const [{ PGlite }, { postgis }, { unaccent }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-postgis'),
    import('@electric-sql/pglite/contrib/unaccent'),
    import('./pglite-dialect.js'),
  ]);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const identity = (value: string) => value;
  const pglite = await PGlite.create({
    dataDir,
    extensions: { postgis, unaccent },
    parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => Number(v), [DATE]: identity },
  });
  const db = createKysely(new PGliteDialect(pglite));
  return { db, kind: 'pglite', close: () => db.destroy() };
}

export async function openDatabase(
  options: { databaseUrl?: string; dataDir?: string; poolMax?: number } & Pick<
    PostgresOptions,
    'limits' | 'onConnectionError' | 'applicationName' | 'readUrls' | 'onReplicaError'
  >,
): Promise<DatabaseHandle> {
  const { databaseUrl, dataDir, poolMax, ...postgres } = options;
  return databaseUrl ? openPostgres(databaseUrl, poolMax, postgres) : openPGlite(dataDir);
}
