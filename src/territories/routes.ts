// /territories: the Territoires d'industrie, their figures and boundaries.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { NotFoundError } from '../http/errors.js';
import { feature } from '../http/features.js';
import { geoJson, mediaTypes } from '../http/media.js';
import { emptyQuery, territoryIdParam } from '../http/params.js';
import { bboxSchema, featureSchema, problemResponses } from '../http/schemas.js';
import { round } from '../round.js';
import { findTerritory, findTerritoryBoundary, listTerritories, type TerritorySummaryRow } from './repository.js';

const territorySummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    region: z.object({ code: z.string(), name: z.string() }),
    phases: z.array(z.string()),
    rebondIndustriel: z.object({ laureate: z.boolean(), date: z.string().nullable() }),
    areaHa: z.number().nullable(),
    epciCount: z.number().int(),
    sites: z.object({ count: z.number().int(), areaHa: z.number(), turnkeyCount: z.number().int() }),
    plots: z.object({
      count: z.number().int(),
      areaHa: z.number(),
      availableCount: z.number().int(),
      availableAreaHa: z.number(),
    }),
    links: z.object({ self: z.string(), boundary: z.string() }),
  })
  .openapi('TerritorySummary');

const territorySchema = territorySummarySchema
  .extend({
    bbox: bboxSchema.nullable(),
    communesCount: z.number().int(),
    epci: z.array(z.object({ siren: z.string(), name: z.string(), nature: z.string(), areaHa: z.number() })),
  })
  .openapi('Territory');

function toSummary(row: TerritorySummaryRow) {
  return {
    id: row.id,
    name: row.name,
    region: { code: row.regionCode, name: row.regionName },
    phases: row.phases,
    rebondIndustriel: { laureate: row.rebondIndustriel, date: row.rebondDate },
    areaHa: round(row.areaHa, 2),
    epciCount: Number(row.epciCount ?? 0),
    sites: { count: row.sitesCount, areaHa: round(row.sitesHa, 2), turnkeyCount: row.turnkeySitesCount },
    plots: {
      count: row.plotsCount,
      areaHa: round(row.plotsHa, 2),
      availableCount: row.availablePlotsCount,
      availableAreaHa: round(row.availablePlotsHa, 2),
    },
    links: { self: `/territories/${row.id}`, boundary: `/territories/${row.id}/boundary` },
  };
}

export function territoryRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['territories'],
      summary: "List the Territoires d'industrie with their catalogue figures",
      request: { query: emptyQuery },
      responses: {
        200: {
          description: 'Territories, by name',
          content: {
            'application/json': {
              schema: z.object({ items: z.array(territorySummarySchema), count: z.number().int() }),
            },
          },
        },
        400: problemResponses[400],
      },
    }),
    async (c) => {
      const rows = await listTerritories(c.var.db);
      return c.json({ items: rows.map(toSummary), count: rows.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['territories'],
      summary: 'One territory: member EPCI, counts and hectares of sites and plots',
      request: { params: z.object({ id: territoryIdParam }), query: emptyQuery },
      responses: {
        200: { description: 'The territory', content: { 'application/json': { schema: territorySchema } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await findTerritory(c.var.db, id);
      if (!row) throw new NotFoundError('territory', id);
      return c.json(
        {
          ...toSummary(row),
          bbox: row.bbox,
          communesCount: Number(row.communesCount ?? 0),
          epci: row.epci.map((e) => ({ siren: e.siren, name: e.name, nature: e.nature, areaHa: round(e.areaHa, 2) })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/boundary',
      tags: ['territories'],
      summary: 'The territory boundary (union of its EPCI) as an RFC 7946 GeoJSON Feature',
      request: { params: z.object({ id: territoryIdParam }), query: emptyQuery },
      responses: {
        200: {
          description: 'GeoJSON Feature',
          content: {
            [mediaTypes.geojson]: {
              schema: featureSchema(
                'TerritoryBoundary',
                z.object({ id: z.string(), name: z.string(), areaHa: z.number().nullable() }),
              ),
            },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await findTerritoryBoundary(c.var.db, id);
      if (!row?.geometry) throw new NotFoundError('territory boundary', id);
      return geoJson(
        c,
        feature(
          {
            id: row.id,
            geometry: row.geometry,
            properties: { id: row.id, name: row.name, areaHa: round(row.areaHa, 2) },
          },
          { bbox: row.bbox },
        ),
      );
    },
  );

  return app;
}
