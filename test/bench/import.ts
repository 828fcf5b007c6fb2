// Import benchmark (issue #18, target 4: imports at ≥ 0.7× ogr2ogr's features/s), not a test:
//   DATABASE_URL=postgres://… BENCH_PLOTS=100000 npm run bench -- import
//     [--plots N] [--format geojsonl|csv] [--indexes auto|keep|rebuild] [--runs R]
// Needs PostgreSQL: it creates a scratch database next to it, loads the demo catalogue, writes
// N CNIG terrain-eco plots to a GeoJSON Lines (or CSV) file, then, R rounds interleaved (the
// order alternating), imports the file with the real importer (validation, staging by COPY,
// the set-based checks and upsert, the plots' quality warnings) and with
// `ogr2ogr -f PostgreSQL PG:… file` (into a table of its own, recreated each round: GDAL's
// COPY, no checks), printing medians, p95 and their features/s ratio (target ≥ 0.7), with the
// load average. Between rounds the benchmark's plots are deleted and the table vacuumed, so
// every importer round creates N plots. A file this size is a bulk load for the importer
// (importers/bulk-load.ts): --indexes (default `rebuild`, the initial national load this
// benchmark stands for; `auto` is what a plain `foncier import` does) is passed to it.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { cnigHeader } from '../../src/exports/cnig-csv.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { createScratchDatabase } from './scratch-database.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    plots: { type: 'string' },
    format: { type: 'string' },
    indexes: { type: 'string' },
    runs: { type: 'string' },
  },
  strict: true,
});
const total = Number(values.plots ?? process.env.BENCH_PLOTS ?? 100_000);
const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 3);
const format = values.format === 'csv' ? 'csv' : 'geojsonl';
const indexes = (['auto', 'keep', 'rebuild'] as const).find((mode) => mode === (values.indexes ?? 'rebuild'));
if (!indexes) {
  console.error('import benchmark: --indexes must be auto, keep or rebuild');
  process.exit(2);
}

const url = process.env.DATABASE_URL;
if (!url) {
  console.log(
    'import benchmark: set DATABASE_URL to a PostgreSQL/PostGIS server ' +
      '(the figure that matters is on PostgreSQL); skipped',
  );
  process.exit(0);
}

// A database of its own, dropped when the run ends (or fails); never one it did not create.
const scratch = await createScratchDatabase(url, 'foncier_bench_import');
let finished = false;
process.once('exit', () => {
  if (!finished) console.error(`import benchmark: stopped early; drop ${scratch.name} by hand if it is still there`);
});

const handle = openPostgres(scratch.url, 4);
await migrateToLatest(handle.db);
await seedDemoData(handle.db);
const centres = await handle.db
  .selectFrom('sites')
  .select((eb) => [
    'cnigId',
    eb.fn<number>('ST_X', [eb.fn('ST_PointOnSurface', ['geom'])]).as('x'),
    eb.fn<number>('ST_Y', [eb.fn('ST_PointOnSurface', ['geom'])]).as('y'),
  ])
  .execute();

// A deterministic generator: small squares scattered around their site's point.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
function plot(i: number) {
  const site = centres[i % centres.length]!;
  const x = site.x + (random() - 0.5) * 0.02;
  const y = site.y + (random() - 0.5) * 0.02;
  const d = 0.0005;
  const geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + d, y],
        [x + d, y + d],
        [x, y + d],
        [x, y],
      ],
    ],
  };
  return {
    terr_id: `BENCH_TERRAIN-ECO_${String(i).padStart(8, '0')}`,
    site_id: site.cnigId,
    terr_refcad: '',
    terr_surf_brute: 0.2,
    terr_utile: 'oui',
    terr_identif_date: '2024-01-15',
    terr_actu_date: '2025-06-01',
    terr_maitrise_fonc: 'structure intercommunale',
    terr_stade_amngt: 'viabilisé et aménagé',
    terr_stade_comm: i % 3 === 0 ? 'en vente' : 'non commercialisé',
    terr_etat_occup: 'inoccupé',
    terr_usage: 'espace agricole',
    terr_url_cartofriches: '',
    terr_cle_en_main: 'non',
    terr_acquereur: '',
    terr_cession_date: '',
    terr_vente_montant: '',
    terr_m2_prix: 35,
    geometry,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'foncier-import-bench-'));
