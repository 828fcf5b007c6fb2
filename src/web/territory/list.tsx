/** @jsxImportSource hono/jsx */
// /territoires: the Territoires d'industrie as a French list, each linking to its pages (the ZAN
// page today; the inventory pages add their links here). The header's `Territoires` entry.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { problemResponses } from '../../http/schemas.js';
import { listTerritories, type TerritorySummaryRow } from '../../territories/repository.js';
import { frenchNumber } from '../format.js';
import { Layout } from '../layout.js';

export function territoryListPage(territories: TerritorySummaryRow[]): string {
  return (
    '<!doctype html>' +
    (
      <Layout title="Territoires d’industrie" crumbs={[{ label: 'Territoires' }]}>
        <p class="lead">
          {territories.length} territoire(s) d’industrie, avec leurs sites et leur budget foncier (ZAN).
        </p>
        <ul class="cards">
          {territories.map((t) => (
            <li>
              <a href={`/territories/${encodeURIComponent(t.id)}/zan`}>{t.name}</a>
              <span>
                {t.regionName} · {t.epciCount} EPCI · {t.sitesCount} site(s), {frenchNumber(t.sitesHa)} ha
              </span>
              <span class="links">
                <a href={`/territories/${encodeURIComponent(t.id)}/zan`}>Budget foncier (ZAN)</a> ·{' '}
                <a href={`/territories/${encodeURIComponent(t.id)}/zan/report`}>Rapport imprimable</a>
              </span>
            </li>
          ))}
        </ul>
      </Layout>
    ).toString()
  );
}

export function territoryListRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/territoires',
      tags: ['territories'],
      summary: "The Territoires d'industrie as a French page linking to their ZAN pages",
      responses: {
        200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } },
        ...problemResponses,
      },
    }),
    async (c) => c.html(territoryListPage(await listTerritories(c.var.db)), 200),
  );
  return app;
}
