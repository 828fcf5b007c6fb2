// Issue #12, database faults, end to end: the real server (`tsx src/server.ts`, a child
// process, so that "the process does not die" is really tested) over a private PostgreSQL
// cluster that the test creates, stops under load (`pg_ctlcluster … stop -m fast`), restarts
// and drops. The shared cluster on 5432 is never touched.
//
// It runs in the PostgreSQL pass of the suite (DATABASE_URL set), as root with Debian's
// postgresql-common (pg_createcluster) and PostGIS: CI's setup. Anywhere else it skips with
// the reason; in CI (FONCIER_REQUIRE_INTEROP=1) a missing tool is a failure.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { problemMediaType } from '../../src/http/errors.js';
import { clusterVersion, createCluster, dropCluster } from './private-cluster.js';

// A port of this project's test range (9100..9109), not 5432.
const CLUSTER_PORT = 9105;
const CLUSTER = `foncierfault${CLUSTER_PORT}`;
const APP_NAME = 'foncier-fault-test';
const POOL_MAX = 10;
const CLIENTS = 4;
// Bounds of the load: at most this many requests per client, each abandoned after 5 s.
const MAX_REQUESTS_PER_CLIENT = 3_000;
const REQUEST_TIMEOUT_MS = 5_000;
const DOWN_MS = 3_000;
const routes = ['/territories', '/sites?limit=5', '/plots?limit=5', '/ogc/collections/sites/items?limit=5', '/readyz'];

const setup = clusterVersion('database fault');
const version = 'version' in setup ? setup.version : '';

/** Asynchronous: a synchronous call would stop this process's own clients reading answers. */
async function cluster(command: 'start' | 'stop'): Promise<void> {
  const args = ['--skip-systemctl-redirect', version, CLUSTER, command, ...(command === 'stop' ? ['-m', 'fast'] : [])];
  await promisify(execFile)('pg_ctlcluster', args);
}

const adminUrl = `postgres://postgres@127.0.0.1:${CLUSTER_PORT}/postgres`;
const appUrl = `postgres://postgres@127.0.0.1:${CLUSTER_PORT}/foncier`;

/** The server's own sessions on the private cluster, by state. */
async function serverConnections(): Promise<{ total: number; states: Record<string, number> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ state: string | null; n: number }>(
      `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n
       FROM pg_stat_activity
       WHERE application_name = $1
       GROUP BY 1`,
      [APP_NAME],
    );
    const states = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    return { total: rows.reduce((n, r) => n + r.n, 0), states };
  } finally {
    await client.end();
  }
}

interface Outcome {
  route: string;
  /** ms since the load started. */
  start: number;
  end: number;
  status: number | 'network-error' | 'timeout';
  contentType: string | null;
  retryAfter: string | null;
  code?: string;
}

let server: ChildProcess | undefined;
let serverExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
const serverLog: string[] = [];
let base = '';

