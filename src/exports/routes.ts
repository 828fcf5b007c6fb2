// /exports: CNIG CSV and GeoJSON (site-eco, terrain-eco), GeoJSON and FlatGeobuf downloads,
// national or per territory, streamed; in CRS84 or, with `crs=`, a projected CRS (ogc/crs.ts),
// named by the Content-Crs header. Also /territories/{id}/sites.geojson and plots.geojson, the
// same GeoJSON download under the territory's path.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { AppEnv } from '../app-env.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../http/errors.js';
import { territoryIdParam } from '../http/params.js';
import { mediaTypes } from '../http/media.js';
import { territoryId } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigCrs, contentCrs, crs84, crsQuery, downloadCrs, type CrsDefinition } from '../ogc/crs.js';
import { cnigCsvChunks } from './cnig-csv.js';
import { cnigGeoJsonChunks } from './cnig-geojson.js';
import { flatGeobufChunks } from './flatgeobuf.js';
import { geoJsonChunks, type DownloadLayer } from './geojson.js';
import { byteStream, textStream } from '../http/stream.js';

const territoryFilter = territoryId
  .optional()
  .openapi({ description: "Territoire d'industrie id; national export when absent", example: 'ti-8401' });

const territoryQuery = (crs: CrsDefinition[]) =>
  z.object({ territory: territoryFilter, crs: crsQuery(crs, 'CRS of the coordinates (CRS84 by default)') }).strict();

// The CNIG CSV, the file territory teams edit and import back, carries the extension columns
// after the standard's unless asked not to: the strict file (extensions=false) is what a
// TableSchema validator of the standard accepts (it refuses a row with more values than
// fields). The GeoPackage-shaped GeoJSON is appended to the standard's GeoPackage (README),
// whose layers have no such fields: strict unless asked.
const cnigQuery = (crs: CrsDefinition[], extensionsByDefault: boolean) =>
  z
    .object({
      territory: territoryFilter,
      crs: crsQuery(crs, 'CRS of the coordinates (CRS84 by default)'),
      extensions: z
        .enum(['true', 'false'])
        .default(extensionsByDefault ? 'true' : 'false')
        .transform((v) => v === 'true')
        .openapi({
          description:
            `Foncier's extension columns (ext_…, README) after the standard's (default ${extensionsByDefault}); ` +
            "false gives the standard's columns alone",
        }),
    })
    .strict();

async function checkTerritory(c: Context<AppEnv>, territory: string | undefined): Promise<void> {
  if (!territory) return;
  const found = await c.var.db.selectFrom('territories').select('id').where('id', '=', territory).executeTakeFirst();
  if (!found) throw new NotFoundError('territory', territory);
}

type Format = 'csv' | 'geojson' | 'fgb';

const formats: Record<Format, { mediaType: string; contentType: string; schema: z.ZodType }> = {
  csv: { mediaType: mediaTypes.csv, contentType: `${mediaTypes.csv}; charset=utf-8`, schema: z.string() },
  geojson: { mediaType: mediaTypes.geojson, contentType: mediaTypes.geojson, schema: z.record(z.string(), z.any()) },
  fgb: {
    mediaType: mediaTypes.flatgeobuf,
    contentType: mediaTypes.flatgeobuf,
    schema: z.string().openapi({ format: 'binary' }),
  },
};

interface Download {
  /** The path under /exports, without the extension. */
  path: string;
  /** What the file is named after (`plots`), before `-{territory}` and the extension. */
  name: string;
  format: Format;
  summary: string;
  /** The CRS it can be written in, CRS84 first. */
  crs: CrsDefinition[];
  /** A CNIG download, which takes `extensions`. */
  cnig?: true;
  /** `file`: the download's name without its extension (`plots-ti-8401`). */
  body: (
    db: Kysely<Database>,
    territory: string | undefined,
    file: string,
    crs: CrsDefinition,
    extensions: boolean,
    /** The embedded database (one connection): downloads read keyset pages, not a cursor. */
    singleConnection: boolean,
  ) => ReadableStream<Uint8Array>;
}

