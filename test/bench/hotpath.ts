// The tile hot path (issue #18, target 3):
//   DATABASE_URL=postgres://… BENCH_PLOTS=100000 npm run bench -- hotpath
// On PostgreSQL/PostGIS, over the densest territory, BENCH_ROUNDS interleaved rounds (3) of:
//   1. a cached composite tile of ~1 KB and one of ~20 KB (gzip bytes on the wire, picked from the
//      catalogue): wrk -t2 -c50 -dBENCH_SECONDS s against Foncier's Node server (the same server
//      as src/server.ts) and against a bare Hono app on @hono/node-server answering the same bytes
//      with the same headers (the ceiling); req/s, p99 and their ratio (target ≥ 0.6); and the
//      same app with its fast path off (tileFastPath: false: every tile through its route);
//   2. uncached tiles: 20 wrk connections requesting distinct composite tiles z11-z14 over the
//      territory through Foncier with its tile cache off, against 20 `pg` connections running the
//      same ST_AsMVT statements directly (each connection its tile's statements in turn); tiles/s,
//      p99 and their ratio (target ≥ 0.8). Clients ask for gzip, as MapLibre does
//      (BENCH_GZIP=0: identity); with gzip, also against the raw statements followed by zlib's
//      gzip of each tile (what any server owes such a client), run right after. Foncier sheds
//      gzip as src/server.ts does (a tile just built goes out plain while the machine's CPU is
//      ≥ 90 % busy; the share sent plain is printed), and runs again never shedding.
// The order of the two sides alternates between rounds; `uptime`'s load is printed with each.
// Medians over the rounds; BENCH_ONLY=cached or uncached runs one half. BENCH_POOL sets Foncier's pool (default: DATABASE_POOL_MAX's, 10).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as zlibGzip } from 'node:zlib';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { machineCpuLoad, shedAbove } from '../../src/http/cpu-load.js';
import { openPostgres } from '../../src/db/open.js';
import { createNodeServer, listen } from '../../src/http/node-server.js';
import { tileLayers } from '../../src/tiles/layers.js';
import { asMvtStatement } from '../../src/tiles/sources.js';
import { dataVersion } from '../../src/tiles/versions.js';
import { tileAt, type TileCoord } from '../../tiles/tile-math.js';
import { densestTerritory, ensureCatalogue } from './catalogue-data.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the hotpath benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const poolMax = Number(process.env.BENCH_POOL ?? 10);
const gzip = process.env.BENCH_GZIP !== '0';
// BENCH_ONLY=cached or uncached: one half of the bench.
const only = process.env.BENCH_ONLY;
const clients = 20;
const gzipAsync = promisify(zlibGzip);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

const handle = openPostgres(url, poolMax);
const plotCount = await ensureCatalogue(handle.db, targetPlots);
const { territory, plots: territoryPlots } = await densestTerritory(handle.db);
const version = await dataVersion(handle.db);
const { rows: points } = await sql<{ lon: number; lat: number }>`
  SELECT ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
  FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
  WHERE te.territory_id = ${territory} AND p.deleted_at IS NULL
  ORDER BY p.cnig_id LIMIT 20000`.execute(handle.db);
console.log(
  `database: ${plotCount} plots; densest territory ${territory} (${territoryPlots} plots); ` +
    `${rounds} rounds of ${seconds} s; Foncier pool ${poolMax}; ${gzip ? 'gzip' : 'identity'}; ${load()}`,
);

const tilePath = (q: TileCoord) => `/tiles/${q.z}/${q.x}/${q.y}.mvt`;
const distinct = (tiles: TileCoord[]) => [...new Map(tiles.map((q) => [tilePath(q), q])).values()];
const encodingHeaders: Record<string, string> = gzip ? { 'accept-encoding': 'gzip' } : {};

