// /exports: CNIG CSV (site-eco, terrain-eco), GeoJSON and FlatGeobuf downloads, national or
// per territory, streamed.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app.js';
import { NotFoundError } from '../http/errors.js';
import { mediaTypes } from '../http/media.js';
import { problemResponses } from '../http/schemas.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigCsvChunks } from './cnig-csv.js';
import { flatGeobufChunks } from './flatgeobuf.js';
import { geoJsonChunks, type DownloadLayer } from './geojson.js';
import { byteStream, textStream } from '../http/stream.js';

const territoryQuery = z
  .object({
    territory: z
      .string()
      .regex(/^ti-[a-z0-9-]{1,60}$/, { message: 'not a territory id (expected e.g. ti-8401)' })
      .optional()
      .openapi({ description: "Territoire d'industrie id; national export when absent", example: 'ti-8401' }),
  })
  .strict();

async function checkTerritory(c: Context<AppEnv>, territory: string | undefined): Promise<void> {
  if (!territory) return;
  const found = await c.var.db.selectFrom('territories').select('id').where('id', '=', territory).executeTakeFirst();
  if (!found) throw new NotFoundError('territory', territory);
}

const fileName = (base: string, territory: string | undefined, extension: string) => `${base}${territory ? `-${territory}` : ''}.${extension}`;

export function exportRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  for (const kind of ['site-eco', 'terrain-eco'] as CnigClass[]) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/cnig/${kind}.csv`,
        tags: ['exports'],
        summary: `CNIG ${kind} CSV (standard columns and order, ';', GeoJSON geometry in CRS84)`,
        request: { query: territoryQuery },
        responses: { 200: { description: `${kind} rows`, content: { [mediaTypes.csv]: { schema: z.string() } } }, ...problemResponses },
      }),
      async (c) => {
        const { territory } = c.req.valid('query');
        await checkTerritory(c, territory);
        return c.body(textStream(cnigCsvChunks(c.var.db, kind, territory)), 200, {
          'content-type': `${mediaTypes.csv}; charset=utf-8`,
          'content-disposition': `attachment; filename="${fileName(kind, territory, 'csv')}"`,
        }) as never;
      },
    );
  }

  for (const layer of ['sites', 'plots'] as DownloadLayer[]) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/${layer}.geojson`,
        tags: ['exports'],
        summary: `${layer} as one GeoJSON FeatureCollection, for desktop GIS`,
        request: { query: territoryQuery },
        responses: { 200: { description: `${layer} features`, content: { [mediaTypes.geojson]: { schema: z.record(z.string(), z.any()) } } }, ...problemResponses },
      }),
      async (c) => {
        const { territory } = c.req.valid('query');
        await checkTerritory(c, territory);
        return c.body(textStream(geoJsonChunks(c.var.db, layer, territory)), 200, {
          'content-type': mediaTypes.geojson,
          'content-disposition': `attachment; filename="${fileName(layer, territory, 'geojson')}"`,
        }) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: `/${layer}.fgb`,
        tags: ['exports'],
        summary: `${layer} as FlatGeobuf (EPSG:4326, typed columns, no spatial index), for desktop GIS`,
        request: { query: territoryQuery },
        responses: {
          200: { description: `${layer} features`, content: { [mediaTypes.flatgeobuf]: { schema: z.string().openapi({ format: 'binary' }) } } },
          ...problemResponses,
        },
      }),
      async (c) => {
        const { territory } = c.req.valid('query');
        await checkTerritory(c, territory);
        return c.body(byteStream(flatGeobufChunks(c.var.db, layer, territory)), 200, {
          'content-type': mediaTypes.flatgeobuf,
          'content-disposition': `attachment; filename="${fileName(layer, territory, 'fgb')}"`,
        }) as never;
      },
    );
  }

  return app;
}
