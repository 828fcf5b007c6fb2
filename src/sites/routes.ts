// /sites: the one router of the resource. Its own handlers (the search, one site as JSON,
// GeoJSON or its page for people) and the parts it mounts: the investor views (search/routes.ts), the writes
// (editing/routes.ts), the labelling file (labelling/routes.ts) and the ZAN measures (zan/routes.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { renderEntity } from '../http/entity.js';
import { NotFoundError } from '../http/errors.js';
import { mediaTypes, wantsHtml } from '../http/media.js';
import { uuidParam } from '../http/params.js';
import { featureSchema, problemResponses } from '../http/schemas.js';
import { briefQuery } from '../search/brief.js';
import { renderSearch } from '../search/listing.js';
import { searchResponses } from '../search/openapi.js';
import { siteInvestorRoutes } from '../search/routes.js';
import { siteWriteRoutes } from '../editing/routes.js';
import { siteLabelRoutes } from '../labelling/routes.js';
import { siteZanRoutes } from '../zan/routes.js';
import { renderSitePage } from '../web/investor/site.js';
import { findSite } from './repository.js';
import { siteSchema, toSiteJson } from './representation.js';

// json, geojson, or html: the site page for people (a browser's Accept asks for it without f).
const siteFormatQuery = z
  .object({
    f: z
      .enum(['json', 'geojson', 'html'])
      .optional()
      .openapi({
        param: { name: 'f', in: 'query' },
        description: 'Response format; overrides Accept (json, geojson for a GeoJSON Feature, html for the site page)',
      }),
  })
  .strict();

export function siteRoutes(options: { basemapStyleUrl?: string } = {}) {
  const app = new OpenAPIHono<AppEnv>();
  // First: /compare is a path of its own, never an {id}.
  app.route('/', siteInvestorRoutes(options));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['sites', 'search'],
      summary: 'Search sites by an investor brief: filters combine (AND), ranked by match score, keyset-paged',
      request: { query: briefQuery },
      responses: searchResponses('site'),
    }),
    async (c) => renderSearch(c, 'site', c.req.valid('query')),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['sites'],
      summary:
        'One site: location, areas, utilities, access, turnkey status, plot summary; ' +
        'a browser (Accept: text/html, or f=html) gets the site page',

      request: { params: z.object({ id: uuidParam('site') }), query: siteFormatQuery },
      responses: {
        200: {
          description: 'The site',
          content: {
            'application/json': { schema: siteSchema },
            [mediaTypes.geojson]: { schema: featureSchema('SiteFeature', siteSchema.omit({ geometry: true })) },
            [mediaTypes.html]: {
              schema: z.string().openapi({
                description:
                  'The site page: map of the plots by availability, plots table, utilities, access, ZAN, label, source',
              }),
            },
          },
        },
        304: { description: 'Not modified (If-None-Match)' },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { f } = c.req.valid('query');
      if (wantsHtml(c, f)) return renderSitePage(c, id, options.basemapStyleUrl);
      const row = await findSite(c.var.db, id);
      if (!row) throw new NotFoundError('site', id);
      return renderEntity(c, 'site', toSiteJson(row), f);
    },
  );

  app.route('/', siteWriteRoutes());
  app.route('/', siteLabelRoutes());
  app.route('/', siteZanRoutes());
  return app;
}
