// Vector tile benchmark (issue 5):
//   DATABASE_URL=postgres://… BENCH_PLOTS=1000000 npm run bench -- tiles
// On PostgreSQL/PostGIS, over the densest territory, a fixed list of 500 composite tiles
// z6-z16 (seeded, around its plots):
//   1. through the API (app.request, tile cache off) against the same three ST_AsMVT
//      statements run directly through `pg`, concurrently as the API runs them: p50, p95, ratio;
//   2. cached tiles: requests/s from autocannon against a Node server on 127.0.0.1, and against
//      bare Hono serving the same bytes (the ceiling), their ratio;
//   3. the embedded database (PGlite, BENCH_PGLITE_PLOTS generated plots, in memory): median
//      time per tile with the TypeScript encoder (BENCH_PGLITE_PLOTS=0 skips it).
// Prints the largest tile too (the bound: 500 KB on 1M plots).
import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/schema.js';
import { openPGlite, openPostgres } from '../../src/db/open.js';
import { createRandom } from '../../src/fixtures/random.js';
import { tileLayers } from '../../src/tiles/layers.js';
import { asMvtStatement, createTileSources } from '../../src/tiles/sources.js';
import { tileAt, type TileCoord } from '../../tiles/tile-math.js';
import { densestTerritory, ensureCatalogue } from './catalogue-data.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the tiles benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 1_000_000);
const pglitePlots = Number(process.env.BENCH_PGLITE_PLOTS ?? 20_000);
const tileCount = Number(process.env.BENCH_TILES ?? 500);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (v: number) => `${v.toFixed(2)} ms`;

/** 500 tiles z6-z16 around the plots of the territory with the most plots. */
async function tileList(db: Kysely<Database>): Promise<{ territory: string; plots: number; tiles: TileCoord[] }> {
  const { territory, plots } = await densestTerritory(db);
  const { rows: points } = await sql<{ lon: number; lat: number }>`
    SELECT ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territory} ORDER BY p.cnig_id LIMIT 5000`.execute(db);
  const random = createRandom(5);
  const tiles: TileCoord[] = [];
  for (let i = 0; i < tileCount; i++) {
    const { lon, lat } = random.pick(points);
    tiles.push(tileAt(lon, lat, 6 + (i % 11)));
  }
  return { territory, plots, tiles };
}

// 1. API (cache off) against raw ST_AsMVT through pg.
const handle = openPostgres(url, 10);
const plotCount = await ensureCatalogue(handle.db, targetPlots);
const { territory, plots: territoryPlots, tiles } = await tileList(handle.db);
console.log(
  `database: ${plotCount} plots; densest territory ${territory} (${territoryPlots} plots); ` +
    `${tiles.length} composite tiles z6-z16`,
);

const apiOff = createApp({ db: handle.db, backend: 'postgres', tileCacheBytes: 0 });
// Same session settings as the API's pool (src/db/open.ts): JIT off.
const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c jit=off' });
const compiled = tiles.map((q) =>
  tileLayers.filter((l) => q.z >= l.minzoom && q.z <= l.maxzoom).map((l) => asMvtStatement(l, q).compile(handle.db)),
);

// Warm both paths once (plans, caches of the OS and of PostgreSQL).
for (const [i, q] of tiles.entries()) {
  await apiOff.request(`http://localhost/tiles/${q.z}/${q.x}/${q.y}.mvt`);
  await Promise.all(compiled[i]!.map((c) => pool.query(c.sql, c.parameters as unknown[])));
}
const api: number[] = [];
const raw: number[] = [];
let largest = 0;
let largestTile = '';
for (let round = 0; round < 2; round++) {
  for (const [i, q] of tiles.entries()) {
    // Alternate which path goes first so that neither always meets a warmer cache.
    const runApi = async () => {
      const started = performance.now();
      const res = await apiOff.request(`http://localhost/tiles/${q.z}/${q.x}/${q.y}.mvt`);
      const bytes = res.status === 200 ? (await res.arrayBuffer()).byteLength : 0;
      api.push(performance.now() - started);
      if (bytes > largest) [largest, largestTile] = [bytes, `${q.z}/${q.x}/${q.y}`];
    };
    const runRaw = async () => {
      const started = performance.now();
      const results = await Promise.all(compiled[i]!.map((c) => pool.query(c.sql, c.parameters as unknown[])));
      Buffer.concat(results.map((r) => (r.rows[0]?.mvt as Buffer | null) ?? Buffer.alloc(0)));
      raw.push(performance.now() - started);
    };
    if ((i + round) % 2 === 0) {
      await runApi();
      await runRaw();
    } else {
      await runRaw();
      await runApi();
    }
  }
}
const [apiP50, apiP95, rawP50, rawP95] = [
  quantile(api, 0.5),
  quantile(api, 0.95),
  quantile(raw, 0.5),
  quantile(raw, 0.95),
];
console.log(`API, cache off   p50 ${ms(apiP50)}  p95 ${ms(apiP95)}  (${api.length} requests)`);
console.log(`raw ST_AsMVT/pg  p50 ${ms(rawP50)}  p95 ${ms(rawP95)}  (${raw.length} runs)`);
console.log(
  `API overhead ratio  p50 ${(apiP50 / rawP50).toFixed(3)}  p95 ${(apiP95 / rawP95).toFixed(3)}  (target ≤ 1.2)`,
);
console.log(`largest tile: ${(largest / 1024).toFixed(1)} KB (${largestTile})`);
await pool.end();

