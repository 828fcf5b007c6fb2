// The fast path of cached tiles (src/tiles/fast-path.ts) against the tile routes: two apps over
// one database and one tile cache, one answering hits before its router, the other with every
// tile through its route (tileFastPath: false). For hits, 304s, empty tiles, versioned URLs,
// territory filters, HEAD and CORS, the fast path must answer (checked on its own) with the
// route's status, headers and bytes, and log the same request line; for misses, bad z/x/y,
// unknown layers or parameters, keys and session cookies it must leave the request to the app.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
import type { CorsPolicy } from '../../src/http/cors.js';
import { defaultCorsPolicy } from '../../src/http/cors.js';
import { createLogger } from '../../src/logger.js';
import { cachedTileHits } from '../../src/tiles/fast-path.js';
import { dataVersion, dataVersionMs } from '../../src/tiles/versions.js';
import { TileCache } from '../../tiles/cache.js';
import { tileAt } from '../../tiles/tile-math.js';
import { testClock } from '../support/clock.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let territoryId: string;
let version: string;
let plotTile: { z: number; x: number; y: number };
const cache = new TileCache();
const probe = cachedTileHits(cache, { cors: defaultCorsPolicy, logger: createLogger('silent') });

interface Pair {
  fast: App;
  routed: App;
  lines: { fast: string[]; routed: string[] };
}
let open: Pair;
let restricted: Pair;
const restrictedPolicy: CorsPolicy = { readOrigins: ['https://maps.example'], writeOrigins: [] };

function pair(cors: CorsPolicy): Pair {
  const lines = { fast: [] as string[], routed: [] as string[] };
  const app = (tileFastPath: boolean, into: string[]) =>
    createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 1_000_000, windowMs: 60_000 }),
      logger: createLogger('debug', (line) => into.push(line)),
      tileCache: cache,
      tileFastPath,
      cors,
    });
  return { fast: app(true, lines.fast), routed: app(false, lines.routed), lines };
}

beforeAll(async () => {
  t = await openTestApp();
  const { rows } = await sql<{ territoryId: string; lon: number; lat: number }>`
    SELECT te.territory_id, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE p.deleted_at IS NULL ORDER BY p.area_ha DESC, p.id LIMIT 1`.execute(t.handle.db);
  territoryId = rows[0]!.territoryId;
  plotTile = tileAt(rows[0]!.lon, rows[0]!.lat, 13);
  version = await dataVersion(t.handle.db);
  open = pair(defaultCorsPolicy);
  restricted = pair(restrictedPolicy);
});
afterAll(async () => t?.close());

const url = (path: string) => `http://localhost${path}`;

/** Status, every header (sorted) and the bytes, as a client sees them. */
async function answer(res: Response) {
  return {
    status: res.status,
    headers: [...res.headers].sort(([a], [b]) => a.localeCompare(b)),
    body: Buffer.from(await res.arrayBuffer()).toString('base64'),
  };
}

/** The last request line each app logged, without its time and duration. */
function lastLines(p: Pair) {
  const strip = (line: string | undefined) => {
    const { time: _time, ms: _ms, ...rest } = JSON.parse(line ?? '{}');
    return rest;
  };
  return [strip(p.lines.fast.at(-1)), strip(p.lines.routed.at(-1))];
}

/** A cache hit: the fast path answers on its own, and as the route does. */
async function expectHit(p: Pair, path: string, init: RequestInit = {}) {
  await p.routed.request(url(path));
  expect(probe(new Request(url(path), init))).toBeDefined();
  const fast = await answer(await p.fast.request(url(path), init));
  const routed = await answer(await p.routed.request(url(path), init));
  expect(fast).toEqual(routed);
  const [fastLine, routedLine] = lastLines(p);
  expect(fastLine).toEqual(routedLine);
  expect(fastLine.message).toBe('request');
  return fast;
}

/** Anything else: the fast path leaves it to the app, which answers as without it. */
async function expectRouted(p: Pair, path: string, init: RequestInit = {}, warm = false) {
  cache.clear();
  if (warm) await p.routed.request(url(path));
  expect(probe(new Request(url(path), init))).toBeUndefined();
  cache.clear();
  if (warm) await p.routed.request(url(path));
  const fast = await answer(await p.fast.request(url(path), init));
  cache.clear();
  if (warm) await p.routed.request(url(path));
  const routed = await answer(await p.routed.request(url(path), init));
  expect(fast).toEqual(routed);
  return fast;
}

const header = (a: { headers: [string, string][] }, name: string) => a.headers.find(([n]) => n === name)?.[1];
const composite = () => `/tiles/${plotTile.z}/${plotTile.x}/${plotTile.y}.mvt`;
const gzip = { headers: { 'accept-encoding': 'gzip' } };

