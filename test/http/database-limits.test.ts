// Issue #12, database faults: the time limits of the server's sessions, and what a request
// answers when the database is busy or gone (503 problem+json with Retry-After, never a 500).
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseLimits } from '../../src/db/limits.js';
import { allowLongStatements } from '../../src/db/limits.js';
import { inImportTransaction } from '../../src/importers/import-transaction.js';
import { ImportReportBuilder } from '../../src/importers/import-report.js';
import { databaseProblem, problemMediaType } from '../../src/http/errors.js';
import { openTestApp, backendName, type TestContext } from '../support/app.js';

const limits: DatabaseLimits = {
  statementTimeoutMs: 1_000,
  longStatementTimeoutMs: 3_000,
  lockTimeoutMs: 300,
  idleInTransactionTimeoutMs: 4_000,
  connectTimeoutMs: 400,
};
const onPostgres = backendName() === 'postgres';
if (!onPostgres)
  console.log(
    'database-limits: session limits, lock waits and the pool timeout are PostgreSQL tests (set DATABASE_URL); ' +
      'the embedded database has one connection and no pool',
  );

/** A promise to hold a connection with, and the call that lets it go. */
function gate(): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  return { held, release };
}

async function expectUnavailable(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toBe(problemMediaType);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await res.json()).toMatchObject({ status: 503, code });
}

let t: TestContext;
beforeAll(async () => {
  // Two connections: enough for a test to hold one and still see the app answer.
  t = await openTestApp({ poolMax: 2, limits });
});
afterAll(async () => t?.close());

describe('database faults: configuration', () => {
  it('bounds every session by default and takes each limit from the environment', () => {
    expect(loadConfig({}).databaseLimits).toEqual({
      statementTimeoutMs: 15_000,
      longStatementTimeoutMs: 600_000,
      lockTimeoutMs: 5_000,
      idleInTransactionTimeoutMs: 60_000,
      connectTimeoutMs: 1_500,
    });
    expect(
      loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '2500', DATABASE_CONNECT_TIMEOUT_MS: '800' }).databaseLimits,
    ).toMatchObject({ statementTimeoutMs: 2_500, connectTimeoutMs: 800 });
  });

  it('rejects 0 (no limit to PostgreSQL), negative and non-numeric limits, naming the variable', () => {
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ DATABASE_LOCK_TIMEOUT_MS: '-1' })).toThrow(/DATABASE_LOCK_TIMEOUT_MS/);
    expect(() => loadConfig({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'soon' })).toThrow(
      /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS/,
    );
  });
});

describe('database faults: answers', () => {
  it('maps a refused connection, a server shutdown and the pool timeout to 503 database_unavailable', async () => {
    // A real refused connection: nothing listens on this port of the test range.
    const refused = await new pg.Client({
      host: '127.0.0.1',
      port: 9109,
      user: 'postgres',
      connectionTimeoutMillis: 2_000,
    })
      .connect()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(databaseProblem(refused)).toMatchObject({
      status: 503,
      code: 'database_unavailable',
      headers: { 'retry-after': '5' },
    });
    for (const code of ['57P01', '57P03', '08006', '08001', '53300']) {
      expect(
        databaseProblem(Object.assign(new Error('terminating connection due to administrator command'), { code }))
          ?.code,
      ).toBe('database_unavailable');
    }
    expect(databaseProblem(new Error('Connection terminated unexpectedly'))?.code).toBe('database_unavailable');
    expect(databaseProblem(new Error('timeout exceeded when trying to connect'))?.code).toBe('database_unavailable');
    for (const code of ['57014', '55P03']) {
      expect(
        databaseProblem(Object.assign(new Error('canceling statement due to statement timeout'), { code })),
      ).toMatchObject({ status: 503, code: 'database_timeout' });
    }
  });

  it('leaves errors that are not the database failing alone (unique violation, syntax, plain errors)', () => {
    for (const code of ['23505', '42601', '22P02'])
      expect(databaseProblem(Object.assign(new Error('x'), { code }))).toBeUndefined();
    expect(databaseProblem(new Error('something else'))).toBeUndefined();
    expect(databaseProblem('not an error')).toBeUndefined();
  });

  it(
    'GET /readyz answers 503 with Retry-After within 2 s ' + 'while every connection is taken, then 200 again',
    async () => {
      // Both backends: the pool (PostgreSQL: 2 connections) or the one embedded connection.
      const holds = Array.from({ length: onPostgres ? 2 : 1 }, gate);
      const held = holds.map(({ held }) => t.handle.db.connection().execute(() => held));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      const res = await t.get('/readyz');
      const ms = performance.now() - started;
      expect(res.status).toBe(503);
      expect(ms).toBeLessThan(2_000);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await res.json()).database.reachable).toBe(false);
      for (const { release } of holds) release();
      await Promise.all(held);
      expect((await t.get('/readyz')).status).toBe(200);
    },
  );
});

