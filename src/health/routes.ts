// /healthz (the process answers) and /readyz (the database answers and its schema is current).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.js';
import { migrationStatus } from '../db/migrate.js';
import { DATABASE_RETRY_AFTER_S } from '../http/errors.js';

const readySchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    database: z.object({ backend: z.string(), reachable: z.boolean() }),
    migrations: z.object({
      current: z.boolean().nullable(),
      applied: z.array(z.string()),
      pending: z.array(z.string()),
    }),
  })
  .openapi('Readiness');

/**
 * How long /readyz waits for the database to answer `SELECT 1` before answering 503: a probe
 * that hangs with the pool exhausted is worse than none (issue #12: it hung more than 12 s;
 * the bound is 2 s).
 */
export const READY_TIMEOUT_MS = 1_500;
/**
 * Then how long the migrations comparison may take: a cold embedded database needs more than
 * a second for its first catalogue queries (1.7 s seen on a loaded 2-core machine), and a
 * reachable database that is this slow is still reachable; the probe must not hang, though.
 */
export const MIGRATION_CHECK_TIMEOUT_MS = 5_000;

/** `work`, or a rejection once `ms` have passed (the work itself runs on and is ignored). */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process is up',
      responses: {
        200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
      },
    }),
    (c) => c.json({ status: 'ok' as const }, 200, { 'cache-control': 'no-store' }),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness: the database is reachable and every migration in sql/ is applied',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: readySchema } } },
        503: { description: 'Not ready', content: { 'application/json': { schema: readySchema } } },
      },
    }),
    async (c) => {
      const { db, backend, migrations } = c.var;
      let reachable = false;
      let status = { applied: [] as string[], pending: [] as string[] };
      let current: boolean | null = null;
      let answered = false;
      try {
        await within(sql`SELECT 1`.execute(db), READY_TIMEOUT_MS);
        reachable = true;
        if (migrations) {
          status = await within(migrationStatus(db, migrations), MIGRATION_CHECK_TIMEOUT_MS);
          current = status.pending.length === 0;
        }
        answered = true;
      } catch (error) {
        c.var.logger.warn('readiness check failed', { error: error instanceof Error ? error.message : String(error) });
      }
      // Unreachable, or reachable but too slow to compare the migrations: not ready.
      const ready = answered && current !== false;
      return c.json(
        {
          status: ready ? ('ready' as const) : ('unavailable' as const),
          database: { backend, reachable },
          migrations: { current, ...status },
        },
        ready ? 200 : 503,
        { 'cache-control': 'no-store', ...(reachable ? {} : { 'retry-after': String(DATABASE_RETRY_AFTER_S) }) },
      );
    },
  );

  return app;
}
