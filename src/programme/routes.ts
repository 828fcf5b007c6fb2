// GET /programme/turnkey-sites: the programme dashboard (public figures).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { problemResponses } from '../http/schemas.js';
import { programmeDashboard } from './dashboard.js';

export function programmeRoutes(defaultTarget: number) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/turnkey-sites',
      tags: ['labelling'],
      summary:
        'Turnkey-site programme dashboard: target, states, regions, territories, hectares, brownfield share, readiness',
      request: {
        query: z
          .object({
            target: z.coerce
              .number()
              .int()
              .min(1)
              .max(10_000)
              .optional()
              .openapi({ description: `sites the programme aims to label (default ${defaultTarget})` }),
          })
          .strict(),
      },
      responses: {
        200: { description: 'The dashboard', content: { 'application/json': { schema: z.any() } } },
        400: problemResponses[400],
      },
    }),
    async (c) =>
      c.json(
        await programmeDashboard(c.var.db, c.req.valid('query').target ?? defaultTarget, c.var.clock.today()),
        200,
      ),
  );
  return app;
}
