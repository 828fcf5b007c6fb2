// Low-zoom tiles from the pre-aggregated cluster cells (issue #18, target 2):
//   DATABASE_URL=postgres://… BENCH_PLOTS=1000000 npm run bench -- low-zooms
// On PostgreSQL/PostGIS, every figure a ratio against a baseline measured in the same run,
// interleaved (the order alternates), medians and p95, with the load printed:
//   1. composite tiles z5–z10 uncached (national and of the densest territory): through the API
//      (tile cache off, the cells), the layers' ST_AsMVT statements from the cells through `pg`,
//      and the same statements aggregating the members (the on-the-fly baseline);
//   2. one plot write and one site write (a statement in a rolled-back transaction) with the
//      cluster triggers against the same write with them disabled;
//   3. `foncier fixtures` (generateFixtures, BENCH_FIXTURE_PLOTS plots into a scratch database)
//      with the triggers against without them plus one rebuild of the cells at the end
//      (BENCH_FIXTURE_PLOTS=0 skips it).
import { loadavg } from 'node:os';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/schema.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { generateFixtures } from '../../src/fixtures/generate.js';
import { createRandom } from '../../src/fixtures/random.js';
import { tileLayers } from '../../src/tiles/layers.js';
import { asMvtStatement } from '../../src/tiles/sources.js';
import { tileAt, type TileCoord } from '../../tiles/tile-math.js';
import { densestTerritory, ensureCatalogue } from './catalogue-data.js';
import { createScratchDatabase } from './scratch-database.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the low-zooms benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 1_000_000);
const tileCount = Number(process.env.BENCH_TILES ?? 60);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const writes = Number(process.env.BENCH_WRITES ?? 60);
const fixturePlots = Number(process.env.BENCH_FIXTURE_PLOTS ?? 20_000);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (v: number) => `${v.toFixed(2)} ms`;
const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const summary = (name: string, v: number[]) =>
  `${name.padEnd(28)} p50 ${ms(quantile(v, 0.5))}  p95 ${ms(quantile(v, 0.95))}  (${v.length})`;

/** Alternates which of two runs goes first, so that neither always meets a warmer cache. */
async function interleaved(i: number, runs: (() => Promise<void>)[]) {
  const order = i % 2 === 0 ? runs : [...runs].reverse();
  for (const run of order) await run();
}

const handle = openPostgres(url, 10);
const db: Kysely<Database> = handle.db;
const plotCount = await ensureCatalogue(db, targetPlots);
const { territory, plots: territoryPlots } = await densestTerritory(db);
const { rows: points } = await sql<{ lon: number; lat: number }>`
  SELECT ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
  FROM plots p TABLESAMPLE SYSTEM (1) REPEATABLE (5) WHERE p.deleted_at IS NULL LIMIT 5000`.execute(db);
const random = createRandom(5);
const tiles: { q: TileCoord; territory?: string }[] = [];
for (let i = 0; i < tileCount; i++) {
  const { lon, lat } = random.pick(points);
  tiles.push({ q: tileAt(lon, lat, 5 + (i % 6)), territory: i % 3 === 2 ? territory : undefined });
}
console.log(
  `database: ${plotCount} plots; densest territory ${territory} (${territoryPlots} plots); ` +
    `${tiles.length} composite tiles z5–z10 (a third of them ?territory=${territory}); ${load()}`,
);

// 1. Composite tiles.
const apiOff = createApp({ db, backend: 'postgres', tileCacheBytes: 0 });
const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c jit=off' });
const statements = (clusters: 'cells' | 'members') =>
  tiles.map(({ q, territory }) =>
    tileLayers
      .filter((l) => q.z >= l.minzoom && q.z <= l.maxzoom)
      .map((l) => asMvtStatement(l, { ...q, territory, clusters }).compile(db)),
  );