// Foncier as src/server.ts serves it: the app on http/node-server.ts, the tile cache on.
const cachedApp = createApp({ db: handle.db, backend: 'postgres', tileCacheBytes: 512 * 1024 * 1024 });
const cachedServer = createNodeServer(cachedApp.fetch);
const cachedPort = (await listen(cachedServer, 0, '127.0.0.1')).port;

/** A GET's status, headers and body as sent (fetch would gunzip the body, not the headers). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string>; bytes: Uint8Array }>((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const kept: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (typeof value === 'string' && !['date', 'content-length', 'connection', 'keep-alive'].includes(name))
            kept[name] = value;
        resolve({ status: res.statusCode ?? 0, headers: kept, bytes: new Uint8Array(Buffer.concat(chunks)) });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** The cached tile whose bytes on the wire come nearest `target`, and its response headers. */
async function pickTile(target: number, candidates: TileCoord[]) {
  let best: { path: string; bytes: Uint8Array; headers: Record<string, string> } | undefined;
  for (const q of candidates) {
    const path = `${tilePath(q)}?v=${version}`;
    const res = await rawGet(`http://127.0.0.1:${cachedPort}${path}`, encodingHeaders);
    if (res.status !== 200) continue;
    if (!best || Math.abs(res.bytes.byteLength - target) < Math.abs(best.bytes.byteLength - target))
      best = { path, bytes: res.bytes, headers: res.headers };
  }
  if (!best) throw new Error('no tile found');
  return best;
}

// z10-z18 in the territory and anywhere (at 1M plots an z18 tile of the densest territory is still 4 KB).
const { rows: anywhere } = await sql<{ lon: number; lat: number }>`
  SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
  FROM plots WHERE deleted_at IS NULL ORDER BY cnig_id LIMIT 90`.execute(handle.db);
const candidates = distinct(
  [...points.slice(0, 270), ...anywhere].map((p, i) => tileAt(p.lon, p.lat, 10 + (i % 9))),
).slice(0, 200);
const cachedTiles =
  only === 'uncached'
    ? []
    : [
        { label: '~1 KB', ...(await pickTile(1024, candidates)) },
        { label: '~20 KB', ...(await pickTile(20 * 1024, candidates)) },
      ];

// The same app with every tile through its route (no fast path): what the fast path gains.
const routedApp = createApp({ db: handle.db, backend: 'postgres', tileFastPath: false });
const routedServer = createNodeServer(routedApp.fetch);
const routedPort = (await listen(routedServer, 0, '127.0.0.1')).port;
for (const t of cachedTiles)
  await fetch(`http://127.0.0.1:${routedPort}${t.path}`, { headers: encodingHeaders }).then((r) => r.arrayBuffer());

// The ceiling: bare Hono on @hono/node-server, the same bytes and headers from a Map.
const bare = new Hono();
const bareBodies = new Map(cachedTiles.map((t) => [t.path.split('?')[0]!, t]));
bare.get('*', (c) => {
  const tile = bareBodies.get(c.req.path);
  if (!tile) return c.body(null, 404);
  return c.body(tile.bytes as Uint8Array<ArrayBuffer>, 200, tile.headers);
});
const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => bareServer.once('listening', resolve));
const barePort = (bareServer.address() as { port: number }).port;

