// Investor views of sites: GET /sites/compare?ids= (2 to 5 sites side by side: JSON, or the
// comparison page for a browser, its 4xx as a page too) and GET /sites/{id}/sheet (JSON, or on
// f=html or a browser's Accept the site page of web/investor/site.tsx, which prints).
// Mounted by the sites router (sites/routes.ts) before its {id} routes, so that `compare` is never read as an {id}.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { AppError, invalidParam, NotFoundError, ValidationError } from '../http/errors.js';
import { mediaTypes, wantsHtml } from '../http/media.js';
import { zodIssuesToParams } from '../http/validation.js';
import { uuidParam, uuidPattern } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import { basketPage, comparePage, compareProblemPage } from '../web/investor/compare.js';
import { renderSitePage } from '../web/investor/site.js';
import { compareSites, comparisonJson } from './compare.js';
import { siteSheet } from './sheet.js';

/** json or html; without it, a browser asking for text/html gets the page. */
const htmlFormat = z
  .enum(['json', 'html'])
  .optional()
  .openapi({ description: 'json or html (a page for people); overrides Accept, which decides without it' });

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
      .optional()
      .openapi({
        type: 'string',
        description:
          '2 to 5 comma-separated site ids (required; a browser without ids gets the page of its comparison basket)',
      }),
    f: htmlFormat,
  })
  .strict();

export function siteInvestorRoutes(options: { basemapStyleUrl?: string } = {}) {
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
          description:
            'The sites and one row per criterion, with each default score (JSON), or the comparison page (HTML); ' +
            'a browser also gets its 4xx as a page',

          content: {
            'application/json': { schema: z.record(z.string(), z.any()) },
            [mediaTypes.html]: { schema: z.string() },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { ids, f } = c.req.valid('query');
      const html = wantsHtml(c, f);
      try {
        if (!ids) {
          // The header's "Comparaison": the page opens the sites of the browser's basket.
          if (html) return c.html(basketPage(), 200, { vary: 'accept' });
          throw invalidParam('query', 'ids', 'required: 2 to 5 comma-separated site ids');
        }
        if (new Set(ids).size !== ids.length) throw invalidParam('query', 'ids', 'a site is listed twice');
        const compared = await compareSites(c.var.db, ids, c.var.clock.today());
        if (html) return c.html(comparePage(compared), 200, { vary: 'accept' });
        return c.json(comparisonJson(ids, compared), 200, { vary: 'accept' });
      } catch (error) {
        if (html && error instanceof AppError)
          return c.html(compareProblemPage(error, c.req.path), error.status, { vary: 'accept' });
        throw error;
      }
    },
    // A browser's bad request gets the problem on a page; an API client gets problem+json.
    (result, c) => {
      if (result.success) return;
      const error = new ValidationError(zodIssuesToParams(result.error, 'query'));
      if (wantsHtml(c, new URL(c.req.url).searchParams.get('f') ?? undefined))
        return c.html(compareProblemPage(error, c.req.path), 400, { vary: 'accept' });
      throw error;
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
            f: htmlFormat,
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
      // The printable sheet is the site page (French, with its print stylesheet).
      if (wantsHtml(c, c.req.valid('query').f)) return renderSitePage(c, id, options.basemapStyleUrl);
      const sheet = await siteSheet(c.var.db, id, c.var.clock.today());
      if (!sheet) throw new NotFoundError('site', id);
      return c.json(sheet, 200, { vary: 'accept' });
    },
  );

  return app;
}
