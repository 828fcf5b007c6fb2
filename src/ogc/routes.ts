// /ogc: OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0), Part 2 (crs, bbox-crs) and
// Part 3 (queryables, CQL2 text filters). Handlers parse, call the repository and render; client mistakes in
// filters, sortby or property names become 400 problem documents.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { invalidParam, NotFoundError } from '../http/errors.js';
import { feature } from '../http/features.js';
import { geoJson, mediaTypes, wantsHtml } from '../http/media.js';
import { problemResponses } from '../http/schemas.js';
import { collections, findCollection, queryablesDocument, type CollectionDefinition } from './collections.js';
import { contentCrs, crs84 as crs84Definition, crsQuery, legacyCrsMember, supportedCrs } from './crs.js';
import { Cql2SyntaxError } from './cql2.js';
import { QueryError } from './filter-sql.js';
import { collectionExtent, findFeature, findFeatures } from './repository.js';
import {
  collectionPage,
  collectionsPage,
  itemPage,
  itemsPage,
  landingPage,
  type CollectionSummary,
  type MapSettings,
} from '../web/ogc-pages.js';

export const defaultLimit = 10;
export const maxLimit = 10_000;

const conformanceClasses = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables',
  // CQL2: each class below is exercised over Foncier's queryables in test/http/ogc-cql2.test.ts.
  // Not claimed: array-functions (no array comparisons on cadastralRefs or phases yet) and
  // functions (no custom functions, so no /functions).
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/property-property',
  'http://www.opengis.net/spec/cql2/1.0/conf/arithmetic',
];

const openApi30 = 'application/vnd.oai.openapi+json;version=3.0';
const schemaJson = 'application/schema+json';
const queryablesRel = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';
const crs84 = crs84Definition.uri;
const crsParam = crsQuery(
  supportedCrs,
  'CRS of the geometry returned (OGC API Features Part 2; CRS84 by default, EPSG:4326 is latitude first)',
);

const formatParam = z
  .enum(['json', 'html'])
  .optional()
  .openapi({
    param: { name: 'f', in: 'query' },
    description:
      'json (GeoJSON for items), or html: a browsable page with a map; without f, a browser asking for text/html gets the page',
  });
const plainQuery = z.object({ f: formatParam }).strict();
const collectionParams = z.object({
  collectionId: z.string().openapi({ param: { name: 'collectionId', in: 'path' }, example: 'plots' }),
});
const looseJson = z.record(z.string(), z.any());
// The HTML encoding (f=html, or a browser's Accept) of the landing, collection and item resources.
const htmlPage = { [mediaTypes.html]: { schema: z.string().openapi({ description: 'a browsable page' }) } };

const itemsQuery = z
  .object({
    f: formatParam,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: `default ${defaultLimit}, at most ${maxLimit} (larger values are capped)` }),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).optional(),
    bbox: z.string().optional().openapi({
      description: 'minLon,minLat,maxLon,maxLat in CRS84, or in the axis order of bbox-crs',
      example: '4.5,44.5,5.5,45.5',
    }),
    'bbox-crs': crsQuery(supportedCrs, 'CRS of bbox (OGC API Features Part 2; CRS84 by default)'),
    crs: crsParam,
    datetime: z.string().optional().openapi({ description: 'RFC 3339 date or interval, on updatedOn' }),
    sortby: z
      .string()
      .optional()
      .openapi({ description: 'queryable names, "-" prefix for descending', example: '-areaHa' }),
    filter: z.string().optional().openapi({
      description: 'CQL2 text, or CQL2 JSON with filter-lang=cql2-json',
      example: "marketingStage = 'en vente' AND areaHa > 1",
    }),
    // 'cql-text' is the draft name that GDAL's OAPIF driver (3.6) sends; the grammar is the same.
    'filter-lang': z.enum(['cql2-text', 'cql-text', 'cql2-json']).optional(),
    'filter-crs': z.enum([crs84]).optional(),
  })
  // Other keys are property filters on queryables, checked per collection below.
  .catchall(z.string());

function html(c: Context, page: string): Response {
  return c.html(page, 200, { vary: 'accept' });
}