// 2. Cached tiles over HTTP.
const apiCached = createApp({ db: handle.db, backend: 'postgres', tileCacheBytes: 512 * 1024 * 1024 });
const server = serve({ fetch: apiCached.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
const port = (server.address() as { port: number }).port;
const paths = tiles.map((q) => `/tiles/${q.z}/${q.x}/${q.y}.mvt`);
for (const path of paths) await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.arrayBuffer());
const result = await autocannon({
  url: `http://127.0.0.1:${port}`,
  connections: 20,
  duration: seconds,
  requests: paths.map((path) => ({ method: 'GET', path, headers: { 'accept-encoding': 'gzip' } })),
});
console.log(
  `cached tiles over HTTP (autocannon, 20 connections, ${seconds} s, gzip): ` +
    `${Math.round(result.requests.average)} req/s average, ` +
    `latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms, ` +
    `${result.non2xx} non-2xx of ${result.requests.total}`,
);
await new Promise((resolve) => server.close(resolve));

// The ceiling: bare Hono answering the same gzipped bytes from a Map, nothing else (issue #18,
// target 3: Foncier's cached tiles at ≥ 0.6× of it), measured right after, with the same load.
const bodies = new Map<string, Uint8Array>();
for (const path of paths) {
  const res = await apiCached.request(`http://localhost${path}`, { headers: { 'accept-encoding': 'gzip' } });
  if (res.status === 200) bodies.set(path, new Uint8Array(await res.arrayBuffer()));
}
const bare = new Hono();
bare.get('*', (c) => {
  const body = bodies.get(c.req.path);
  if (!body) return c.body(null, 204);
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    'content-type': 'application/vnd.mapbox-vector-tile',
    'content-encoding': 'gzip',
  });
});
const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => bareServer.once('listening', resolve));
const bareResult = await autocannon({
  url: `http://127.0.0.1:${(bareServer.address() as { port: number }).port}`,
  connections: 20,
  duration: seconds,
  requests: paths.map((path) => ({ method: 'GET', path, headers: { 'accept-encoding': 'gzip' } })),
});
console.log(
  `bare Hono, same bytes: ${Math.round(bareResult.requests.average)} req/s; ` +
    `Foncier cached / bare ${(result.requests.average / bareResult.requests.average).toFixed(2)} (target ≥ 0.6)`,
);
await new Promise((resolve) => bareServer.close(resolve));
await handle.close();

// 3. The embedded database with the TypeScript encoder.
if (pglitePlots > 0) {
  console.log(`embedded PGlite: seeding and generating ${pglitePlots} plots in memory…`);
  const embedded = await openPGlite(undefined);
  const embeddedPlots = await ensureCatalogue(embedded.db, pglitePlots);
  const embeddedList = await tileList(embedded.db);
  const sources = createTileSources(embedded.db, 'typescript', null);
  const times: number[] = [];
  for (const q of embeddedList.tiles.slice(0, 200)) {
    const started = performance.now();
    await sources.composite.tile(q.z, q.x, q.y);
    times.push(performance.now() - started);
  }
  console.log(
    `embedded PGlite (${embeddedPlots} plots; ${embeddedList.territory} has ${embeddedList.plots}), ` +
      `TypeScript encoder, 200 composite tiles z6-z16: ` +
      `p50 ${ms(quantile(times, 0.5))}  p95 ${ms(quantile(times, 0.95))}`,
  );
  await embedded.close();
}
