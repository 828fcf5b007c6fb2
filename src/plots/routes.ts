// /plots: the one router of the resource. Its own handlers (the search, one plot as JSON or
// GeoJSON) and the parts it mounts: the writes (editing/routes.ts) and the ZAN measures (zan/routes.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { renderEntity } from '../http/entity.js';
import { NotFoundError } from '../http/errors.js';
import { mediaTypes } from '../http/media.js';
import { formatQuery, uuidParam } from '../http/params.js';
import { featureSchema, problemResponses } from '../http/schemas.js';
import { briefQuery } from '../search/brief.js';
import { renderSearch } from '../search/listing.js';
import { searchResponses } from '../search/openapi.js';
import { plotWriteRoutes } from '../editing/routes.js';
import { plotZanRoutes } from '../zan/routes.js';
import { findPlot } from './repository.js';
import { plotChecks } from '../quality/checks.js';
import { plotSchema, toPlotJson } from './representation.js';

// Public, but an admin's key shows the names of natural persons (owners, buyers).
const optionalKey: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

export function plotRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['plots', 'search'],
      security: optionalKey,
      summary: 'Search plots by an investor brief: filters combine (AND), ranked by match score, keyset-paged',
      request: { query: briefQuery },
      responses: searchResponses('plot'),
    }),
    async (c) => renderSearch(c, 'plot', c.req.valid('query')),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['plots'],
      security: optionalKey,
      summary: 'One plot: cadastral references, areas, land control, stages, price',
      request: { params: z.object({ id: uuidParam('plot') }), query: formatQuery },
      responses: {
        200: {
          description: 'The plot',
          content: {
            'application/json': { schema: plotSchema },
            [mediaTypes.geojson]: { schema: featureSchema('PlotFeature', plotSchema.omit({ geometry: true })) },
          },
        },
        304: { description: 'Not modified (If-None-Match)' },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await findPlot(c.var.db, id);
      if (!row) throw new NotFoundError('plot', id);
      const checks = await plotChecks(c.var.db, id);
      return renderEntity(c, 'plot', toPlotJson(row, c.var.viewer, checks), c.req.valid('query').f);
    },
  );

  app.route('/', plotWriteRoutes());
  app.route('/', plotZanRoutes());
  return app;
}
