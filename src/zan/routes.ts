// ZAN routes: measures of a territory (Territoire d'industrie, EPCI or commune), a site and a
// plot, a simulation that writes nothing, and the printable report. Registered with their full
// paths and mounted at '/', so the catalogue's own sub-apps stay untouched.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app.js';
import { NotFoundError, invalidParam } from '../http/errors.js';
import { limitBody } from '../http/body-limit.js';
import { mediaTypes } from '../http/media.js';
import { uuidParam, uuidPattern } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import { checkGeometry, polygonalGeometrySchema } from '../geometry/input.js';
import { round } from '../round.js';
import { codeSyntax } from '../territories/codes.js';
import { envelopeShare } from './formulas.js';
import { defaultRuleSetId, ruleSet, ruleSetIds } from './rule-sets.js';
import {
  communeEnvelopes,
  dataVintages,
  measureGeometry,
  measurePlots,
  resolveTerritory,
  territoryZan,
} from './repository.js';
import { territoryReportHtml } from './report.js';
import {
  communeJson,
  envelopeJson,
  envelopesAround,
  M2_PER_HA,
  plotJson,
  ruleSetSummary,
  siteZan,
  totalsJson,
} from './documents.js';

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

export function zanRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/territories/{id}/zan',
      tags: ['zan'],
      summary:
        "ZAN envelope of a Territoire d'industrie, an EPCI or a commune: reference, allowance, consumption, pace, pipeline pressure, yearly series",
      request: { params: z.object({ id: zanTerritoryIdParam }), query: ruleSetQuery },
      responses: {
        200: { description: 'ZAN figures', content: { 'application/json': { schema: zanDocument('TerritoryZan') } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const rules = ruleSet(c.req.valid('query').rule_set);
      const territory = await resolveTerritory(c.var.db, id);
      if (!territory) throw new NotFoundError('territory', id);
      const zan = await territoryZan(c.var.db, rules, territory);
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
          provisionalYears: zan.envelope.provisionalYears,
          envelope: envelopeJson(zan.envelope),
          pipeline: { ...totalsJson(zan.pipeline), pressure: round(zan.pipeline.pressure, 4) },
          missingCommunes: zan.missingCommunes,
          series: zan.series.map((s) => ({
            ...s,
            nafHa: round(s.nafHa, 4),
            activityHa: round(s.activityHa, 4),
            countedHa: round(s.countedHa, 4),
          })),
          communes: zan.communes.map(communeJson),
          links: {
            report: `/territories/${territory.id}/zan/report${rules.id === defaultRuleSetId ? '' : `?rule_set=${encodeURIComponent(rules.id)}`}`,
          },
        },
        200,
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
      return c.body(html, 200, { 'content-type': `${mediaTypes.html}; charset=utf-8` }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sites/{id}/zan',
      tags: ['zan'],
      summary:
        "ZAN measures of a site: sums of its plots, renewal share, share of the commune's and EPCI's remaining envelope",
      request: { params: z.object({ id: uuidParam('site') }), query: ruleSetQuery },
      responses: {
        200: { description: 'ZAN figures', content: { 'application/json': { schema: zanDocument('SiteZan') } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const rules = ruleSet(c.req.valid('query').rule_set);
      const result = await siteZan(c.var.db, rules, id);
      if (!result) throw new NotFoundError('site', id);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/plots/{id}/zan',
      tags: ['zan'],
      summary:
        'ZAN measures of a plot: NAF area, artificialised share, brownfield overlap, PENE, class, consumption if developed',
      request: { params: z.object({ id: uuidParam('plot') }), query: ruleSetQuery },
      responses: {
        200: { description: 'ZAN figures', content: { 'application/json': { schema: zanDocument('PlotZan') } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const rules = ruleSet(c.req.valid('query').rule_set);
      const [plot] = await measurePlots(c.var.db, rules, { plotIds: [id] });
      if (!plot) throw new NotFoundError('plot', id);
      const around = await envelopesAround(c.var.db, rules, plot.communeInsee, plot.measure.consumptionM2 / M2_PER_HA);
      return c.json(
        {
          ...plotJson(plot),
          ruleSet: ruleSetSummary(rules),
          vintages: await dataVintages(c.var.db, plot.communeInsee ? [plot.communeInsee] : []),
          provisionalYears: around.commune?.envelope?.provisionalYears ?? [],
          commune: around.commune,
          epci: around.epci,
        },
        200,
      );
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
    async (c) => {
      const rules = ruleSet(c.req.valid('query').rule_set);
      const body = c.req.valid('json');
      let parts: {
        communeInsee: string | null;
        measure: { consumptionM2: number; nafConsumptionM2: number; nationalM2: number; areaM2: number };
      }[];
      let unallocatedHa = 0;
      if (body.geometry) {
        await checkGeometry(c.var.db, body.geometry, 'geometry');
        const measured = await measureGeometry(c.var.db, rules, body.geometry);
        parts = measured.parts;
        unallocatedHa = Math.max(0, measured.areaM2 - parts.reduce((s, p) => s + p.measure.areaM2, 0)) / M2_PER_HA;
      } else {
        const ids = [...new Set(body.plotIds!.map((id) => id.toLowerCase()))];
        const measured = await measurePlots(c.var.db, rules, { plotIds: ids });
        parts = measured;
        const found = new Set(measured.map((p) => p.key));
        const missing = ids.filter((id) => !found.has(id));
        if (missing.length)
          throw invalidParam(
            'body',
            'plotIds',
            `unknown plot ids: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`,
          );
      }
      const byCommune = new Map<
        string,
        { consumptionHa: number; nafConsumptionHa: number; nationalHa: number; areaHa: number }
      >();
      for (const p of parts) {
        if (!p.communeInsee) continue;
        const entry = byCommune.get(p.communeInsee) ?? {
          consumptionHa: 0,
          nafConsumptionHa: 0,
          nationalHa: 0,
          areaHa: 0,
        };
        entry.consumptionHa += p.measure.consumptionM2 / M2_PER_HA;
        entry.nafConsumptionHa += p.measure.nafConsumptionM2 / M2_PER_HA;
        entry.nationalHa += p.measure.nationalM2 / M2_PER_HA;
        entry.areaHa += p.measure.areaM2 / M2_PER_HA;
        byCommune.set(p.communeInsee, entry);
      }
      const refs = await c.var.db
        .selectFrom('communes')
        .where('insee', 'in', [...byCommune.keys(), '-'])
        .select(['insee', 'name', 'epciSiren'])
        .orderBy('insee')
        .execute();
      const envelopes = await communeEnvelopes(c.var.db, rules, refs);
      const communes = envelopes.map((e) => {
        const used = byCommune.get(e.insee)!;
        const before = e.envelope;
        return {
          insee: e.insee,
          name: e.name,
          areaHa: round(used.areaHa, 4),
          nafConsumptionHa: round(used.nafConsumptionHa, 4),
          consumptionHa: round(used.consumptionHa, 4),
          nationalEnvelopeHa: round(used.nationalHa, 4),
          before: before && {
            allowedHa: round(before.allowedHa, 4),
            consumedHa: round(before.consumedHa, 4),
            remainingHa: round(before.remainingHa, 4),
          },
          after: before && {
            consumedHa: round(before.consumedHa + used.consumptionHa, 4),
            remainingHa: round(before.remainingHa - used.consumptionHa, 4),
          },
          shareOfRemaining: before ? round(envelopeShare(used.consumptionHa, before.remainingHa), 4) : null,
        };
      });
      const all = envelopes.flatMap((e) => (e.envelope ? [e.envelope] : []));
      return c.json(
        {
          ruleSet: ruleSetSummary(rules),
          vintages: await dataVintages(
            c.var.db,
            refs.map((r) => r.insee),
          ),
          provisionalYears: [...new Set(all.flatMap((e) => e.provisionalYears))].sort(),
          written: false,
          consumptionHa: round(
            communes.reduce((s, x) => s + (x.consumptionHa ?? 0), 0),
            4,
          ),
          unallocatedHa: round(unallocatedHa, 4),
          communes,
        },
        200,
      );
    },
  );

  return app;
}
