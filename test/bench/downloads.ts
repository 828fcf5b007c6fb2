// Download benchmark (issue #18, target 1):
//   DATABASE_URL=postgres://… BENCH_PLOTS=100000 npm run bench -- downloads
// The plots of the densest territory (and of France, BENCH_NATIONAL=0 skips it) as GeoJSON and
// FlatGeobuf through the API over loopback HTTP, against ogr2ogr reading the same rows and
// columns from PostGIS (`ogr2ogr -f GeoJSON /vsistdout/ PG:… -sql …`; FlatGeobuf into a file in
// the temporary directory, as its driver cannot write to a stream), interleaved,
// BENCH_RUNS runs each (3): medians, their ratio (target ≤ 1.5), and the peak RSS growth of this
// process, which serves the download (the client reads and discards; target < 150 MB).
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { openPostgres } from '../../src/db/open.js';
import { findCollection } from '../../src/ogc/collections.js';
import { densestTerritory, ensureCatalogue } from './catalogue-data.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the downloads benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const national = process.env.BENCH_NATIONAL !== '0';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const handle = openPostgres(url, 10);
const plotCount = await ensureCatalogue(handle.db, targetPlots);
const { territory, plots: territoryPlots } = await densestTerritory(handle.db);
console.log(`database: ${plotCount} plots; densest territory ${territory} (${territoryPlots} plots)`);

const app = createApp({ db: handle.db, backend: 'postgres' });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
const port = (server.address() as { port: number }).port;

interface Measure {
  ms: number;
  bytes: number;
  /** Peak RSS growth of this process over the run. */
  rss: number;
}

/** Runs `body` while sampling this process's RSS every 10 ms. */
async function measured(body: () => Promise<number>): Promise<Measure> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  const bytes = await body();
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { ms, bytes, rss: Math.max(peak, process.memoryUsage.rss()) - before };
}

/** GET over loopback without Accept-Encoding (ogr2ogr's output is not compressed either). */
const download = (path: string) =>
  measured(
    () =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`));
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      }),
  );

// The download's columns: the plots collection's whitelist under its property names.
const collection = findCollection('plots')!;
const columns = Object.entries(collection.properties)
  .map(([name, q]) => `${q.array ? `array_to_string(p.${q.column}, '|')` : `p.${q.column}`} AS "${name}"`)
  .join(', ');
const pgUrl = new URL(url);
const pgSource =
  `PG:host=${pgUrl.hostname} port=${pgUrl.port || 5432} ` +
  `user=${decodeURIComponent(pgUrl.username)} dbname=${pgUrl.pathname.slice(1)}`;

const ogr2ogr = (format: 'GeoJSON' | 'FlatGeobuf', scope: string | undefined) => {
  const where = scope
    ? `AND p.site_id IN (
         SELECT s.id
         FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
         WHERE te.territory_id = ${pg.escapeLiteral(scope)})`
    : '';
  const statement = `SELECT CAST(p.id AS text) AS id, ${columns}, p.geom
    FROM plots p
    WHERE p.deleted_at IS NULL ${where}`;
  const options = format === 'GeoJSON' ? ['-lco', 'COORDINATE_PRECISION=6'] : ['-lco', 'SPATIAL_INDEX=NO'];
  return measured(
    () =>
      new Promise<number>((resolve, reject) => {
        const file = format === 'GeoJSON' ? '/vsistdout/' : join(tmpdir(), `foncier-bench-${process.pid}.fgb`);
        rmSync(file, { force: true });
        const child = spawn('ogr2ogr', ['-f', format, file, pgSource, '-sql', statement, ...options]);
        let bytes = 0;
        child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
        let errors = '';
        child.stderr.on('data', (chunk: Buffer) => (errors += chunk));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`ogr2ogr ${code}: ${errors}`));
          if (format === 'GeoJSON') return resolve(bytes);
          resolve(statSync(file).size);
          rmSync(file);
        });
      }),
  );
};

const scopes: { label: string; territory?: string; plots: number }[] = [
  { label: `territory ${territory}`, territory, plots: territoryPlots },
  ...(national ? [{ label: 'France', plots: plotCount }] : []),
];
for (const scope of scopes) {
  for (const [format, extension] of [
    ['GeoJSON', 'geojson'],
    ['FlatGeobuf', 'fgb'],
  ] as const) {
    const path = `/exports/plots.${extension}${scope.territory ? `?territory=${scope.territory}` : ''}`;
    const foncier: Measure[] = [];
    const reference: Measure[] = [];
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so that neither always meets the warmer cache.
      if (run % 2 === 0) {
        foncier.push(await download(path));
        reference.push(await ogr2ogr(format, scope.territory));
      } else {
        reference.push(await ogr2ogr(format, scope.territory));
        foncier.push(await download(path));
      }
    }
    const [f, r] = [median(foncier.map((m) => m.ms)), median(reference.map((m) => m.ms))];
    console.log(
      `${format}, ${scope.label} (${scope.plots} plots): Foncier ${(f / 1000).toFixed(2)} s ` +
        `(${mb(foncier[0]!.bytes)}, peak RSS growth ${mb(Math.max(...foncier.map((m) => m.rss)))}), ` +
        `ogr2ogr ${(r / 1000).toFixed(2)} s (${mb(reference[0]!.bytes)}); ` +
        `ratio ${(f / r).toFixed(2)} (target ≤ 1.5), ${runs} runs, medians`,
    );
  }
}
await new Promise((resolve) => server.close(resolve));
await handle.close();