// Uncached: Foncier with its tile cache off, on its own server, shedding gzip as src/server.ts does
// (FONCIER_TILE_GZIP_MAX_CPU's default), the tiles it sent plain counted; and the same app never
// shedding (every tile gzipped), on another server.
const shedding = { plain: 0, gzip: 0 };
const shedAtDefault = shedAbove(machineCpuLoad(), loadConfig({}).tileGzipMaxCpu);
const uncachedApp = createApp({
  db: handle.db,
  backend: 'postgres',
  tileCacheBytes: 0,
  shedTileGzip: () => {
    const shed = shedAtDefault();
    shedding[shed ? 'plain' : 'gzip']++;
    return shed;
  },
});
const uncachedServer = createNodeServer(uncachedApp.fetch);
const uncachedPort = (await listen(uncachedServer, 0, '127.0.0.1')).port;
const alwaysGzipApp = createApp({ db: handle.db, backend: 'postgres', tileCacheBytes: 0 });
const alwaysGzipServer = createNodeServer(alwaysGzipApp.fetch);
const alwaysGzipPort = (await listen(alwaysGzipServer, 0, '127.0.0.1')).port;
const random = (() => {
  let s = 7;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
})();
const uncachedTiles = distinct(points.flatMap((p) => [11, 12, 13, 14].map((z) => tileAt(p.lon, p.lat, z))))
  .map((q) => ({ q, k: random() }))
  .sort((a, b) => a.k - b.k)
  .map(({ q }) => q);
const compiled = uncachedTiles.map((q) =>
  tileLayers
    .filter((l) => q.z >= l.minzoom && q.z <= l.maxzoom)
    .map((l) => asMvtStatement(l, { ...q, territory: undefined }).compile(handle.db)),
);

const workDir = mkdtempSync(join(tmpdir(), 'foncier-hotpath-'));
// Each wrk thread walks the list from its own offset: every request a distinct tile.
const script = join(workDir, 'tiles.lua');
writeFileSync(
  script,
  `local paths = {${uncachedTiles.map((q) => `"${tilePath(q)}"`).join(',')}}
local threads = 0
function setup(thread) thread:set("offset", threads * 100000) threads = threads + 1 end
local i = 0
function request()
  i = i + 1
  return wrk.format("GET", paths[((offset or 0) + i) % #paths + 1]${gzip ? ', { ["Accept-Encoding"] = "gzip" }' : ''})
end
`,
);

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  /** Bytes a second on the wire (wrk's Transfer/sec; unknown for the raw side). */
  transfer?: string;
}

function parseWrk(out: string): Run {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = { us: 0.001, ms: 1, s: 1000 }[p99?.[2] as 'ms'] ?? Number.NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p99: Number(p99?.[1]) * unit, non2xx, transfer: /Transfer\/sec:\s+(\S+)/.exec(out)?.[1] };
}

/** wrk in its own process (it does not share this event loop with the servers). */
function wrk(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['--latency', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', () => resolve(parseWrk(out)));
  });
}

const cachedRun = (port: number, path: string) =>
  wrk([
    '-t2',
    '-c50',
    `-d${seconds}s`,
    ...(gzip ? ['-H', 'Accept-Encoding: gzip'] : []),
    `http://127.0.0.1:${port}${path}`,
  ]);

const uncachedRun = (port = uncachedPort) =>
  wrk(['-t2', `-c${clients}`, `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}`]);

/** The share of the tiles built during `run` that went out plain to a client asking for gzip. */
async function plainShare<T>(run: () => Promise<T>): Promise<[T, number]> {
  const before = { ...shedding };
  const result = await run();
  const plain = shedding.plain - before.plain;
  return [result, plain / Math.max(1, plain + shedding.gzip - before.gzip)];
}

