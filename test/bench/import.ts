// Import benchmark (not a test):
// `npm run bench -- import [--plots N] [--format geojsonl|csv] [--indexes auto|keep|rebuild]`.
// Needs PostgreSQL (DATABASE_URL): it creates a scratch database next to it, loads the demo
// catalogue, writes N CNIG terrain-eco plots to a GeoJSON Lines (or CSV) file and imports them
// with the real importer (validation, geometry checks, upsert), sampling the batch times and
// the process RSS. The baseline is the same rows inserted through `pg` with one plain
// INSERT … SELECT FROM json_to_recordset per batch (no validation, indexes maintained row by
// row, random v4 ids), in the same run. A file this size is a bulk load for the importer
// (importers/bulk-load.ts): it rebuilds the plots indexes once, so it may beat the baseline.
// --indexes (default `rebuild`, the initial national load this benchmark stands for; `auto`
// is what a plain `foncier import` does) is passed to the importer.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import pg from 'pg';
import { cnigHeader } from '../../src/exports/cnig-csv.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { createScratchDatabase } from './scratch-database.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { plots: { type: 'string' }, format: { type: 'string' }, indexes: { type: 'string' } },
  strict: true,
});
const total = values.plots ? Number(values.plots) : 200_000;
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
const sites = await handle.db.selectFrom('sites').select(['cnigId', 'id']).execute();
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

// The importer, with the time per 2,000 rows read (it writes 5,000-row batches, one in flight
// while the next is read) and RSS sampled as rows stream through.
const batchTimes: number[] = [];
const rss: number[] = [];
let last = performance.now();
const started = performance.now();
const report = await importCnig(handle.db, 'terrain-eco', file, {
  indexes,
  onProgress: (n) => {
    if (n % 2_000 !== 0) return;
    const now = performance.now();
    batchTimes.push(now - last);
    last = now;
    if (n % 20_000 === 0) rss.push(process.memoryUsage().rss);
  },
});
const importSeconds = (performance.now() - started) / 1000;
if (report.rejected.length > 0 || report.inserted !== total)
  console.log('unexpected report', { inserted: report.inserted, rejected: report.rejected.slice(0, 3) });

// Baseline: the same rows through pg, one INSERT … json_to_recordset per 2,000, no checks.
const client = new pg.Client({ connectionString: scratch.url });
await client.connect();
await client.query("DELETE FROM plots WHERE cnig_id LIKE 'BENCH%'");
const siteIds = new Map(sites.map((s) => [s.cnigId, s.id]));
seed = 42;
const rawStarted = performance.now();
for (let i = 0; i < total; i += 2_000) {
  const batch = [];
  for (let j = i; j < Math.min(total, i + 2_000); j++) {
    const p = plot(j);
    batch.push({
      id: crypto.randomUUID(),
      cnig_id: p.terr_id,
      site_id: siteIds.get(p.site_id),
      gross_area_ha: 0.2,
      identified_on: p.terr_identif_date,
      updated_on: p.terr_actu_date,
      land_control: p.terr_maitrise_fonc,
      development_stage: p.terr_stade_amngt,
      marketing_stage: p.terr_stade_comm,
      occupation: p.terr_etat_occup,
      land_use: p.terr_usage,
      price_eur_m2: 35,
      geom: JSON.stringify(p.geometry),
    });
  }
  await client.query(
    `INSERT INTO plots (id, cnig_id, site_id, gross_area_ha, identified_on, updated_on, land_control,
                        development_stage, marketing_stage, occupation, land_use, price_eur_m2, geom)
     SELECT id, cnig_id, site_id, gross_area_ha, identified_on, updated_on, land_control,
            development_stage, marketing_stage, occupation, land_use, price_eur_m2,
            ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geom), 4326))
     FROM json_to_recordset($1::json)
       AS x(id uuid, cnig_id text, site_id uuid, gross_area_ha float8, identified_on date, updated_on date,
            land_control text, development_stage text, marketing_stage text, occupation text, land_use text,
            price_eur_m2 float8, geom text)`,
    [JSON.stringify(batch)],
  );
}
const rawSeconds = (performance.now() - rawStarted) / 1000;

batchTimes.sort((a, b) => a - b);
const median = batchTimes[Math.floor(batchTimes.length / 2)] ?? 0;
const p95 = batchTimes[Math.min(batchTimes.length - 1, Math.ceil(batchTimes.length * 0.95) - 1)] ?? 0;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
console.log(
  `import ${total} plots from ${format} on PostgreSQL ` +
    `(--indexes ${indexes}; indexes rebuilt: ${report.indexesRebuilt === true})`,
);
console.log(
  `  importer: ${importSeconds.toFixed(1)} s, ${Math.round(total / importSeconds)} features/s; ` +
    `per 2,000 rows read median ${median.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
);
console.log(
  `  RSS every 20,000 rows: ${
    rss.length
      ? `${mb(Math.min(...rss))} … ${mb(Math.max(...rss))} (first ${mb(rss[0]!)}, last ${mb(rss[rss.length - 1]!)})`
      : 'n/a'
  }`,
);
console.log(
  `  raw SQL through pg (no validation): ${rawSeconds.toFixed(1)} s, ${Math.round(total / rawSeconds)} features/s`,
);
console.log(`  ratio importer / raw: ${(importSeconds / rawSeconds).toFixed(2)}×`);

await client.end();
await handle.close();
await scratch.drop();
finished = true;
rmSync(dir, { recursive: true, force: true });