describe('cached tiles answered before the router', () => {
  it('a hit, gzip or not, versioned or not, composite or one layer: the route’s status, headers and bytes', async () => {
    const versioned = await expectHit(open, `${composite()}?v=${version}`, gzip);
    expect(versioned.status).toBe(200);
    expect(header(versioned, 'content-encoding')).toBe('gzip');
    expect(header(versioned, 'cache-control')).toBe('public, max-age=86400, stale-while-revalidate=3600');
    expect(header(versioned, 'x-tile-cache')).toBe('hit');
    expect(header(versioned, 'access-control-allow-origin')).toBe('*');
    const bare = await expectHit(open, composite());
    expect(header(bare, 'content-encoding')).toBeUndefined();
    expect(header(bare, 'cache-control')).toBe('public, no-cache');
    const layer = await expectHit(
      open,
      `/tiles/plots/${plotTile.z}/${plotTile.x}/${plotTile.y}.mvt?v=${version}`,
      gzip,
    );
    expect(layer.status).toBe(200);
    expect(layer.body).not.toBe(versioned.body);
    expect((await expectHit(open, composite(), { method: 'HEAD', ...gzip })).body).toBe('');
  });

  it('an empty tile is a 204, an If-None-Match of its tag a 304 (strong, weak, or in a list)', async () => {
    const empty = tileAt(-140, -30, 10);
    expect((await expectHit(open, `/tiles/${empty.z}/${empty.x}/${empty.y}.mvt?v=${version}`)).status).toBe(204);
    const first = await open.routed.request(url(composite()), gzip);
    const etag = first.headers.get('etag')!;
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await expectHit(open, composite(), { headers: { 'accept-encoding': 'gzip', 'if-none-match': tag } });
      expect(res.status).toBe(304);
      expect(header(res, 'etag')).toBe(etag);
    }
    // The identity representation has its own tag: the gzip one does not match it.
    const other = await expectHit(open, composite(), { headers: { 'if-none-match': etag } });
    expect(other.status).toBe(200);
  });

  it('?territory= and /territories/{id}/tiles hit their own entries', async () => {
    const filtered = await expectHit(open, `${composite()}?territory=${territoryId}&v=${version}`, gzip);
    expect(filtered.status).toBe(200);
    const underPath = await expectHit(
      open,
      `/territories/${territoryId}/tiles/${composite().slice('/tiles/'.length)}`,
      gzip,
    );
    expect(underPath.body).toBe(filtered.body);
    await expectHit(open, `${composite()}?v=${version}&territory=${territoryId}`);
  });

  it('cross-origin headers follow the app’s policy, Vary: Origin included', async () => {
    const allowed = await expectHit(restricted, composite(), { headers: { origin: 'https://maps.example' } });
    expect(header(allowed, 'access-control-allow-origin')).toBe('https://maps.example');
    expect(header(allowed, 'vary')).toBe('accept-encoding, Origin');
    const refused = await expectHit(restricted, composite(), { headers: { origin: 'https://other.example' } });
    expect(header(refused, 'access-control-allow-origin')).toBeUndefined();
    await expectHit(restricted, composite());
  });
});

describe('requests the fast path leaves to the app', () => {
  it('a miss is built by the route (X-Tile-Cache: miss), and so is a URL newer than the entry', async () => {
    expect(header(await expectRouted(open, composite(), gzip), 'x-tile-cache')).toBe('miss');
    const newer = (((await dataVersionMs(t.handle.db)) + 60_000) as number).toString(36);
    expect(header(await expectRouted(open, `${composite()}?v=${newer}`, gzip, true), 'x-tile-cache')).toBe('miss');
  });

  it('a bad z/x/y, layer or query is the route’s problem+json', async () => {
    for (const path of [
      '/tiles/3/9/0.mvt',
      '/tiles/23/0/0.mvt',
      '/tiles/composite/1/0/0.mvt',
      '/tiles/roads/1/0/0.mvt',
      `${composite()}?v=`,
      `${composite()}?v=NOT`,
      `${composite()}?other=1`,
      `${composite()}?v=${version}&v=${version}`,
      `${composite()}?territory=ti-nowhere`,
      `/territories/${territoryId}/tiles/3/9/0.mvt`,
      `/territories/${territoryId}/tiles/${composite().slice('/tiles/'.length)}?territory=${territoryId}`,
    ]) {
      const res = await expectRouted(open, path, gzip, true);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(header(res, 'content-type'), path).toBe('application/problem+json');
    }
  });

  it('a key (a bad one is a 401) or a session cookie goes through authentication', async () => {
    const bad = await expectRouted(open, composite(), { headers: { authorization: 'Bearer fnc_nope' } }, true);
    expect(bad.status).toBe(401);
    const cookie = await expectRouted(open, composite(), { headers: { cookie: 'foncier_session=forged' } }, true);
    expect(cookie.status).toBe(200);
    expect(header(cookie, 'set-cookie')).toContain('foncier_session=;');
  });
});
