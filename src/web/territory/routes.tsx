/** @jsxImportSource hono/jsx */
// The territory team's pages, behind the sign-in (web/session.ts): editors see their
// territories only (403 for another's), admins every one. Mounted at /territoire.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { territoriesOf } from '../../auth/guard.js';
import { requireTerritoryScope } from '../../auth/viewer.js';
import { entityTag } from '../../http/entity.js';
import { NotFoundError } from '../../http/errors.js';
import { mediaTypes } from '../../http/media.js';
import { emptyQuery, territoryIdParam, uuidParam } from '../../http/params.js';
import { problemResponses } from '../../http/schemas.js';
import { findPlot } from '../../plots/repository.js';
import { findSite } from '../../sites/repository.js';
import { toSiteJson } from '../../sites/representation.js';
import { toPlotJson } from '../../plots/representation.js';
import { marketingStages } from '../../plots/vocabulary.js';
import { plotChecks } from '../../quality/checks.js';
import { findReportedTerritory, territoryQuality } from '../../quality/report.js';
import { csrfField, requirePageViewer } from '../session.js';
import { territoriesKept, territoryInventory, territorySites } from './inventory.js';
import { ImportPage, InventoryPage, PlotEditPage, QualityPage, TerritoriesPage } from './pages.js';
import { SiteEditPage, siteLoaded } from './site-page.js';

const htmlPage = { [mediaTypes.html]: { schema: z.string().openapi({ description: 'a page' }) } };
const pageResponses = {
  200: { description: 'The page', content: htmlPage },
  303: { description: 'Not signed in: to /connexion and back' },
  ...problemResponses,
};

/** The territory of the path, once the signed-in editor is known to keep it. */
async function keptTerritory(c: Context<AppEnv>, id: string) {
  const viewer = requirePageViewer(c, 'editor', 'admin');
  requireTerritoryScope(viewer, [id]);
  const territory = await findReportedTerritory(c.var.db, id);
  if (!territory) throw new NotFoundError('territory', id);
  return territory;
}

export function territoryPageRoutes(options: { basemapStyleUrl?: string }) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['pages'],
      summary: 'The territories the signed-in key keeps',
      request: { query: emptyQuery },
      responses: pageResponses,
    }),
    async (c) => {
      const viewer = requirePageViewer(c, 'editor', 'admin');
      const territories = await territoriesKept(c.var.db, viewer);
      return c.html(<TerritoriesPage territories={territories} who={viewer.name} csrf={csrfField(c)} />, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['pages'],
      summary: "A territory's inventory: its plots and their sites, with filters",
      request: {
        params: z.object({ id: territoryIdParam }),
        query: z
          .object({
            q: z.string().max(100).optional(),
            etape: z.enum(['', ...marketingStages]).optional(),
            controles: z.literal('1').optional(),
          })
          .strict(),
      },
      responses: pageResponses,
    }),
    async (c) => {
      const territory = await keptTerritory(c, c.req.valid('param').id);
      const { q, etape, controles } = c.req.valid('query');
      const filters = { ...(q ? { q } : {}), ...(etape ? { stage: etape } : {}), failing: controles === '1' };
      const [plots, sites] = await Promise.all([
        territoryInventory(c.var.db, territory.id, filters),
        territorySites(c.var.db, territory.id),
      ]);
      return c.html(
        <InventoryPage territory={territory} plots={plots} filters={filters} sites={sites} csrf={csrfField(c)} />,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/qualite',
      tags: ['pages'],
      summary: "A territory's data quality (GET /territories/{id}/quality as a page)",
      request: { params: z.object({ id: territoryIdParam }), query: emptyQuery },
      responses: pageResponses,
    }),
    async (c) => {
      const territory = await keptTerritory(c, c.req.valid('param').id);
      const report = await territoryQuality(c.var.db, territory, c.var.clock.today());
      return c.html(<QualityPage report={report} />, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/import',
      tags: ['pages'],
      summary: 'Import a CNIG file of the territory: dry run report row by row, then commit (POST /imports)',
      request: { params: z.object({ id: territoryIdParam }), query: emptyQuery },
      responses: pageResponses,
    }),
    async (c) => {
      const territory = await keptTerritory(c, c.req.valid('param').id);
      return c.html(<ImportPage territory={territory} csrf={csrfField(c)} />, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/sites/{siteId}',
      tags: ['pages'],
      summary: "A site's edit form (PATCH /sites/{id} with If-Match; a 412 names what changed, plots' figures too)",
      request: {
        params: z.object({
          id: territoryIdParam,
          siteId: uuidParam('site').openapi({ param: { name: 'siteId', in: 'path' } }),
        }),
        query: emptyQuery,
      },
      responses: pageResponses,
    }),
    async (c) => {
      const { id, siteId } = c.req.valid('param');
      const territory = await keptTerritory(c, id);
      const row = await findSite(c.var.db, siteId);
      // A site of another territory is not this page's, even for a key keeping both.
      if (!row?.territories.some((t) => t.id === territory.id)) throw new NotFoundError('site', siteId);
      const site = toSiteJson(row);
      return c.html(
        <SiteEditPage
          site={site}
          loaded={siteLoaded(row, site)}
          territory={territory}
          csrf={csrfField(c)}
          etag={entityTag('site', site.id, site.version)}
        />,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/terrains/{id}',
      tags: ['pages'],
      summary: "A plot's edit form (PATCH /plots/{id} with If-Match) and its outline on the map (Terra Draw)",
      request: { params: z.object({ id: uuidParam('plot') }), query: emptyQuery },
      responses: pageResponses,
    }),
    async (c) => {
      const viewer = requirePageViewer(c, 'editor', 'admin');
      const { id: plotId } = c.req.valid('param');
      const territories = await territoriesOf(c.var.db, 'plot', plotId);
      if (!territories) throw new NotFoundError('plot', plotId);
      requireTerritoryScope(viewer, territories);
      const row = await findPlot(c.var.db, plotId);
      if (!row) throw new NotFoundError('plot', plotId);
      const plot = toPlotJson(row, viewer, await plotChecks(c.var.db, plotId));
      const kept = viewer.role === 'editor' ? territories.filter((t) => viewer.territories.includes(t)) : territories;
      const territory = await findReportedTerritory(c.var.db, kept[0] ?? '');
      return c.html(
        <PlotEditPage
          plot={plot}
          territory={territory ?? { id: kept[0] ?? '', name: 'Territoire' }}
          csrf={csrfField(c)}
          etag={entityTag('plot', plot.id, plot.version)}
          styleUrl={`${new URL(c.req.url).origin}/tiles/style.json`}
          basemapStyleUrl={options.basemapStyleUrl}
        />,
        200,
      );
    },
  );

  return app;
}
