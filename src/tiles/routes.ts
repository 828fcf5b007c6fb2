// /tiles and /territories/{id}/tiles: Mapbox Vector Tiles, TileJSON 3.0.0 and the MapLibre
// style. The tiles themselves come from sources.ts over the tile core in tiles/ (no HTTP, no
// routes there: the tile URLs of TileJSON are built here); this module parses z/x/y and checks
// the territory; tile-response.ts answers (gzip, ETag, 304, 204, explicit Cache-Control).
// A cache hit is usually answered before these routes, by fast-path.ts, the same way.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { invalidParam, NotFoundError } from '../http/errors.js';
import { mediaTypes } from '../http/media.js';
import { territoryId, territoryIdParam } from '../http/params.js';
import { problemResponses } from '../http/schemas.js';
import type { TileCache } from '../../tiles/cache.js';
import type { TileSource } from '../../tiles/source.js';
import { tileProblem } from '../../tiles/tile-math.js';
import { glyphFonts, glyphRange, parseGlyphRange } from '../../tiles/glyphs.js';
import style from '../../tiles/style.json' with { type: 'json' };
import qgisStyle from '../../tiles/style-qgis.json' with { type: 'json' };
import { findTileLayer, tileLayers } from './layers.js';
import { createTileSources, encoderFor } from './sources.js';
import { acceptsGzip, gzip, tileAnswer } from './tile-response.js';
import { dataBounds, dataVersion, parseDataVersion, territoryExists } from './versions.js';

const territoryFilter = territoryId.optional().openapi({
  param: { name: 'territory', in: 'query' },
  description: 'Only the features of this Territoire d’industrie',
  example: 'ti-8401',
});

const versionParam = z
  .string()
  .regex(/^[a-z0-9]{1,20}$/, { message: 'not a data version' })
  .optional()
  .openapi({
    param: { name: 'v', in: 'query' },
    description: 'Data version from TileJSON; a versioned URL may be cached for a day',
  });

const tileQuery = z.object({ territory: territoryFilter, v: versionParam }).strict();
const versionQuery = z.object({ v: versionParam }).strict();
const tileJsonQuery = z.object({ territory: territoryFilter }).strict();

const coordinate = (name: 'z' | 'x') =>
  z
    .string()
    .regex(/^\d{1,9}$/, { message: 'expected a non-negative integer' })
    .transform(Number)
    .openapi({ param: { name, in: 'path' }, type: 'integer', example: name === 'z' ? 12 : 2106 });

// Hono reads `/:y.mvt` as one parameter named `y.mvt` holding the whole segment ("1466.mvt"),
// so the OpenAPI path says `{y.mvt}` too: the document and the router agree on the name.
const tileRow = z
  .string()
  .regex(/^\d{1,9}\.mvt$/, { message: 'expected a non-negative integer followed by .mvt' })
  .transform((segment) => Number(segment.slice(0, -'.mvt'.length)))
  .openapi({ param: { name: 'y.mvt', in: 'path' }, example: '1466.mvt', description: 'Tile row followed by .mvt' });

const tileParams = z.object({ z: coordinate('z'), x: coordinate('x'), 'y.mvt': tileRow });

const layerIds = tileLayers.map((l) => l.id);
const mvtContent = { [mediaTypes.mvt]: { schema: z.string().openapi({ format: 'binary' }) } };
const tileResponses = {
  200: { description: 'Mapbox Vector Tile 2.1 (gzip when accepted)', content: mvtContent },
  204: { description: 'The tile holds no feature' },
  304: { description: 'Not modified (If-None-Match)' },
  ...problemResponses,
} as const;

export { acceptsGzip };

function checkTile(zoom: number, x: number, y: number): void {
  const problem = tileProblem({ z: zoom, x, y });
  if (problem) throw invalidParam('path', 'z/x/y', problem);
}

async function checkTerritory(c: Context<AppEnv>, territory: string | undefined): Promise<void> {
  if (territory !== undefined && !(await territoryExists(c.var.db, territory)))
    throw new NotFoundError('territory', territory);
}

