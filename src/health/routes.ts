// /healthz (the process answers) and /readyz (the database answers and its schema is current).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AppEnv } from '../app.js';
import { migrationStatus } from '../db/migrate.js';

const readySchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    database: z.object({ backend: z.string(), reachable: z.boolean() }),
    migrations: z.object({ current: z.boolean().nullable(), applied: z.array(z.string()), pending: z.array(z.string()) }),
  })
  .openapi('Readiness');

export function healthRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
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
      try {
        await sql`SELECT 1`.execute(db);
        reachable = true;
        if (migrations) {
          status = await migrationStatus(db, migrations);
          current = status.pending.length === 0;
        }
      } catch (error) {
        c.var.logger.warn('readiness check failed', { error: error instanceof Error ? error.message : String(error) });
      }
      const ready = reachable && current !== false;
      return c.json(
        { status: ready ? ('ready' as const) : ('unavailable' as const), database: { backend, reachable }, migrations: { current, ...status } },
        ready ? 200 : 503,
        { 'cache-control': 'no-store' },
      );
    },
  );

  return app;
}
