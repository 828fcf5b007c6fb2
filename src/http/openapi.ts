// The OpenAPI 3.1 document generated from the routes' zod schemas, the browsable reference
// over it (/docs, Scalar served from the project's own assets), and the landing document of /.
// The document passes swagger-parser and Redocly's recommended rules (test/http/openapi-lint.test.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { referencePage, referenceScript, referenceScriptPath } from './reference-page.js';

export const apiInfo = {
  title: 'Foncier API',
  version: '0.1.0',
  description:
    "Inventory of industrial land and turnkey industrial sites in France's Territoires d'industrie, " +
    'aligned with the CNIG "Sites économiques" standard (site-eco = site, terrain-eco = plot). ' +
    'Errors are RFC 9457 application/problem+json.',
  // OpenAPI 3.1 wants an SPDX identifier (or a URL) with the name.
  license: { name: 'MIT', identifier: 'MIT' },
};

/**
 * One operationId per operation, verb + resource, kept here so that route modules stay as they
 * are; keyed by the documented method and path. An operation missing from the table (a new
 * route) gets one derived from its method and path, and a route may set its own in createRoute.
 */
const operationIds: Record<string, string> = {
  'get /': 'getLanding',
  'get /places': 'listPlaces',
  'get /healthz': 'getHealth',
  'get /readyz': 'getReadiness',
  'get /territories': 'listTerritories',
  'get /territories/{id}': 'getTerritory',
  'get /territories/{id}/boundary': 'getTerritoryBoundary',
  'get /territories/{id}/tiles/{z}/{x}/{y}.mvt': 'getTerritoryTile',
  'get /territories/{id}/sites.geojson': 'getTerritorySitesGeoJson',
  'get /territories/{id}/plots.geojson': 'getTerritoryPlotsGeoJson',
  'get /tiles/style.json': 'getTileStyle',
  'get /tiles/composite.json': 'getCompositeTileJson',
  'get /tiles/{layer}.json': 'getLayerTileJson',
  'get /tiles/{z}/{x}/{y}.mvt': 'getCompositeTile',
  'get /tiles/{layer}/{z}/{x}/{y}.mvt': 'getLayerTile',
  'get /sites': 'listSites',
  'post /sites': 'createSite',
  'get /sites/compare': 'compareSites',
  'get /sites/{id}': 'getSite',
  'patch /sites/{id}': 'updateSite',
  'delete /sites/{id}': 'deleteSite',
  'get /sites/{id}/sheet': 'getSiteSheet',
  'get /plots': 'listPlots',
  'post /plots': 'createPlot',
  'get /plots/{id}': 'getPlot',
  'patch /plots/{id}': 'updatePlot',
  'delete /plots/{id}': 'deletePlot',
  'get /labelling/grid': 'getLabellingGrid',
  'get /sites/{id}/label': 'getSiteLabel',
  'put /sites/{id}/label/criteria/{criterion}': 'assessSiteLabelCriterion',
  'post /sites/{id}/label/transitions': 'transitionSiteLabel',
  'get /audit': 'listAuditEntries',
  'get /programme/turnkey-sites': 'getTurnkeySitesProgramme',
  'get /ogc': 'getOgcLandingPage',
  'get /ogc/conformance': 'getOgcConformance',
  'get /ogc/collections': 'listOgcCollections',
  'get /ogc/collections/{collectionId}': 'getOgcCollection',
  'get /ogc/collections/{collectionId}/queryables': 'getOgcQueryables',
  'get /ogc/collections/{collectionId}/items': 'listOgcItems',
  'get /ogc/collections/{collectionId}/items/{featureId}': 'getOgcItem',
  'get /exports/cnig/site-eco.csv': 'exportCnigSitesCsv',
  'get /exports/cnig/site-eco.geojson': 'exportCnigSitesGeoJson',
  'get /exports/cnig/terrain-eco.csv': 'exportCnigPlotsCsv',
  'get /exports/cnig/terrain-eco.geojson': 'exportCnigPlotsGeoJson',
  'get /exports/sites.geojson': 'exportSitesGeoJson',
  'get /exports/sites.fgb': 'exportSitesFlatGeobuf',
  'get /exports/plots.geojson': 'exportPlotsGeoJson',
  'get /exports/plots.fgb': 'exportPlotsFlatGeobuf',
  'post /imports': 'importFile',
  'get /territories/{id}/zan': 'getTerritoryZan',
  'get /territories/{id}/zan/report': 'getTerritoryZanReport',
  'get /sites/{id}/zan': 'getSiteZan',
  'get /plots/{id}/zan': 'getPlotZan',
  'post /zan/simulate': 'simulateZan',
};

