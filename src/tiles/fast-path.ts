// Cached tiles answered before the app's router, middleware and routes (issue #18, target 3).
// A hit needs none of them: no database, no viewer, no zod, and routing a request through the
// app's 200 routes (Hono's TrieRouter) costs more than the hit itself. Put in front of the
// app's fetch, this answers a plain GET (or HEAD) of a tile already in the cache with what the
// tile route would answer (tile-response.ts: ETag/304, Cache-Control by `?v=`, gzip by
// Accept-Encoding; cors.ts's headers; the request's debug line) and leaves every other
// request to the app: a miss,
// a path or query it does not read exactly as the route's zod schemas would accept it (a bad
// z/x/y, an unknown layer or parameter, a percent-encoded character), an Authorization header
// (a bad key is a 401) or a session cookie (checked against its key, cleared when refused).
// A hit under a territory filter needs no lookup of the territory: the route checked it
// before building the entry, and territories are only ever inserted or updated.
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

/** Writes into a plain header record (the Node adapter sends one as it is, no Headers built). */
const recordTarget = (headers: Record<string, string>) => ({
  get: (name: string) => headers[name] ?? null,
  has: (name: string) => name in headers,
  set: (name: string, value: string) => {
    headers[name] = value;
  },
});

/**
 * The answer to a request for a tile in the cache, or undefined (synchronously) for any other
 * request, which the app's own fetch then serves.
 */
export function cachedTileHits(
  cache: TileCache,
  options: FastPathOptions,
): (request: Request) => Promise<Response> | undefined {
  const cors = corsHeaders(options.cors);
  const { logger } = options;
  return (request) => {
    const started = performance.now();
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const url = request.url;
    // The path as Hono's router reads it (after the authority, before the query); one holding
    // a percent-escape is decoded there first, so it goes there.
    const pathStart = url.indexOf('/', url.indexOf(':') + 3);
    const queryStart = url.indexOf('?', pathStart);
    const path = queryStart < 0 ? url.slice(pathStart) : url.slice(pathStart, queryStart);
    const match = tilePath.exec(path);
    if (!match) return undefined;
    const headers = request.headers;
    if (headers.get('authorization') !== null || headers.get('cookie')?.includes(sessionCookie)) return undefined;
    const [, layerName, pathTerritory, zText, xText, yText] = match;
    if (layerName !== undefined && !layerIds.has(layerName)) return undefined;
    if (pathTerritory !== undefined && !territoryIdPattern.test(pathTerritory)) return undefined;
    const z = Number(zText);
    const x = Number(xText);
    const y = Number(yText);
    if (tileProblem({ z, x, y })) return undefined;
    const query = readQuery(queryStart < 0 ? '' : url.slice(queryStart + 1), pathTerritory === undefined);
    if (!query) return undefined;
    const territory = pathTerritory ?? query.territory;
    // As the route: a versioned URL only takes an entry built at that version or later.
    const minVersion = query.v === undefined ? 0 : parseDataVersion(query.v);
    const bytes = cache.hit({ layer: layerName ?? COMPOSITE, z, x, y, territory }, minVersion);
    if (bytes === undefined) return undefined;

    const conditions = {
      v: query.v,
      acceptEncoding: headers.get('accept-encoding') ?? undefined,
      ifNoneMatch: headers.get('if-none-match') ?? undefined,
    };
    return tileAnswer(bytes, true, conditions).then((answer) => {
      // A read: the own origin plays no part in its cross-origin headers.
      cors(recordTarget(answer.headers), method, headers.get('origin') ?? undefined, '');
      logger.debug('request', { method, path, status: answer.status, ms: Math.round(performance.now() - started) });
      const body = method === 'HEAD' ? null : (answer.body as Uint8Array<ArrayBuffer> | null);
      return new Response(body, { status: answer.status, headers: answer.headers });
    });
  };
}
