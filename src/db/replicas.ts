// Read replicas (DATABASE_READ_URL, issue #18): a Kysely driver over the primary's pool and one
// pool per streaming replica. A statement goes to a replica when it can only read: a SELECT
// outside any transaction (a transaction, DECLARE, FOR UPDATE, WITH … INSERT and every write go
// to the primary). Replicas are taken in turn; one that fails a read is left for the primary.
//
// Read-your-writes: a request that wrote leaves with its replay position, the primary's WAL
// position after its commit (`Foncier-Replay-Position` header and cookie). A request that
// brings one reads from a replica only once `pg_last_wal_replay_lsn()` there has reached it
// (waiting up to `maxWaitMs`), else from the primary. The position of the request being served
// travels in an AsyncLocalStorage, so no handler knows about replicas.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  type PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

export const replayPositionHeader = 'foncier-replay-position';
const replayPositionCookie = 'foncier_replay_position';
// Long enough for any replica to catch up; the token is useless once they have.
const cookieMaxAgeSeconds = 60;

interface RequestPosition {
  /** The replay position the caller brought (a WAL LSN), if any. */
  required?: bigint;
  /** Set when the request wrote through the primary. */
  wrote: boolean;
}

const requestPosition = new AsyncLocalStorage<RequestPosition>();

/** `16/B374D848` → a number that orders like the LSN; undefined for anything else. */
export function parseLsn(text: string | undefined | null): bigint | undefined {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text ?? '');
  return match ? (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`) : undefined;
}

// Statements a replica can answer: they begin with SELECT and lock nothing. A SELECT calling a
// function that writes would fail there (read-only), so none of ours does.
const readOnlyStatement = /^\s*select\b/i;
const locking = /\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/i;
const isRead = (query: CompiledQuery) => readOnlyStatement.test(query.sql) && !locking.test(query.sql);
// What makes a request's replay position worth returning (identifiers such as deleted_at do not match).
const writes = /\b(insert|update|delete|merge|copy|truncate)\b/i;

interface Replica {
  driver: Driver;
  /** The highest replay position seen there. */
  replayed: bigint;
}

export interface ReplicaOptions {
  /** How long a read with a replay position waits for a replica before going to the primary. */
  maxWaitMs?: number;
  onReplicaError?: (error: Error) => void;
}

class RoutingConnection implements DatabaseConnection {
  #primary: DatabaseConnection | undefined;
  #inTransaction = false;

  constructor(private readonly router: RoutingDriver) {}

  async primary(): Promise<DatabaseConnection> {
    this.#primary ??= await this.router.primaryDriver.acquireConnection();
    return this.#primary;
  }

  set inTransaction(value: boolean) {
    this.#inTransaction = value;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.#inTransaction && isRead(query)) {
      const answered = await this.router.readOnReplica<R>(query);
      if (answered) return answered;
    } else if (writes.test(query.sql)) {
      const position = requestPosition.getStore();
      if (position) position.wrote = true;
    }
    return (await this.primary()).executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    yield* (await this.primary()).streamQuery<R>(query, chunkSize);
  }

  async release(): Promise<void> {
    if (this.#primary) await this.router.primaryDriver.releaseConnection(this.#primary);
    this.#primary = undefined;
    this.#inTransaction = false;
  }
}

class RoutingDriver implements Driver {
  readonly #replicas: Replica[];
  #next = 0;

  constructor(
    readonly primaryDriver: Driver,
    replicas: Driver[],
    private readonly options: ReplicaOptions,
  ) {
    this.#replicas = replicas.map((driver) => ({ driver, replayed: 0n }));
  }

  async init() {
    await Promise.all([this.primaryDriver.init(), ...this.#replicas.map((r) => r.driver.init())]);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutingConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const routing = connection as RoutingConnection;
    routing.inTransaction = true;
    await this.primaryDriver.beginTransaction(await routing.primary(), settings);
  }

  async commitTransaction(connection: DatabaseConnection) {
    await this.primaryDriver.commitTransaction(await (connection as RoutingConnection).primary());
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    await this.primaryDriver.rollbackTransaction(await (connection as RoutingConnection).primary());
  }

  async releaseConnection(connection: DatabaseConnection) {
    await (connection as RoutingConnection).release();
  }

  async destroy() {
    await Promise.all([this.primaryDriver.destroy(), ...this.#replicas.map((r) => r.driver.destroy())]);
  }

  /** The next replica's answer, or undefined: none has replayed the caller's writes in time, or it failed. */
  async readOnReplica<R>(query: CompiledQuery): Promise<QueryResult<R> | undefined> {
    if (this.#replicas.length === 0) return undefined;
    const replica = this.#replicas[this.#next++ % this.#replicas.length]!;
    const required = requestPosition.getStore()?.required;
    let connection: DatabaseConnection | undefined;
    try {
      connection = await replica.driver.acquireConnection();
      if (
        required !== undefined &&
        replica.replayed < required &&
        !(await this.#caughtUp(replica, connection, required))
      )
        return undefined;
      return await connection.executeQuery<R>(query);
    } catch (error) {
      this.options.onReplicaError?.(error as Error);
      return undefined;
    } finally {
      if (connection) await replica.driver.releaseConnection(connection);
    }
  }

  /** Polls the replica's replay position until it reaches `required` or the wait is over. */
  async #caughtUp(replica: Replica, connection: DatabaseConnection, required: bigint): Promise<boolean> {
    const until = performance.now() + (this.options.maxWaitMs ?? 250);
    for (;;) {
      const { rows } = await connection.executeQuery<{ lsn: string | null }>(
        CompiledQuery.raw('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
      );
      const replayed = parseLsn(rows[0]?.lsn);
      if (replayed === undefined) return false; // not a standby: never trusted with a position
      if (replayed > replica.replayed) replica.replayed = replayed;
      if (replayed >= required) return true;
      if (performance.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** The primary's dialect with reads routed to the replicas' pools. */
export class ReplicatedPostgresDialect implements Dialect {
  constructor(
    private readonly primary: PostgresDialect,
    private readonly replicas: PostgresDialect[],
    private readonly options: ReplicaOptions = {},
  ) {}

  createDriver(): Driver {
    return new RoutingDriver(
      this.primary.createDriver(),
      this.replicas.map((r) => r.createDriver()),
      this.options,
    );
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own Dialect signature
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}

/**
 * Read-your-writes around each request: the caller's replay position (header or cookie) is
 * what the request's replica reads must have replayed; a request that wrote answers with the
 * primary's position after it (`currentPosition`, read on the primary).
 */
export function replayPositions(currentPosition: () => Promise<string>): MiddlewareHandler {
  return async (c, next) => {
    const position: RequestPosition = {
      required: parseLsn(c.req.header(replayPositionHeader) ?? getCookie(c, replayPositionCookie)),
      wrote: false,
    };
    await requestPosition.run(position, next);
    if (!position.wrote) return;
    const lsn = await currentPosition();
    c.header(replayPositionHeader, lsn);
    setCookie(c, replayPositionCookie, lsn, {
      path: '/',
      maxAge: cookieMaxAgeSeconds,
      httpOnly: true,
      sameSite: 'Lax',
    });
  };
}