describe.skipIf(!onPostgres)('database faults: session limits (PostgreSQL)', () => {
  it('every session of the pool carries the configured limits', async () => {
    const { rows } = await sql<{
      statement: string;
      lock: string;
      idle: string;
      long: string;
    }>`SELECT current_setting('statement_timeout') AS statement,
      current_setting('lock_timeout') AS lock, current_setting('idle_in_transaction_session_timeout') AS idle,
      current_setting('foncier.long_statement_timeout') AS long`.execute(t.handle.db);
    expect(rows[0]).toEqual({ statement: '1s', lock: '300ms', idle: '4s', long: '3000' });
  });

  it('a statement running past statement_timeout is cancelled and maps to 503 database_timeout', async () => {
    const error = await sql`SELECT pg_sleep(3)`.execute(t.handle.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('57014');
    expect(databaseProblem(error)?.code).toBe('database_timeout');
  });

  it('a streamed download (search cursor) and an import lift the limits inside their transaction only', async () => {
    const inside = await t.handle.db.transaction().execute(async (trx) => {
      await allowLongStatements(trx);
      return (
        await sql<{
          s: string;
          l: string;
        }>`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`.execute(trx)
      ).rows[0];
    });
    expect(inside).toEqual({ s: '3s', l: '300ms' });
    const importing = await inImportTransaction(
      t.handle.db,
      new ImportReportBuilder('site-eco', 'x.csv', { dryRun: true }),
      async (trx) =>
        (
          await sql<{
            s: string;
            l: string;
          }>`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`.execute(trx)
        ).rows[0],
    );
    expect(importing.value).toEqual({ s: '3s', l: '3s' });
    const after = (await sql<{ s: string }>`SELECT current_setting('statement_timeout') AS s`.execute(t.handle.db))
      .rows[0];
    expect(after).toEqual({ s: '1s' });
  });

  it('an idle transaction is ended by the server after idle_in_transaction_session_timeout', async () => {
    const client = new pg.Client({
      connectionString: t.handle.url,
      idle_in_transaction_session_timeout: 200,
    } as pg.ClientConfig);
    client.on('error', () => {});
    await client.connect();
    await client.query('BEGIN');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
    // The pool's own sessions carry the configured value (checked above); here the server
    // really ends such a session.
  });

  it('GET /sites answers 503 database_timeout within 2 s while another session holds a lock on sites', async () => {
    const locker = new pg.Client({ connectionString: t.handle.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sites IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const res = await t.get('/sites?limit=5');
      expect(performance.now() - started).toBeLessThan(2_000);
      await expectUnavailable(res, 'database_timeout');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await t.get('/sites?limit=5')).status).toBe(200);
  });

  it('downloads blocked by a lock do not make other routes wait: GET /labelling/grid answers within 2 s', async () => {
    const locker = new pg.Client({ connectionString: t.handle.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sites, plots IN ACCESS EXCLUSIVE MODE');
      // More blocked downloads than the pool has connections.
      // Settled as they fail (a lock timeout ends their streams), whenever that comes.
      const exports = Promise.allSettled(
        Array.from({ length: 4 }, () => t.get('/exports/sites.geojson').then((res) => res.text())),
      );
      const started = performance.now();
      const res = await t.get('/labelling/grid');
      expect(performance.now() - started).toBeLessThan(2_000);
      // A connection came free (the exports gave up their lock wait) or the pool said so.
      expect([200, 503]).toContain(res.status);
      if (res.status === 503) await expectUnavailable(res, 'database_unavailable');
      await exports;
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await t.get('/exports/sites.geojson')).status).toBe(200);
  });

  it(
    'POST /imports waits for a lock up to the long limit, ' +
      'then answers 503 database_timeout naming the recorded run',
    async () => {
      const admin = (await createApiKey(t.handle.db, { name: 'import admin', role: 'admin' })).key;
      const csv = await (await t.get('/exports/cnig/site-eco.csv')).text();
      const locker = new pg.Client({ connectionString: t.handle.url });
      await locker.connect();
      let res: Response;
      const started = performance.now();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE sites IN ACCESS EXCLUSIVE MODE');
        res = await t.get('/imports?kind=site-eco&filename=site-eco.csv', {
          method: 'POST',
          body: csv,
          headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
        });
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      // Past the API's limits (300 ms for locks, 1 s for statements): the import had the long one.
      expect(performance.now() - started).toBeGreaterThan(limits.longStatementTimeoutMs - 500);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = await res.json();
      expect(body).toMatchObject({ code: 'database_timeout', importRunId: expect.any(String) });
      const run = await t.handle.db
        .selectFrom('importRuns')
        .select(['status'])
        .where('id', '=', body.importRunId)
        .executeTakeFirstOrThrow();
      expect(run.status).toBe('failed');
    },
  );

  it('a route answers 503 database_unavailable when no pool connection comes within the connect timeout', async () => {
    const holds = [gate(), gate()];
    const held = holds.map(({ held }) => t.handle.db.connection().execute(() => held));
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const started = performance.now();
      const res = await t.get('/territories');
      expect(performance.now() - started).toBeLessThan(2_000);
      await expectUnavailable(res, 'database_unavailable');
    } finally {
      for (const { release } of holds) release();
      await Promise.all(held);
    }
    expect((await t.get('/territories')).status).toBe(200);
  });
});