async function renderTile(
  c: Context<AppEnv>,
  source: TileSource,
  zoom: number,
  x: number,
  y: number,
  territory: string | undefined,
  v: string | undefined,
): Promise<Response> {
  const stats = { hits: 0, misses: 0 };
  // A versioned URL is kept for a day: it must not get a tile cached from older data.
  const bytes = await source.tile(zoom, x, y, { territory, stats, version: v === undefined ? 0 : parseDataVersion(v) });
  const hit = stats.misses === 0;
  const answer = await tileAnswer(
    bytes,
    hit,
    { v, acceptEncoding: c.req.header('accept-encoding'), ifNoneMatch: c.req.header('if-none-match') },
    !hit && c.var.shedTileGzip(),
  );
  if (answer.status !== 200) return c.body(null, answer.status, answer.headers);
  return c.body(answer.body as Uint8Array<ArrayBuffer>, 200, answer.headers);
}

/** A source's TileJSON on this server, at the current data version (served with no-cache). */
async function tileJsonOf(c: Context<AppEnv>, source: TileSource, territory: string | undefined) {
  await checkTerritory(c, territory);
  const [version, bounds] = await Promise.all([dataVersion(c.var.db), dataBounds(c.var.db, territory)]);
  return { ...source.tilejson({ tiles: tileUrlTemplate(c.req.url, source.id, version, territory), bounds }) };
}

const tileJsonHeaders = { 'cache-control': 'no-cache' };

/** The URL template of a source's tiles on this server, carrying the data version (and filter). */
function tileUrlTemplate(requestUrl: string, sourceId: string, version: string, territory: string | undefined): string {
  const params = new URLSearchParams({ v: version });
  if (territory) params.set('territory', territory);
  const path = sourceId === 'composite' ? '/tiles' : `/tiles/${sourceId}`;
  // Braces must stay literal for the {z}/{x}/{y} template.
  return `${new URL(path, requestUrl).href}/{z}/{x}/{y}.mvt?${params}`;
}

// Built once per database and cache, not per request: a cached hit then allocates no source.
const builtSources = new WeakMap<object, Map<TileCache | null, ReturnType<typeof createTileSources>>>();

function sourcesFor(c: Context<AppEnv>, cache: TileCache | null) {
  const byCache = builtSources.get(c.var.db) ?? new Map();
  builtSources.set(c.var.db, byCache);
  const sources = byCache.get(cache) ?? createTileSources(c.var.db, encoderFor(c.var.backend), cache);
  byCache.set(cache, sources);
  return sources;
}