describe.skipIf('skip' in setup)('database faults: PostgreSQL stops under load and comes back', () => {
  beforeAll(async () => {
    dropCluster(version, CLUSTER); // left over by an interrupted run
    createCluster(version, CLUSTER, CLUSTER_PORT);
    await cluster('start');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE foncier');
    await admin.end();
    const handle = openPostgres(appUrl, 2);
    await migrateToLatest(handle.db);
    await seedDemoData(handle.db);
    await handle.close();

    server = spawn('node_modules/.bin/tsx', ['src/server.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: `${appUrl}?application_name=${APP_NAME}`,
        DATABASE_POOL_MAX: String(POOL_MAX),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.on('exit', (code, signal) => (serverExit = { code, signal }));
    server.stdout!.on('data', (chunk: Buffer) => serverLog.push(chunk.toString()));
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start: ${serverLog.join('')}`)), 60_000);
      createInterface({ input: server!.stderr! }).on('line', (line) => {
        serverLog.push(line);
        const url = line.includes('"listening"') ? (JSON.parse(line) as { url?: string }).url : undefined;
        if (url) {
          clearTimeout(timer);
          resolve(url.replace('localhost', '127.0.0.1'));
        }
      });
      server!.on('exit', () => reject(new Error(`the server exited at start: ${serverLog.join('\n')}`)));
    });
  });

  afterAll(async () => {
    if (server && !serverExit) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    dropCluster(version, CLUSTER);
  });

  it('no crash, 503 with Retry-After while down, recovery after, no connection leaked', {
    timeout: 120_000,
  }, async () => {
    const outcomes: Outcome[] = [];
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    let stopping = false;

    async function request(route: string): Promise<Outcome> {
      const start = now();
      try {
        const res = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const text = await res.text();
        const contentType = res.headers.get('content-type');
        const code = contentType === problemMediaType ? (JSON.parse(text) as { code?: string }).code : undefined;
        return {
          route,
          start,
          end: now(),
          status: res.status,
          contentType,
          retryAfter: res.headers.get('retry-after'),
          ...(code ? { code } : {}),
        };
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        return {
          route,
          start,
          end: now(),
          status: timedOut ? 'timeout' : 'network-error',
          contentType: null,
          retryAfter: null,
        };
      }
    }

    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !stopping; i++)
        outcomes.push(await request(routes[(client + i) % routes.length]!));
    });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const allRecoveredSince = (since: number) =>
      routes.every((route) => outcomes.some((o) => o.route === route && o.start >= since && o.status === 200));

    try {
      await sleep(1_500);
      const before = await serverConnections();
      const stopAt = now();
      await cluster('stop');
      const stoppedAt = now();
      await sleep(DOWN_MS);
      const startAt = now();
      await cluster('start');
      const startedAt = now();
      // Recovered: every route answered 200 to a request sent after the restart (within 20 s).
      while (!allRecoveredSince(startedAt) && now() - startedAt < 20_000) await sleep(100);
      const recoveredAt = Math.max(
        ...routes.map(
          (route) =>
            outcomes.find((o) => o.route === route && o.start >= startedAt && o.status === 200)?.end ??
            Number.POSITIVE_INFINITY,
        ),
      );
      await sleep(1_000);
      stopping = true;
      await Promise.all(clients);
      await sleep(200);
      const after = await serverConnections();

      const baseline = outcomes.filter((o) => o.end < stopAt);
      const down = outcomes.filter((o) => o.start >= stoppedAt && o.end <= startAt);
      const first503 = outcomes.filter((o) => o.start >= stopAt && o.status === 503).sort((a, b) => a.end - b.end)[0];
      const figures = {
        requests: outcomes.length,
        baseline: baseline.length,
        whileDown: down.length,
        whileDown503: down.filter((o) => o.status === 503).length,
        duringStop: outcomes.filter((o) => o.end >= stopAt && o.start < stoppedAt).length,
        msToFirst503: first503 ? Math.round(first503.end - stopAt) : null,
        slowestWhileDownMs: Math.round(Math.max(0, ...down.map((o) => o.end - o.start))),
        stopCommandMs: Math.round(stoppedAt - stopAt),
        startCommandMs: Math.round(startedAt - startAt),
        msToRecoverAfterStart: Number.isFinite(recoveredAt) ? Math.round(recoveredAt - startedAt) : null,
        statuses: outcomes.reduce<Record<string, number>>(
          (acc, o) => ({ ...acc, [String(o.status)]: (acc[String(o.status)] ?? 0) + 1 }),
          {},
        ),
        connectionsBefore: before,
        connectionsAfter: after,
      };
      console.log(`database fault figures: ${JSON.stringify(figures)}`);

      // The process never died, and said nothing of an unhandled 'error' event.
      expect(serverExit).toBeUndefined();
      expect(serverLog.join('\n')).not.toMatch(/Unhandled 'error' event|uncaughtException/);
      // Before the stop: every route answered.
      expect(baseline.length).toBeGreaterThan(0);
      expect(baseline.every((o) => o.status === 200)).toBe(true);
      // Never a 500, a dropped connection or a hang, whatever the moment.
      expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
      // While down: every route 503, problem+json with Retry-After, within 2 s.
      expect(down.length).toBeGreaterThan(CLIENTS);
      for (const o of down) {
        expect(o).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
        expect(o.end - o.start).toBeLessThan(2_000);
        if (o.route !== '/readyz')
          expect(o).toMatchObject({ contentType: problemMediaType, code: 'database_unavailable' });
      }
      expect(figures.msToFirst503).not.toBeNull();
      expect(figures.msToFirst503!).toBeLessThan(2_000);
      // Back without a restart of the server.
      expect(figures.msToRecoverAfterStart).not.toBeNull();
      // No connection leaked: within the pool, none left in a transaction or running.
      expect(after.total).toBeGreaterThan(0);
      expect(after.total).toBeLessThanOrEqual(POOL_MAX);
      expect(after.states['idle in transaction'] ?? 0).toBe(0);
      expect(after.states.active ?? 0).toBe(0);

      // And the server still shuts down cleanly, closing every connection.
      server!.kill('SIGTERM');
      await new Promise((resolve) => (serverExit ? resolve(undefined) : server!.once('exit', resolve)));
      expect(serverExit).toEqual({ code: 0, signal: null });
      await sleep(200);
      expect((await serverConnections()).total).toBe(0);
    } finally {
      stopping = true;
      await Promise.all(clients);
    }
  });
});
