// ZAN routes: measures of a territory (Territoire d'industrie, EPCI or commune), a site and a
// plot, a simulation that writes nothing, and the printable report. The territory routes and the
// simulation are registered with their full paths and mounted at '/'; the site and plot measures
// are mounted by the sites and plots routers.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { NotFoundError } from '../http/errors.js';
import { limitBody } from '../http/body-limit.js';
import { mediaTypes, wantsHtml } from '../http/media.js';
import { uuidParam, uuidPattern } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import { polygonalGeometrySchema } from '../geometry/input.js';
import { round } from '../round.js';
import { codeSyntax } from '../territories/codes.js';
import { defaultRuleSetId, ruleSet, ruleSetIds, ruleSetSearch } from './rule-sets.js';

import { parseSort, sortValues, zanPage, type EpciEnvelope } from '../web/territory/zan.js';
import {
  communeEnvelopes,
  communesBounds,
  epciCommunes,
  resolveTerritory,
  sumEnvelopes,
  territoryZan,
  type ZanTerritory,
} from './repository.js';
import { territoryReportHtml } from './report.js';
import { simulate } from './simulate.js';
import { communeJson, levelJson, plotZan, ruleSetSummary, siteZan, totalsJson } from './representation.js';

const ruleSetQuery = z
  .object({
    rule_set: z
      .enum(ruleSetIds)
      .optional()
      .openapi({ param: { name: 'rule_set', in: 'query' }, description: `ZAN rule set; default ${defaultRuleSetId}` }),
  })
  .strict();

const zanTerritoryIdParam = z
  .string()
  .regex(new RegExp(`^(${codeSyntax.territoryId}|${codeSyntax.siren}|${codeSyntax.inseeCommune})$`), {
    message: 'not a territory id (ti-…, an EPCI SIREN or a commune INSEE code)',
  })
  .openapi({
    param: { name: 'id', in: 'path' },
    example: 'ti-8401',
    description: "Territoire d'industrie id, EPCI SIREN (9 digits) or commune INSEE code",
  });

const zanDocument = (name: string) =>
  z
    .looseObject({
      ruleSet: z.object({ id: z.string(), title: z.string(), legalBasis: z.array(z.string()) }),
      vintages: z.record(z.string(), z.array(z.string())),
      provisionalYears: z.array(z.number().int()),
    })
    .openapi(name);

const territoryZanQuery = ruleSetQuery
  .extend({
    f: z
      .enum(['json', 'html'])
      .optional()
      .openapi({
        param: { name: 'f', in: 'query' },
        description: 'json or html; without it, a browser (Accept: text/html first) gets the page',
      }),
    tri: z
      .enum(sortValues)
      .optional()
      .openapi({
        param: { name: 'tri', in: 'query' },
        description:
          'the page only: communes sorted by nom, enveloppe, consomme, restant or epuisement (- for descending)',
      }),
  })
  .strict();

/** The EPCI around a level, each with its envelope (floor per commune), for the page's cards. */
async function epciEnvelopes(
  c: { var: AppEnv['Variables'] },
  rules: ReturnType<typeof ruleSet>,
  territory: ZanTerritory,
  communes: Awaited<ReturnType<typeof territoryZan>>['communes'],
): Promise<EpciEnvelope[]> {
  if (territory.kind === 'epci') return [];
  const sirens = [...new Set(territory.communes.flatMap((x) => (x.epciSiren ? [x.epciSiren] : [])))];
  if (sirens.length === 0) return [];
  const names = await c.var.db.selectFrom('epci').where('siren', 'in', sirens).select(['siren', 'name']).execute();
  const list: EpciEnvelope[] = [];
  for (const e of names.sort((a, b) => a.name.localeCompare(b.name, 'fr'))) {
    // A commune's page shows its whole EPCI, not the commune alone.
    const members =
      territory.kind === 'commune'
        ? await communeEnvelopes(c.var.db, rules, await epciCommunes(c.var.db, e.siren))
        : communes.filter((x) => x.epciSiren === e.siren);
    list.push({
      siren: e.siren,
      name: e.name,
      envelope: sumEnvelopes(rules, members),
      missing: members.filter((x) => !x.envelope).length,
    });
  }
  return list;
}