function collectionSummary(
  c: Context,
  collection: CollectionDefinition,
  bbox: [number, number, number, number] | null,
): CollectionSummary {
  const base = `${baseUrl(c)}/collections/${collection.id}`;
  return {
    id: collection.id,
    title: collection.title,
    description: collection.description,
    bbox,
    htmlHref: `${base}?f=html`,
    itemsHtmlHref: `${base}/items?f=html`,
    itemsHref: `${base}/items`,
    queryablesHref: `${base}/queryables`,
  };
}

function baseUrl(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.origin}/ogc`;
}

function collectionOrThrow(id: string): CollectionDefinition {
  const collection = findCollection(id);
  if (!collection) throw new NotFoundError('collection', id);
  return collection;
}

async function collectionDocument(c: Context<AppEnv>, collection: CollectionDefinition) {
  const base = `${baseUrl(c)}/collections/${collection.id}`;
  const extent = await collectionExtent(c.var.db, collection);
  return {
    id: collection.id,
    title: collection.title,
    description: collection.description,
    itemType: 'feature',
    crs: supportedCrs.map((crs) => crs.uri),
    // Stored as PostGIS SRID 4326 with longitude first: CRS84.
    storageCrs: crs84,
    extent: { spatial: { bbox: [extent ?? [-180, -90, 180, 90]], crs: crs84 } },
    links: [
      { rel: 'self', type: mediaTypes.json, href: base, title: collection.title },
      { rel: 'items', type: mediaTypes.geojson, href: `${base}/items`, title: `${collection.title} (GeoJSON)` },
      { rel: queryablesRel, type: schemaJson, href: `${base}/queryables`, title: 'Queryables' },
      { rel: 'alternate', type: mediaTypes.html, href: `${base}?f=html`, title: `${collection.title} (HTML)` },
    ],
    /** For the HTML page; never sent as JSON. */
    extentOrNull: extent,
  };
}

// PostgreSQL errors a well-formed but unevaluable query raises: bad WKT (PostGIS XX000 parse
// errors), values of the wrong type (22P02, 42804, 42883), impossible dates (22007, 22008),
// out-of-range numbers (22003). They are the client's; the message names the class, never SQL.
const queryErrorClasses: Record<string, string> = {
  XX000: 'a geometry in the filter is not valid WKT',
  '22P02': 'a value has the wrong type for its property',
  '42804': 'the two sides of a comparison have different types',
  '42883': 'the two sides of a comparison have different types',
  '22007': 'a date is not valid',
  '22008': 'a date is out of range',
  '22003': 'a number is out of range',
  '22012': 'a division by zero',
  '22025': 'a LIKE pattern ends with its escape character \\',
  '2201F': 'a power is not a real number',
  '22023': 'a geometry in the filter is not valid',
};

function rethrowQueryError(error: unknown): never {
  if (error instanceof QueryError) throw invalidParam('query', error.parameter, error.message);
  if (error instanceof Cql2SyntaxError) throw invalidParam('query', 'filter', `CQL2 syntax error: ${error.message}`);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && Object.hasOwn(queryErrorClasses, code))
    throw invalidParam('query', 'filter', `the query cannot be evaluated: ${queryErrorClasses[code]}`);
  throw error;
}

export function ogcRoutes(options: { basemapStyleUrl?: string } = {}) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ['ogc'];
  const mapSettings = (c: Context): MapSettings => ({
    styleUrl: `${new URL(c.req.url).origin}/tiles/style.json`,
    basemapStyleUrl: options.basemapStyleUrl,
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: 'OGC API landing page',
      request: { query: plainQuery },
      responses: {
        200: { description: 'Landing page', content: { 'application/json': { schema: looseJson }, ...htmlPage } },
        ...problemResponses,
      },
    }),
    (c) => {
      const base = baseUrl(c);
      const doc = {
        title: 'Foncier — OGC API Features',
        description:
          "Sites and plots of economic land in France's Territoires d'industrie (CNIG Sites économiques), with territories, EPCI and communes",
        links: [
          { rel: 'self', type: mediaTypes.json, href: base, title: 'This document' },
          { rel: 'service-desc', type: openApi30, href: `${base}/api`, title: 'OpenAPI 3.0 definition' },
          {
            rel: 'service-doc',
            type: mediaTypes.html,
            href: `${new URL(c.req.url).origin}/docs`,
            title: 'API reference',
          },
          { rel: 'conformance', type: mediaTypes.json, href: `${base}/conformance`, title: 'Conformance classes' },
          { rel: 'data', type: mediaTypes.json, href: `${base}/collections`, title: 'Collections' },
          { rel: 'alternate', type: mediaTypes.html, href: `${base}?f=html`, title: 'This document as HTML' },
        ],
      };
      if (wantsHtml(c, c.req.valid('query').f)) return html(c, landingPage(doc, base));
      return c.json(doc, 200, { vary: 'accept' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/conformance',
      tags,
      summary: 'Conformance classes',
      request: { query: plainQuery },
      responses: {
        200: {
          description: 'Conformance declaration',
          content: { 'application/json': { schema: z.object({ conformsTo: z.array(z.string()) }) } },
        },
        ...problemResponses,
      },
    }),
    (c) => c.json({ conformsTo: conformanceClasses }),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections',
      tags,
      summary: 'Feature collections',
      request: { query: plainQuery },
      responses: {
        200: { description: 'Collections', content: { 'application/json': { schema: looseJson }, ...htmlPage } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const base = baseUrl(c);
      const documents = await Promise.all(collections.map((collection) => collectionDocument(c, collection)));
      if (wantsHtml(c, c.req.valid('query').f))
        return html(
          c,
          collectionsPage(
            documents.map((doc, i) => collectionSummary(c, collections[i]!, doc.extentOrNull)),
            base,
          ),
        );
      return c.json(
        {
          links: [
            { rel: 'self', type: mediaTypes.json, href: `${base}/collections` },
            { rel: 'alternate', type: mediaTypes.html, href: `${base}/collections?f=html`, title: 'HTML' },
          ],
          collections: documents.map(({ extentOrNull: _e, ...doc }) => doc),
        },
        200,
        { vary: 'accept' },
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collectionId}',
      tags,
      summary: 'One feature collection',
      request: { params: collectionParams, query: plainQuery },
      responses: {
        200: { description: 'Collection', content: { 'application/json': { schema: looseJson }, ...htmlPage } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const collection = collectionOrThrow(c.req.valid('param').collectionId);
      const { extentOrNull, ...doc } = await collectionDocument(c, collection);
      if (wantsHtml(c, c.req.valid('query').f))
        return html(c, collectionPage(collectionSummary(c, collection, extentOrNull), baseUrl(c), mapSettings(c)));
      return c.json(doc, 200, { vary: 'accept' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collectionId}/queryables',
      tags,
      summary: 'Queryable properties (JSON Schema)',
      request: { params: collectionParams, query: plainQuery },
      responses: {
        200: { description: 'Queryables', content: { [schemaJson]: { schema: looseJson } } },
        ...problemResponses,
      },
    }),
    (c) => {
      const collection = collectionOrThrow(c.req.valid('param').collectionId);
      const body = queryablesDocument(collection, `${baseUrl(c)}/collections/${collection.id}/queryables`);
      return c.json(body, 200, { 'content-type': schemaJson });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collectionId}/items',
      tags,
      summary: 'Features of a collection: bbox, datetime, property filters, CQL2 filter, sortby, paging',
      request: { params: collectionParams, query: itemsQuery },
      responses: {
        200: {
          description: 'GeoJSON FeatureCollection',
          content: { [mediaTypes.geojson]: { schema: looseJson }, ...htmlPage },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const collection = collectionOrThrow(c.req.valid('param').collectionId);
      const {
        f,
        limit: requested,
        offset = 0,
        bbox,
        'bbox-crs': bboxCrs,
        crs,
        datetime,
        sortby,
        filter,
        'filter-lang': lang,
        'filter-crs': _crs,
        ...properties
      } = c.req.valid('query');
      const limit = Math.min(requested ?? defaultLimit, maxLimit);
      let page: Awaited<ReturnType<typeof findFeatures>>;
      try {
        page = await findFeatures(c.var.db, collection, {
          bbox,
          bboxCrs,
          datetime,
          properties,
          filter,
          filterLang: lang,
          sortby,
          crs,
          limit,
          offset,
        });
      } catch (error) {
        rethrowQueryError(error);
      }
      const self = new URL(c.req.url);
      const pageHref = (newOffset: number) => {
        const url = new URL(self);
        url.searchParams.set('offset', String(newOffset));
        url.searchParams.set('limit', String(limit));
        return url.toString();
      };
      const links = [
        { rel: 'self', type: mediaTypes.geojson, href: self.toString() },
        { rel: 'collection', type: mediaTypes.json, href: `${baseUrl(c)}/collections/${collection.id}` },
        ...(offset + page.features.length < page.numberMatched
          ? [{ rel: 'next', type: mediaTypes.geojson, href: pageHref(offset + limit) }]
          : []),
        ...(offset > 0 ? [{ rel: 'prev', type: mediaTypes.geojson, href: pageHref(Math.max(0, offset - limit)) }] : []),
      ];
      const features = page.features.map((row) => feature(row));
      if (wantsHtml(c, f)) {
        const jsonSelf = new URL(self);
        jsonSelf.searchParams.delete('f');
        const summary = collectionSummary(c, collection, await collectionExtent(c.var.db, collection));
        return html(
          c,
          itemsPage(
            summary,
            { features, numberMatched: page.numberMatched, offset, links, selfJson: jsonSelf.toString() },
            baseUrl(c),
            mapSettings(c),
          ),
        );
      }
      const body = {
        type: 'FeatureCollection',
        ...legacyCrsMember(crs),
        numberMatched: page.numberMatched,
        numberReturned: page.features.length,
        timeStamp: c.var.clock.now().toISOString(),
        features,
        links,
      };
      return geoJson(c, body, 200, contentCrs(crs));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/collections/{collectionId}/items/{featureId}',
      tags,
      summary: 'One feature',
      request: {
        params: collectionParams.extend({
          featureId: z
            .string()
            .max(100)
            .openapi({ param: { name: 'featureId', in: 'path' } }),
        }),
        query: plainQuery.extend({ crs: crsParam }),
      },
      responses: {
        200: { description: 'GeoJSON Feature', content: { [mediaTypes.geojson]: { schema: looseJson }, ...htmlPage } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { collectionId, featureId } = c.req.valid('param');
      const collection = collectionOrThrow(collectionId);
      const { crs } = c.req.valid('query');
      const row = await findFeature(c.var.db, collection, featureId, crs);
      if (!row) throw new NotFoundError('feature', featureId);
      const base = `${baseUrl(c)}/collections/${collection.id}`;
      if (wantsHtml(c, c.req.valid('query').f)) {
        const summary = collectionSummary(c, collection, null);
        return html(
          c,
          itemPage(summary, feature(row), baseUrl(c), mapSettings(c), `${base}/items/${encodeURIComponent(row.id)}`),
        );
      }
      return geoJson(
        c,
        feature(row, {
          links: [
            { rel: 'self', type: mediaTypes.geojson, href: `${base}/items/${encodeURIComponent(row.id)}` },
            { rel: 'collection', type: mediaTypes.json, href: base },
          ],
        }),
        200,
        contentCrs(crs),
      );
    },
  );

  // The OpenAPI 3.0 definition of this sub-API, as the "oas30" conformance class asks.
  // Each collection's items path is spelled out with its queryables as query parameters, so
  // that clients reading the definition (GDAL's OAPIF driver does) know what they can filter on.
  app.get('/api', (c) => {
    const document = app.getOpenAPIDocument({
      openapi: '3.0.3',
      info: { title: 'Foncier — OGC API Features', version: '1.0.0' },
      servers: [{ url: baseUrl(c) }],
    });
    const generic = document.paths['/collections/{collectionId}/items']?.get;
    if (generic) {
      for (const collection of collections) {
        const parameters = [
          ...(generic.parameters ?? []).filter((p) => !('name' in p && p.name === 'collectionId')),
          ...Object.entries(collection.properties).map(([name, q]) => ({
            name,
            in: 'query' as const,
            required: false,
            description: q.description ?? `equality on ${name}`,
            schema: {
              type: q.type === 'date' ? ('string' as const) : q.type,
              ...(q.type === 'date' ? { format: 'date' } : {}),
            },
          })),
        ];
        document.paths[`/collections/${collection.id}/items`] = {
          get: { ...generic, operationId: `get${collection.id}Items`, parameters },
        };
      }
    }
    return c.body(JSON.stringify(document), 200, { 'content-type': openApi30 });
  });

  return app;
}