const fromCells = statements('cells');
const fromMembers = statements('members');
const composite = async (compiled: { sql: string; parameters: readonly unknown[] }[]) => {
  const results = await Promise.all(compiled.map((c) => pool.query(c.sql, c.parameters as unknown[])));
  return Buffer.concat(results.map((r) => (r.rows[0]?.mvt as Buffer | null) ?? Buffer.alloc(0)));
};
const path = ({ q, territory }: { q: TileCoord; territory?: string }) =>
  `http://localhost/tiles/${q.z}/${q.x}/${q.y}.mvt${territory ? `?territory=${territory}` : ''}`;

let differing = 0;
for (const [i, tile] of tiles.entries()) {
  // Warm every path once, and check on the way that both give the same bytes.
  await apiOff.request(path(tile));
  const [a, b] = [await composite(fromCells[i]!), await composite(fromMembers[i]!)];
  if (!a.equals(b)) differing++;
}
console.log(`same bytes from the cells and from the members: ${tiles.length - differing}/${tiles.length} tiles`);

const times = { api: [] as number[], cells: [] as number[], members: [] as number[] };
const byZoom = new Map<number, { api: number[]; cells: number[]; members: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const [i, tile] of tiles.entries()) {
    const zoom = byZoom.get(tile.q.z) ?? { api: [], cells: [], members: [] };
    byZoom.set(tile.q.z, zoom);
    const timed = (into: number[][], run: () => Promise<unknown>) => async () => {
      const started = performance.now();
      await run();
      for (const list of into) list.push(performance.now() - started);
    };
    await interleaved(i + round, [
      timed([times.api, zoom.api], async () => (await apiOff.request(path(tile))).arrayBuffer()),
      timed([times.cells, zoom.cells], () => composite(fromCells[i]!)),
      timed([times.members, zoom.members], () => composite(fromMembers[i]!)),
    ]);
  }
}
console.log(`composite tiles z5–z10, uncached (${load()}):`);
console.log(summary('API (cells), cache off', times.api));
console.log(summary('ST_AsMVT from the cells', times.cells));
console.log(summary('ST_AsMVT from the members', times.members));
console.log(
  `ratio members / cells  p50 ${(quantile(times.members, 0.5) / quantile(times.cells, 0.5)).toFixed(1)}  ` +
    `p95 ${(quantile(times.members, 0.95) / quantile(times.cells, 0.95)).toFixed(1)}; ` +
    `API p95 ${ms(quantile(times.api, 0.95))} (target ≤ 50 ms)`,
);
for (const [z, v] of [...byZoom].sort((a, b) => a[0] - b[0]))
  console.log(
    `  z${z}: API p50 ${ms(quantile(v.api, 0.5))} p95 ${ms(quantile(v.api, 0.95))}; ` +
      `cells p50 ${ms(quantile(v.cells, 0.5))} p95 ${ms(quantile(v.cells, 0.95))}; ` +
      `members p50 ${ms(quantile(v.members, 0.5))} p95 ${ms(quantile(v.members, 0.95))}`,
  );
const belowTen = [...byZoom].filter(([z]) => z < 10).flatMap(([, v]) => v.api);
console.log(`API z5–z9 only  p50 ${ms(quantile(belowTen, 0.5))}  p95 ${ms(quantile(belowTen, 0.95))}`);
// z10 without the territories: since sql/018 every other layer is clusters there (sites too).
const clusterLayersAtTen = tiles
  .filter((t) => t.q.z === 10)
  .map(({ q, territory }) =>
    tileLayers
      .filter((l) => q.z >= l.minzoom && q.z < l.clusterBelow)
      .map((l) => asMvtStatement(l, { ...q, territory }).compile(db)),
  );
const clusterTimes: number[] = [];
for (let round = 0; round < rounds; round++)
  for (const compiled of clusterLayersAtTen) {
    const started = performance.now();
    await composite(compiled);
    clusterTimes.push(performance.now() - started);
  }
console.log(summary('z10 cluster layers only', clusterTimes));
await pool.end();