export function zanRoutes(options: { basemapStyleUrl?: string } = {}) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/territories/{id}/zan',
      tags: ['zan'],
      summary:
        "ZAN envelope of a Territoire d'industrie, an EPCI or a commune: reference, allowance, consumption, pace, " +
        'pipeline pressure, yearly series',
      request: { params: z.object({ id: zanTerritoryIdParam }), query: territoryZanQuery },
      responses: {
        200: {
          description: 'ZAN figures, or the ZAN page of the territory for a browser',
          content: {
            'application/json': { schema: zanDocument('TerritoryZan') },
            [mediaTypes.html]: { schema: z.string().openapi({ description: 'the ZAN page (French)' }) },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const rules = ruleSet(query.rule_set);
      const territory = await resolveTerritory(c.var.db, id);
      if (!territory) throw new NotFoundError('territory', id);
      const zan = await territoryZan(c.var.db, rules, territory);
      if (wantsHtml(c, query.f))
        return c.html(
          zanPage({
            rules,
            territory,
            zan,
            epci: await epciEnvelopes(c, rules, territory, zan.communes),
            sort: parseSort(query.tri),
            bounds: await communesBounds(
              c.var.db,
              territory.communes.map((x) => x.insee),
            ),
            styleUrl: `${new URL(c.req.url).origin}/tiles/style.json`,
            basemapStyleUrl: options.basemapStyleUrl,
          }),
          200,
          { vary: 'accept' },
        );
      return c.json(
        {
          territory: {
            kind: territory.kind,
            id: territory.id,
            name: territory.name,
            communes: territory.communes.length,
          },
          ruleSet: ruleSetSummary(rules),
          vintages: zan.vintages,
          provisionalYears: zan.envelope?.provisionalYears ?? [],
          ...levelJson(rules, zan.communes, zan.envelope),
          pipeline: { ...totalsJson(zan.pipeline), pressure: round(zan.pipeline.pressure, 4) },
          missingCommunes: zan.missingData.insee,
          series: zan.series.map((s) => ({
            ...s,
            nafHa: round(s.nafHa, 4),
            activityHa: round(s.activityHa, 4),
            countedHa: round(s.countedHa, 4),
          })),
          communes: zan.communes.map((commune) => communeJson(rules, commune)),
          links: {
            report: `/territories/${territory.id}/zan/report${ruleSetSearch(rules)}`,
          },
        },
        200,
        { vary: 'accept' },
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/territories/{id}/zan/report',
      tags: ['zan'],
      summary: 'Printable ZAN report of a territory (HTML with an inline SVG chart)',
      request: { params: z.object({ id: zanTerritoryIdParam }), query: ruleSetQuery },
      responses: {
        200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const rules = ruleSet(c.req.valid('query').rule_set);
      const territory = await resolveTerritory(c.var.db, id);
      if (!territory) throw new NotFoundError('territory', id);
      const zan = await territoryZan(c.var.db, rules, territory);
      const html = territoryReportHtml(rules, territory, zan, c.var.clock.today());
      return c.body(html, 200, { 'content-type': `${mediaTypes.html}; charset=utf-8` });
    },
  );

  const simulateBody = z
    .object({
      plotIds: z
        .array(z.string().regex(uuidPattern, { message: 'not a plot id (expected a UUID)' }))
        .min(1)
        .max(5_000)
        .optional(), // a simulation is interactive; larger sets are a batch job
      geometry: polygonalGeometrySchema.optional(),
    })
    .strict()
    .refine((b) => (b.plotIds === undefined) !== (b.geometry === undefined), {
      message: 'give either plotIds or geometry, not both',
    })
    .openapi('ZanSimulation');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/zan/simulate',
      tags: ['zan'],
      summary: 'The envelope of each commune before and after developing plots or a drawn geometry; nothing is written',
      middleware: limitBody,
      request: {
        query: ruleSetQuery,
        body: { required: true, content: { 'application/json': { schema: simulateBody } } },
      },
      responses: {
        200: {
          description: 'Envelopes before and after',
          content: { 'application/json': { schema: zanDocument('ZanSimulationResult') } },
        },
        ...problemResponses,
      },
    }),
    async (c) => c.json(await simulate(c.var.db, ruleSet(c.req.valid('query').rule_set), c.req.valid('json')), 200),
  );

  return app;
}

/**
 * GET /{id}/zan of a site or a plot, mounted by the sites and plots routers (sites/routes.ts,
 * plots/routes.ts): the same route, each with its own document.
 */
function measureRoutes(kind: 'site' | 'plot', summary: string, measure: typeof siteZan | typeof plotZan) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/zan',
      tags: ['zan'],
      summary,
      request: { params: z.object({ id: uuidParam(kind) }), query: ruleSetQuery },
      responses: {
        200: {
          description: 'ZAN figures',
          content: { 'application/json': { schema: zanDocument(kind === 'site' ? 'SiteZan' : 'PlotZan') } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const rules = ruleSet(c.req.valid('query').rule_set);
      const result = await measure(c.var.db, rules, id);
      if (!result) throw new NotFoundError(kind, id);
      return c.json(result, 200);
    },
  );

  return app;
}

export const siteZanRoutes = () =>
  measureRoutes(
    'site',
    "ZAN measures of a site: sums of its plots, renewal share, share of the commune's and EPCI's " +
      'remaining envelope',
    siteZan,
  );

export const plotZanRoutes = () =>
  measureRoutes(
    'plot',
    'ZAN measures of a plot: NAF area, artificialised share, brownfield overlap, PENE, class, ' +
      'consumption if developed',
    plotZan,
  );