const downloads: Download[] = [
  ...(['site-eco', 'terrain-eco'] as CnigClass[]).flatMap((kind): Download[] => [
    {
      path: `/cnig/${kind}`,
      name: kind,
      format: 'csv',
      summary:
        `CNIG ${kind} CSV (standard columns and order, then the extension columns; ';', ` +
        'GeoJSON geometry in CRS84 or, crs=EPSG:2154, Lambert-93)',
      crs: cnigCrs,
      cnig: true,
      body: (db, territory, _file, crs, extensions) => textStream(cnigCsvChunks(db, kind, territory, crs, extensions)),
    },
    {
      path: `/cnig/${kind}`,
      name: kind,
      format: 'geojson',
      summary:
        `CNIG ${kind} as GeoJSON shaped like the standard's GeoPackage (extension columns with extensions=true; ` +
        "the surface as geometry in CRS84 or, crs=EPSG:2154, the GeoPackage's Lambert-93; " +
        'the other fields as typed properties)',
      crs: cnigCrs,
      cnig: true,
      body: (db, territory, _file, crs, extensions) =>
        textStream(cnigGeoJsonChunks(db, kind, territory, crs, extensions)),
    },
  ]),
  ...(['sites', 'plots'] as DownloadLayer[]).flatMap((layer): Download[] => [
    {
      path: `/${layer}`,
      name: layer,
      format: 'geojson',
      summary: `${layer} as one GeoJSON FeatureCollection, for desktop GIS`,
      crs: downloadCrs,
      body: (db, territory, _file, crs, _extensions, singleConnection) =>
        textStream(geoJsonChunks(db, layer, territory, crs, { singleConnection })),
    },
    {
      path: `/${layer}`,
      name: layer,
      format: 'fgb',
      summary:
        `${layer} as FlatGeobuf (EPSG:4326 or the crs asked for, typed columns, no spatial index), ` +
        'for desktop GIS',
      crs: downloadCrs,
      body: (db, territory, file, crs, _extensions, singleConnection) =>
        byteStream(flatGeobufChunks(db, layer, { territory, name: file, crs, singleConnection })),
    },
  ]),
];

export function exportRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  for (const download of downloads) {
    const { mediaType, contentType, schema } = formats[download.format];
    app.openapi(
      createRoute({
        method: 'get',
        path: `${download.path}.${download.format}`,
        tags: ['exports'],
        summary: download.summary,
        request: {
          query: download.cnig ? cnigQuery(download.crs, download.format === 'csv') : territoryQuery(download.crs),
        },
        responses: {
          200: { description: `${download.name} ${download.format}`, content: { [mediaType]: { schema } } },
          ...problemResponses,
        },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const { territory, crs } = query;
        await checkTerritory(c, territory);
        const file = `${download.name}${territory ? `-${territory}` : ''}`;
        const extensions = 'extensions' in query && query.extensions === true;
        const singleConnection = c.var.backend === 'pglite';
        return c.body(download.body(c.var.db, territory, file, crs, extensions, singleConnection), 200, {
          'content-type': contentType,
          ...contentCrs(crs),
          'content-disposition': `attachment; filename="${file}.${download.format}"`,
        });
      },
    );
  }
  return app;
}

/** Mounted at /territories, after territoryRoutes: one territory's sites or plots as GeoJSON. */
export function territoryDownloadRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  // The tags they have had since they were served next to the territory's tiles.
  const tags = ['territories', 'tiles'];
  // The media type from `formats`, typed as a string: a literal JSON media type would make
  // createRoute expect a c.json() response, not the streamed body.
  const { mediaType, contentType, schema } = formats.geojson;
  for (const layer of ['sites', 'plots'] as DownloadLayer[]) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/{id}/${layer}.geojson`,
        tags,
        summary: `The territory's ${layer} as one streamed RFC 7946 FeatureCollection`,
        request: { params: z.object({ id: territoryIdParam }), query: z.object({}).strict() },
        responses: {
          200: {
            description: `${layer} features`,
            content: { [mediaType]: { schema } },
          },
          ...problemResponses,
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        await checkTerritory(c, id);
        // The OGC whitelist of properties: no buyer or owner name ever leaves here.
        const pages = { singleConnection: c.var.backend === 'pglite' };
        return c.body(textStream(geoJsonChunks(c.var.db, layer, id, crs84, pages)), 200, {
          'content-type': contentType,
          'cache-control': 'no-cache',
        });
      },
    );
  }
  return app;
}
