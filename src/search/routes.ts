// Investor views of sites: GET /sites/compare?ids= (2 to 5 sites side by side) and
// GET /sites/{id}/sheet (JSON, or a printable HTML page on f=html or Accept: text/html).
// Mounted by the sites router (sites/routes.ts) before its {id} routes, so that `compare` is never read as an {id}.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { invalidParam, NotFoundError } from '../http/errors.js';
import { mediaTypes } from '../http/media.js';
import { uuidParam, uuidPattern } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import { findSite } from '../sites/repository.js';
import { toSiteJson, type SiteJson } from '../sites/representation.js';
import { sheetHtml, siteSheet } from './sheet.js';

const compareQuery = z
  .object({
    ids: z
      .string()
      .transform((text) => text.split(',').map((id) => id.trim().toLowerCase()))
      .pipe(
        z
          .array(z.string().regex(uuidPattern, { message: 'not a site id (expected a UUID)' }))
          .min(2, { message: 'compare 2 to 5 sites' })
          .max(5, { message: 'compare 2 to 5 sites' }),
      )
      .openapi({ type: 'string', description: '2 to 5 comma-separated site ids' }),
  })
  .strict();

/** The rows a comparison shows, one value per site. */
const comparedRows: [string, (s: SiteJson) => unknown][] = [
  ['commune', (s) => `${s.location.commune.name} (${s.location.commune.department})`],
  ['epci', (s) => s.location.epci.name],
  ['territories', (s) => s.location.territories.map((t) => t.name).join(', ')],
  ['usableAreaHa', (s) => s.areas.usableAreaHa],
  ['availableAreaHa', (s) => s.areas.availableAreaHa],
  ['largestAvailablePlotHa', (s) => s.areas.maxPlotAreaHa],
  ['lowestPriceEurM2', (s) => s.lowestPriceEurM2],
  ['availabilitySource', (s) => s.availabilitySource],
  ['powerMw', (s) => s.utilities.powerMw],
  ['gas', (s) => s.utilities.gas],
  ['fibre', (s) => s.utilities.fibre],
  ['railSiding', (s) => s.access.railSiding],
  ['riverQuay', (s) => s.access.riverQuay],
  ['motorwayInterchangeKm', (s) => s.access.motorway.interchangeKm],
  ['freightStationKm', (s) => s.access.freightStation.km],
  ['portKm', (s) => s.access.port.km],
  ['turnkeyLabel', (s) => s.turnkey.labelStatus],
  ['availableFrom', (s) => s.availableFrom],
];

export function siteInvestorRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/compare',
      tags: ['sites', 'search'],
      summary: '2 to 5 sites side by side',
      request: { query: compareQuery },
      responses: {
        200: {
          description: 'The sites and one row per criterion',
          content: { 'application/json': { schema: z.record(z.string(), z.any()) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { ids } = c.req.valid('query');
      if (new Set(ids).size !== ids.length) throw invalidParam('query', 'ids', 'a site is listed twice');
      const sites: SiteJson[] = [];
      for (const id of ids) {
        const row = await findSite(c.var.db, id);
        if (!row) throw new NotFoundError('site', id);
        sites.push(toSiteJson(row));
      }
      const summaries = sites.map(({ geometry: _geometry, ...rest }) => rest);
      const rows = comparedRows.map(([criterion, read]) => ({ criterion, values: sites.map(read) }));
      return c.json({ ids, rows, sites: summaries }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/sheet',
      tags: ['sites', 'search'],
      summary:
        'Investor sheet: location, areas, plots, utilities, access, procedures, contacts (JSON or printable HTML)',
      request: {
        params: z.object({ id: uuidParam('site') }),
        query: z
          .object({
            f: z.enum(['json', 'html']).optional().openapi({ description: 'json (default) or html; overrides Accept' }),
          })
          .strict(),
      },
      responses: {
        200: {
          description: 'The sheet',
          content: {
            'application/json': { schema: z.record(z.string(), z.any()) },
            [mediaTypes.html]: { schema: z.string() },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const sheet = await siteSheet(c.var.db, id, c.var.clock.today());
      if (!sheet) throw new NotFoundError('site', id);
      const f = c.req.valid('query').f;
      const html = f ? f === 'html' : (c.req.header('accept') ?? '').includes(mediaTypes.html);
      if (html) return c.html(sheetHtml(sheet), 200, { vary: 'accept' });
      return c.json(sheet, 200, { vary: 'accept' });
    },
  );

  return app;
}