// 2. One write with and without the cluster triggers, each in a transaction rolled back.
const clusterTriggers = { plots: 'plots_cluster_update', sites: 'sites_cluster_update' } as const;
async function timedWrite(table: 'plots' | 'sites', id: string, triggers: boolean): Promise<number> {
  let elapsed = 0;
  await db
    .transaction()
    .execute(async (trx) => {
      if (!triggers)
        await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER ${sql.id(clusterTriggers[table])}`.execute(trx);
      const started = performance.now();
      if (table === 'plots')
        await sql`UPDATE plots SET geom = ST_Translate(geom, 0.01, 0.005),
            marketing_stage = CASE marketing_stage WHEN 'en vente' THEN 'vendu, commercialisation achevée' ELSE 'en vente' END
          WHERE id = ${id}`.execute(trx);
      else
        await sql`UPDATE sites SET geom = ST_Translate(geom, 0.01, 0.005),
            label_status = CASE WHEN label_status = 'labelled' THEN NULL ELSE 'labelled' END
          WHERE id = ${id}`.execute(trx);
      elapsed = performance.now() - started;
      throw new RolledBack();
    })
    .catch((error) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return elapsed;
}
class RolledBack extends Error {}

for (const table of ['plots', 'sites'] as const) {
  const ids = (
    await sql<{ id: string }>`SELECT id::text AS id FROM ${sql.table(table)} TABLESAMPLE SYSTEM (1) REPEATABLE (7)
      WHERE deleted_at IS NULL LIMIT ${writes}`.execute(db)
  ).rows.map((r) => r.id);
  const withTriggers: number[] = [];
  const without: number[] = [];
  for (const [i, id] of ids.entries())
    await interleaved(i, [
      async () => void withTriggers.push(await timedWrite(table, id, true)),
      async () => void without.push(await timedWrite(table, id, false)),
    ]);
  console.log(`one ${table === 'plots' ? 'plot' : 'site'} write (geometry and an aggregated column), ${load()}:`);
  console.log(summary('  with the cluster triggers', withTriggers));
  console.log(summary('  without', without));
  console.log(
    `  ratio p50 ${(quantile(withTriggers, 0.5) / quantile(without, 0.5)).toFixed(2)}  ` +
      `p95 ${(quantile(withTriggers, 0.95) / quantile(without, 0.95)).toFixed(2)}`,
  );
}
await handle.close();

// 3. Fixtures throughput with the triggers against without them and one rebuild.
if (fixturePlots > 0) {
  const rates = { triggers: [] as number[], rebuild: [] as number[] };
  for (let round = 0; round < 2; round++) {
    await interleaved(round, [
      async () => void rates.triggers.push(await fixtureRate(true)),
      async () => void rates.rebuild.push(await fixtureRate(false)),
    ]);
  }
  const median = (v: number[]) => quantile(v, 0.5);
  console.log(`fixtures, ${fixturePlots} plots into a fresh database, ${load()}:`);
  console.log(`  with the cluster triggers       ${rates.triggers.map((r) => r.toFixed(0)).join(', ')} plots/s`);
  console.log(`  triggers off, one rebuild after ${rates.rebuild.map((r) => r.toFixed(0)).join(', ')} plots/s`);
  console.log(`  ratio ${(median(rates.triggers) / median(rates.rebuild)).toFixed(2)}`);
}

async function fixtureRate(triggers: boolean): Promise<number> {
  const scratch = await createScratchDatabase(url!, 'foncier_bench_cells');
  const own = openPostgres(scratch.url, 4);
  try {
    await migrateToLatest(own.db);
    await seedDemoData(own.db);
    const names = ['insert', 'update', 'delete'].flatMap((op) => [`sites_cluster_${op}`, `plots_cluster_${op}`]);
    if (!triggers)
      for (const name of names)
        await sql`ALTER TABLE ${sql.table(name.startsWith('sites') ? 'sites' : 'plots')} DISABLE TRIGGER ${sql.id(name)}`.execute(
          own.db,
        );
    const started = performance.now();
    await generateFixtures(own.db, { plots: fixturePlots });
    if (!triggers) await sql`SELECT foncier_cluster_cells_rebuild()`.execute(own.db);
    return fixturePlots / ((performance.now() - started) / 1000);
  } finally {
    await own.close();
    await scratch.drop();
  }
}
