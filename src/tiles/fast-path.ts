// Cached tiles answered before the app's middleware and routes (issue #18, target 3). A hit
// needs none of them: no database, no viewer, no zod. This middleware, mounted first, answers a
// plain GET (or HEAD) of a tile already in the cache with what the tile route would answer
// (tile-response.ts: ETag/304, Cache-Control by `?v=`, gzip by Accept-Encoding; cors.ts's
// headers; the request's debug line) and hands every other request on, untouched: a miss,
// a path or query it does not read exactly as the route's zod schemas would accept it (a bad
// z/x/y, an unknown layer or parameter, a percent-encoded character), an Authorization header
// (a bad key is a 401) or a session cookie (checked against its key, cleared when refused).
// A hit under a territory filter needs no lookup of the territory: the route checked it
// before building the entry, and territories are only ever inserted or updated.
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import { type CorsPolicy, corsHeaders } from '../http/cors.js';
import { territoryIdPattern } from '../territories/codes.js';
import { sessionCookieName } from '../web/session.js';
import { COMPOSITE, type TileCache } from '../../tiles/cache.js';
import { tileProblem } from '../../tiles/tile-math.js';
import { tileLayers } from './layers.js';
import { tileAnswer } from './tile-response.js';
import { parseDataVersion } from './versions.js';

// The routes' paths (routes.ts): /tiles/{z}/{x}/{y}.mvt, /tiles/{layer}/…, /territories/{id}/tiles/….
const tilePath = /^\/(?:tiles\/(?:([a-z_]+)\/)?|territories\/([^/]+)\/tiles\/)(\d{1,9})\/(\d{1,9})\/(\d{1,9})\.mvt$/;
// The route's `v` schema (routes.ts versionParam).
const versionValue = /^[a-z0-9]{1,20}$/;
const layerIds = new Set<string>(tileLayers.map((layer) => layer.id));
const sessionCookie = `${sessionCookieName}=`;

interface TileQuery {
  v?: string;
  territory?: string;
}

/**
 * `territory` and `v` from a query string, each at most once, with values that need no
 * decoding and that the route's schemas accept; undefined for anything else.
 */
function readQuery(search: string, territoryAllowed: boolean): TileQuery | undefined {
  const query: TileQuery = {};
  if (search === '') return query;
  for (const part of search.split('&')) {
    const equals = part.indexOf('=');
    if (equals < 0) return undefined;
    const name = part.slice(0, equals);
    const value = part.slice(equals + 1);
    if (name === 'v' && query.v === undefined && versionValue.test(value)) query.v = value;
    else if (
      name === 'territory' &&
      territoryAllowed &&
      query.territory === undefined &&
      territoryIdPattern.test(value)
    )
      query.territory = value;
    else return undefined;
  }
  return query;
}

export interface FastPathOptions {
  cors: CorsPolicy;
  logger: Logger;
}

/** Answers cache hits of the tile routes; everything else goes on to them. */
export function cachedTileHits(cache: TileCache, options: FastPathOptions): MiddlewareHandler {
  const cors = corsHeaders(options.cors);
  const { logger } = options;
  return async (c, next) => {
    const started = performance.now();
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') return next();
    const match = tilePath.exec(c.req.path);
    if (!match || c.req.header('authorization') !== undefined) return next();
    if (c.req.header('cookie')?.includes(sessionCookie)) return next();
    const [, layerName, pathTerritory, zText, xText, yText] = match;
    if (layerName !== undefined && !layerIds.has(layerName)) return next();
    const layer = layerName ?? COMPOSITE;
    if (pathTerritory !== undefined && !territoryIdPattern.test(pathTerritory)) return next();
    const z = Number(zText);
    const x = Number(xText);
    const y = Number(yText);
    if (tileProblem({ z, x, y })) return next();
    const url = c.req.url;
    const queryStart = url.indexOf('?');
    const query = readQuery(queryStart < 0 ? '' : url.slice(queryStart + 1), pathTerritory === undefined);
    if (!query) return next();
    const territory = pathTerritory ?? query.territory;
    // As the route: a versioned URL only takes an entry built at that version or later.
    const minVersion = query.v === undefined ? 0 : parseDataVersion(query.v);
    const bytes = cache.hit({ layer, z, x, y, territory }, minVersion);
    if (bytes === undefined) return next();

    const answer = await tileAnswer(bytes, true, {
      v: query.v,
      acceptEncoding: c.req.header('accept-encoding'),
      ifNoneMatch: c.req.header('if-none-match'),
    });
    const headers = new Headers(answer.headers);
    // A read: the own origin plays no part in its cross-origin headers.
    cors(headers, method, c.req.header('origin'), '');
    logger.debug('request', {
      method,
      path: c.req.path,
      status: answer.status,
      ms: Math.round(performance.now() - started),
    });
    return new Response(answer.body as Uint8Array<ArrayBuffer> | null, { status: answer.status, headers });
  };
}
