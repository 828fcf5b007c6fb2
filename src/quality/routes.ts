// GET /territories/{id}/quality: the territory's data-quality report (quality/report.ts), on
// the app's clock. Mounted at /territories.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { NotFoundError } from '../http/errors.js';
import { emptyQuery, territoryIdParam } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import { qualityReportSchema } from './representation.js';
import { findReportedTerritory, territoryQuality } from './report.js';

export function qualityRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/quality',
      tags: ['territories'],
      summary:
        "The territory's data quality: declared vs drawn plot areas (> 10 %), parcels of another commune, " +
        'overlapping plots, sites without power or availability, records not updated for 12 months',
      request: { params: z.object({ id: territoryIdParam }), query: emptyQuery },
      responses: {
        200: { description: 'The quality report', content: { 'application/json': { schema: qualityReportSchema } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const territory = await findReportedTerritory(c.var.db, id);
      if (!territory) throw new NotFoundError('territory', id);
      return c.json(await territoryQuality(c.var.db, territory, c.var.clock.today()), 200);
    },
  );
  return app;
}