const file = join(dir, format === 'csv' ? 'terrain-eco.csv' : 'terrain-eco.geojsonl');
const out = createWriteStream(file);
if (format === 'csv') out.write(stringify([cnigHeader('terrain-eco')], { delimiter: ';' }));
for (let i = 0; i < total; i++) {
  const { geometry, ...properties } = plot(i);
  const line =
    format === 'csv'
      ? stringify(
          [
            cnigHeader('terrain-eco').map((name) =>
              name === 'terr_geomsurf'
                ? JSON.stringify(geometry)
                : String(properties[name as keyof typeof properties] ?? ''),
            ),
          ],
          { delimiter: ';' },
        )
      : `${JSON.stringify({ type: 'Feature', properties, geometry })}\n`;
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');

/** The importer, with the time per 2,000 rows read and RSS sampled as rows stream through. */
const phases = new Map<string, number[]>();
async function importerRound(): Promise<{ seconds: number; batchTimes: number[]; rss: number[] }> {
  const batchTimes: number[] = [];
  const rss: number[] = [];
  let last = performance.now();
  const started = performance.now();
  const report = await importCnig(handle.db, 'terrain-eco', file, {
    indexes,
    onPhase: (name, ms) => phases.set(name, [...(phases.get(name) ?? []), ms]),
    onProgress: (n) => {
      if (n % 2_000 !== 0) return;
      const now = performance.now();
      batchTimes.push(now - last);
      last = now;
      if (n % 20_000 === 0) rss.push(process.memoryUsage().rss);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (report.rejected.length > 0 || report.inserted !== total)
    console.log('unexpected report', { inserted: report.inserted, rejected: report.rejected.slice(0, 3) });
  // The next round creates the plots again.
  await sql`DELETE FROM plots WHERE cnig_id LIKE 'BENCH%'`.execute(handle.db);
  await sql`VACUUM ANALYZE plots`.execute(handle.db);
  return { seconds, batchTimes, rss };
}

/** ogr2ogr into a table of its own (GDAL's defaults: COPY, a GiST index), recreated each round. */
async function ogr2ogrRound(): Promise<number> {
  const target = new URL(scratch.url);
  const connection =
    `PG:dbname=${target.pathname.slice(1)} host=${target.hostname} port=${target.port || 5432}` +
    ` user=${decodeURIComponent(target.username)}` +
    (target.password ? ` password=${decodeURIComponent(target.password)}` : '');
  const started = performance.now();
  const child = spawn('ogr2ogr', ['-f', 'PostgreSQL', connection, file, '-nln', 'ogr_terrain_eco', '-overwrite'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number];
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`ogr2ogr exited with ${code}: ${stderr}`);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ogr_terrain_eco`.execute(handle.db);
  if (rows[0]!.n !== total) console.log(`unexpected: ogr2ogr wrote ${rows[0]!.n} rows`);
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)] ?? 0;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

console.log(
  `import ${total} plots from ${format} on PostgreSQL (--indexes ${indexes}), ${runs} rounds interleaved; ` +
    `load average ${load()}`,
);
const importer: number[] = [];
const ogr: number[] = [];
const batchTimes: number[] = [];
const rss: number[] = [];
for (let round = 0; round < runs; round++) {
  // The order alternates, so that neither always runs on the other's leftovers.
  const order = round % 2 === 0 ? ['importer', 'ogr2ogr'] : ['ogr2ogr', 'importer'];
  for (const which of order) {
    if (which === 'importer') {
      const r = await importerRound();
      importer.push(r.seconds);
      batchTimes.push(...r.batchTimes);
      rss.push(...r.rss);
    } else ogr.push(await ogr2ogrRound());
  }
  console.log(
    `  round ${round + 1}: importer ${importer.at(-1)!.toFixed(1)} s (${Math.round(total / importer.at(-1)!)}/s), ` +
      `ogr2ogr ${ogr.at(-1)!.toFixed(1)} s (${Math.round(total / ogr.at(-1)!)}/s), ` +
      `ratio ${(ogr.at(-1)! / importer.at(-1)!).toFixed(2)}; load ${load()}`,
  );
}
const [i, o] = [median(importer), median(ogr)];
console.log(
  `  importer: median ${i.toFixed(1)} s, p95 ${p95(importer).toFixed(1)} s, ${Math.round(total / i)} features/s; ` +
    `per 2,000 rows read median ${median(batchTimes).toFixed(0)} ms, p95 ${p95(batchTimes).toFixed(0)} ms`,
);
console.log(`  ogr2ogr:  median ${o.toFixed(1)} s, p95 ${p95(ogr).toFixed(1)} s, ${Math.round(total / o)} features/s`);
console.log(
  `  importer phases (medians): ${[...phases].map(([name, ms]) => `${name} ${(median(ms) / 1000).toFixed(2)} s`).join('; ')}`,
);
console.log(`  RSS every 20,000 rows: ${rss.length ? `${mb(Math.min(...rss))} … ${mb(Math.max(...rss))}` : 'n/a'}`);
console.log(
  `  ratio importer / ogr2ogr features/s: ${(o / i).toFixed(2)} (target ≥ 0.7), medians of ${runs}; ` +
    `load average ${load()}`,
);

await handle.close();
await scratch.drop();
finished = true;
rmSync(dir, { recursive: true, force: true });