export function tileRoutes(cache: TileCache | null) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ['tiles'];

  const styles = [
    {
      path: '/style.json',
      document: style,
      summary: 'MapLibre style drawing territories, sites, plots and brownfields (clusters at low zoom)',
    },
    {
      path: '/style-qgis.json',
      document: qgisStyle,
      summary: 'The same style for QGIS: no expressions (legacy filters, one layer per colour, zoom stops)',
    },
  ];
  for (const { path, document, summary } of styles) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        summary,
        request: { query: z.object({}).strict() },
        responses: {
          200: {
            description: 'MapLibre style',
            content: { 'application/json': { schema: z.record(z.string(), z.any()) } },
          },
          400: problemResponses[400],
        },
      }),
      async (c) => {
        const origin = new URL(c.req.url).origin;
        // MapLibre wants absolute URLs; every one points back at this server (no font host).
        const sources = { foncier: { ...document.sources.foncier, url: `${origin}/tiles/composite.json` } };
        return c.json({ ...document, glyphs: `${origin}${document.glyphs}`, sources }, 200, {
          'cache-control': 'public, max-age=300',
        });
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/fonts/{fontstack}/{range.pbf}',
      tags,
      summary: 'Glyph range (MapLibre SDF PBF) of a font stack, for the style\u2019s labels',
      request: {
        params: z.object({
          fontstack: z
            .string()
            .max(200)
            .openapi({
              param: { name: 'fontstack', in: 'path' },
              example: 'Noto Sans Regular',
              description: `Comma-separated fonts; served: ${glyphFonts.join(', ')}`,
            }),
          'range.pbf': z.string().openapi({
            param: { name: 'range.pbf', in: 'path' },
            example: '0-255.pbf',
            description: '256 code points, e.g. 0-255.pbf',
          }),
        }),
        query: z.object({}).strict(),
      },
      responses: {
        200: {
          description: 'Glyph PBF',
          content: { 'application/x-protobuf': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { fontstack, 'range.pbf': segment } = c.req.valid('param');
      const start = parseGlyphRange(segment.replace(/\.pbf$/, ''));
      if (start === undefined || !segment.endsWith('.pbf'))
        throw invalidParam('path', 'range', 'expected a range of 256 code points such as 0-255.pbf');
      const bytes = glyphRange(fontstack, start);
      if (!bytes) throw new NotFoundError('font', fontstack);
      // SDF bitmaps shrink to a third with gzip; compress() leaves application/x-protobuf alone.
      const headers: Record<string, string> = {
        'content-type': 'application/x-protobuf',
        'cache-control': 'public, max-age=604800',
        vary: 'accept-encoding',
      };
      if (!acceptsGzip(c.req.header('accept-encoding'))) return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
      return c.body((await gzip(bytes)) as Uint8Array<ArrayBuffer>, 200, { ...headers, 'content-encoding': 'gzip' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/composite.json',
      tags,
      summary: 'TileJSON 3.0.0 of the composite tiles (all layers)',
      request: { query: tileJsonQuery },
      responses: {
        200: { description: 'TileJSON', content: { 'application/json': { schema: z.record(z.string(), z.any()) } } },
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json(await tileJsonOf(c, sourcesFor(c, cache).composite, c.req.valid('query').territory), 200, tileJsonHeaders),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{layer.json}',
      tags,
      summary: 'TileJSON 3.0.0 of one layer',
      request: {
        params: z.object({
          'layer.json': z.string().openapi({
            param: { name: 'layer.json', in: 'path' },
            example: 'plots.json',
            description: 'Layer id followed by .json',
          }),
        }),
        query: tileJsonQuery,
      },
      responses: {
        200: { description: 'TileJSON', content: { 'application/json': { schema: z.record(z.string(), z.any()) } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const name = c.req.valid('param')['layer.json'].replace(/\.json$/, '');
      const source = sourcesFor(c, cache).layers.get(name);
      if (!source) throw new NotFoundError('tile layer', name);
      return c.json(await tileJsonOf(c, source, c.req.valid('query').territory), 200, tileJsonHeaders);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{z}/{x}/{y.mvt}',
      tags,
      summary: `Composite tile: the layers ${layerIds.join(', ')} in one tile`,
      request: { params: tileParams, query: tileQuery },
      responses: tileResponses,
    }),
    async (c) => {
      const { z: zoom, x, 'y.mvt': y } = c.req.valid('param');
      const { territory, v } = c.req.valid('query');
      checkTile(zoom, x, y);
      await checkTerritory(c, territory);
      return renderTile(c, sourcesFor(c, cache).composite, zoom, x, y, territory, v);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{layer}/{z}/{x}/{y.mvt}',
      tags,
      summary: 'One layer tile',
      request: {
        params: tileParams.extend({
          layer: z
            .string()
            .openapi({ param: { name: 'layer', in: 'path' }, example: 'plots', description: layerIds.join(', ') }),
        }),
        query: tileQuery,
      },
      responses: tileResponses,
    }),
    async (c) => {
      const { layer, z: zoom, x, 'y.mvt': y } = c.req.valid('param');
      const { territory, v } = c.req.valid('query');
      if (!findTileLayer(layer)) throw new NotFoundError('tile layer', layer);
      checkTile(zoom, x, y);
      await checkTerritory(c, territory);
      return renderTile(c, sourcesFor(c, cache).layers.get(layer)!, zoom, x, y, territory, v);
    },
  );

  return app;
}

/** Mounted at /territories, after territoryRoutes: one territory's tiles. */
export function territoryTileRoutes(cache: TileCache | null) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ['territories', 'tiles'];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/tiles/{z}/{x}/{y.mvt}',
      tags,
      summary: "Composite tile restricted to one territory's features",
      request: { params: tileParams.extend({ id: territoryIdParam }), query: versionQuery },
      responses: tileResponses,
    }),
    async (c) => {
      const { id, z: zoom, x, 'y.mvt': y } = c.req.valid('param');
      checkTile(zoom, x, y);
      await checkTerritory(c, id);
      return renderTile(c, sourcesFor(c, cache).composite, zoom, x, y, id, c.req.valid('query').v);
    },
  );

  return app;
}