/** `get /ogc/collections/{collectionId}/items` → `getOgcCollectionsCollectionIdItems`. */
export function derivedOperationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** The JSON landing an API client gets at / (a browser gets the investor home page, web/investor/routes.ts). */
export function landingDocument() {
  return {
    title: apiInfo.title,
    description: apiInfo.description,
    links: [
      { rel: 'service-desc', href: '/openapi.json', type: 'application/vnd.oai.openapi+json;version=3.1' },
      { rel: 'service-doc', href: '/docs', type: 'text/html' },
      { rel: 'territories', href: '/territories', type: 'application/json' },
      { rel: 'places', href: '/places', type: 'application/json' },
      { rel: 'health', href: '/healthz' },
      { rel: 'ready', href: '/readyz' },
    ],
  };
}

export function openApiRoutes(app: OpenAPIHono<AppEnv>): void {
  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: apiInfo,
      // Reads are public; operations that need a key declare bearerAuth themselves.
      security: [],
      tags: [
        { name: 'territories', description: "Territoires d'industrie (groups of EPCI)" },
        { name: 'sites', description: 'CNIG site-eco: economic sites' },
        { name: 'plots', description: 'CNIG terrain-eco: plots of economic land' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    });

  let cached: ReturnType<typeof document> | undefined;
  const spec = () => (cached ??= withOperationIds(describeSuffixedParams(document())));

  // The server is the origin the document was fetched from, as for every link the API writes
  // (a relative '/' would make '//territories' once a client appends the path).
  app.get('/openapi.json', (c) =>
    c.json({ ...spec(), servers: [{ url: new URL(c.req.url).origin, description: 'this server' }] }),
  );
  app.get('/docs', referencePage(apiInfo.title));
  app.get(referenceScriptPath, async (c) => {
    const script = await referenceScript();
    c.header('cache-control', 'public, max-age=3600');
    return c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' });
  });
}

type Spec = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;

const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every operation gets its operationId from the table above (or derived), unless it set one. */
export function withOperationIds(spec: Spec): Spec {
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      if (!httpMethods.has(method) || !operation || typeof operation !== 'object') continue;
      const op = operation as { operationId?: string };
      op.operationId ??= operationIds[`${method} ${path}`] ?? derivedOperationId(method, path);
    }
  }
  return spec;
}
type ParameterObject = {
  name: string;
  in: string;
  description?: string;
  schema?: { pattern?: string; example?: unknown; description?: string };
};

/**
 * Hono names a parameter followed by a suffix in the same segment (`/:y.mvt`) after the whole
 * segment, so routes declare `{y.mvt}`. Clients write `/12/2106/1466.mvt`: the document says
 * `{y}.mvt` with a parameter `y`, as OpenAPI path templating allows.
 */
export function describeSuffixedParams(spec: Spec): Spec {
  const suffixed = /\{(\w+)\.(\w+)\}/g;
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    paths[path.replace(suffixed, '{$1}.$2')] = item;
    for (const operation of Object.values(item ?? {})) {
      for (const p of (operation as { parameters?: ParameterObject[] }).parameters ?? []) {
        const match = /^(\w+)\.(\w+)$/.exec(p.name);
        if (!match || p.in !== 'path') continue;
        const [, name, ext] = match;
        const tail = new RegExp(`\\s*followed by \\.${ext}$`);
        p.name = name!;
        if (p.description) p.description = p.description.replace(tail, '');
        if (p.schema) {
          if (p.schema.description) p.schema.description = p.schema.description.replace(tail, '');
          if (typeof p.schema.example === 'string') p.schema.example = p.schema.example.replace(`.${ext}`, '');
          if (p.schema.pattern) p.schema.pattern = p.schema.pattern.replace(`\\.${ext}$`, '$');
        }
      }
    }
  }
  return { ...spec, paths: paths as Spec['paths'] };
}