/** 20 pg connections, each taking the next tile and running its statements in turn, for `seconds`. */
async function rawRun(offset: number, compress = false): Promise<Run> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
      await client.connect();
      return client;
    }),
  );
  const latencies: number[] = [];
  let next = offset;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    connections.map(async (client) => {
      while (performance.now() < until) {
        const statements = compiled[next++ % compiled.length]!;
        const begun = performance.now();
        const parts: Buffer[] = [];
        for (const c of statements) {
          const { rows } = await client.query(c.sql, c.parameters as unknown[]);
          if (rows[0]?.mvt) parts.push(rows[0].mvt as Buffer);
        }
        const tile = Buffer.concat(parts);
        if (compress) await gzipAsync(tile);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(connections.map((c) => c.end()));
  return { rps: latencies.length / elapsed, p99: quantile(latencies, 0.99), non2xx: 0 };
}

const fmt = (r: Run) =>
  `${Math.round(r.rps)}/s p99 ${r.p99.toFixed(1)} ms${r.transfer ? ` ${r.transfer}/s` : ''}${r.non2xx ? ` (${r.non2xx} non-2xx)` : ''}`;
const results = new Map<string, { foncier: Run[]; reference: Run[]; ratios: number[] }>();
const record = (name: string, foncier: Run, reference: Run) => {
  const entry = results.get(name) ?? { foncier: [], reference: [], ratios: [] };
  entry.foncier.push(foncier);
  entry.reference.push(reference);
  entry.ratios.push(foncier.rps / reference.rps);
  results.set(name, entry);
  console.log(
    `  ${name}: Foncier ${fmt(foncier)}, reference ${fmt(reference)}, ratio ${(foncier.rps / reference.rps).toFixed(2)}`,
  );
};

for (const t of cachedTiles)
  console.log(`cached tile ${t.label}: ${t.path}, ${t.bytes.byteLength} bytes${gzip ? ' gzip' : ''}`);
console.log(`uncached: ${uncachedTiles.length} distinct composite tiles z11-z14`);

for (let round = 0; round < rounds; round++) {
  console.log(`round ${round + 1} (${load()})`);
  const foncierFirst = round % 2 === 0;
  for (const t of cachedTiles) {
    const foncier = () => cachedRun(cachedPort, t.path);
    const ceiling = () => cachedRun(barePort, t.path);
    const routed = () => cachedRun(routedPort, t.path);
    const [f, b, r] = foncierFirst
      ? [await foncier(), await ceiling(), await routed()]
      : [await routed(), await ceiling(), await foncier()].reverse();
    record(`cached ${t.label} vs bare Hono`, f!, b!);
    record(`cached ${t.label}, fast path off, vs bare Hono`, r!, b!);
  }
  if (only === 'cached') continue;
  const offset = round * 3000;
  let foncier: [Run, number];
  let r: Run;
  if (foncierFirst) {
    foncier = await plainShare(() => uncachedRun());
    r = await rawRun(offset);
  } else {
    r = await rawRun(offset);
    foncier = await plainShare(() => uncachedRun());
  }
  const [f, plain] = foncier;
  record(`uncached, ${clients} clients vs raw pg`, f, r);
  if (!gzip) continue;
  console.log(`    (${(plain * 100).toFixed(0)} % of the tiles built sent plain: gzip shed at the CPU's load)`);
  // Never shedding, every tile gzipped: against raw pg, and against what any server owes a
  // client asking for gzip, the same statements followed by zlib's gzip.
  const g = await uncachedRun(alwaysGzipPort);
  record(`uncached, ${clients} clients, always gzip, vs raw pg`, g, r);
  record(`uncached, ${clients} clients, always gzip, vs raw pg + gzip`, g, await rawRun(offset + 1500, true));
}

console.log(`medians over ${rounds} rounds (${load()}):`);
for (const [name, { foncier, reference, ratios }] of results) {
  console.log(
    `  ${name}: Foncier ${Math.round(median(foncier.map((r) => r.rps)))}/s p99 ${median(foncier.map((r) => r.p99)).toFixed(1)} ms; ` +
      `reference ${Math.round(median(reference.map((r) => r.rps)))}/s p99 ${median(reference.map((r) => r.p99)).toFixed(1)} ms; ` +
      `ratio ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}; ` +
      `target ${name.startsWith('cached') ? '≥ 0.6' : '≥ 0.8'})`,
  );
}
console.log(execFileSync('uptime').toString().trim());

rmSync(workDir, { recursive: true, force: true });
await Promise.all(
  [cachedServer, routedServer, bareServer, uncachedServer, alwaysGzipServer].map(
    (s) => new Promise((resolve) => s.close(() => resolve(null))),
  ),
);
await handle.close();
