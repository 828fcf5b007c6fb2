// Kysely dialect for the embedded PGlite database. PGlite is a single connection, so
// the driver hands it out to one Kysely "connection" at a time (a FIFO lock): a
// transaction keeps it until commit or rollback and other queries wait their turn.
import type { PGlite, Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { copyStatement } from './copy.js';

class ConnectionLock {
  #tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // COPY … FROM STDIN (db/copy.ts): PGlite reads the rows from a blob.
    const copy = copyStatement(query.sql, query.parameters);
    if (copy) {
      const text = `${copy.text.slice(0, -'STDIN'.length)}'/dev/blob'`;
      const result = await this.pg.query<R>(text, [], { blob: new Blob(copy.source.chunks as string[]) });
      return { rows: [], numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows) };
    }
    // Queries without parameters go through the simple protocol, which also runs
    // multi-statement scripts such as the migrations in sql/.
    const result: Results<R> | undefined =
      query.parameters.length === 0
        ? ((await this.pg.exec(query.sql)).at(-1) as Results<R> | undefined)
        : await this.pg.query<R>(query.sql, query.parameters as unknown[]);
    const rows = result?.rows ?? [];
    const affected = result?.affectedRows;
    return {
      rows,
      numAffectedRows: affected === undefined ? undefined : BigInt(affected),
    };
  }

  // PGlite has no server-side cursors; stream a materialised result in chunks.
  async *streamQuery<R>(query: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

class PGliteDriver implements Driver {
  readonly #lock = new ConnectionLock();
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();
  readonly #connection: PGliteConnection;

  constructor(private readonly pg: PGlite) {
    this.#connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#lock.acquire();
    // One PGliteConnection object is shared; a wrapper keeps each lease distinct.
    const lease: DatabaseConnection = {
      executeQuery: (q) => this.#connection.executeQuery(q),
      streamQuery: (q, chunkSize) => this.#connection.streamQuery(q, chunkSize),
    };
    this.#releases.set(lease, release);
    return lease;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const access = settings.accessMode ? ` ${settings.accessMode}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}${access}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#releases.get(connection)?.();
    this.#releases.delete(connection);
  }

  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
