// Investor search benchmark (issue 4), on PostgreSQL/PostGIS only:
//   DATABASE_URL=postgres://… BENCH_PLOTS=1000000 npm run bench -- search
// Generates fixtures until the database holds BENCH_PLOTS plots, then for five typical briefs:
// 200 runs through app.request and 200 runs of the same SQL (page + count, capped at
// TOTAL_CAP as the API counts by default) through `pg`,
// p50/p95 of each and the API's overhead ratio; EXPLAIN of each brief and whether it scans
// plots sequentially; and a GeoJSON streaming export of 100,000 plots (features/s, RSS growth).
import pg from 'pg';
import { sql } from 'kysely';
import { createApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { openPostgres } from '../../src/db/open.js';
import { briefQuery, toBrief } from '../../src/search/brief.js';
import { countStatement, searchStatement } from '../../src/search/repository.js';
import { ensureCatalogue } from './catalogue-data.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the search benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 200);
const exportFeatures = Number(process.env.BENCH_EXPORT ?? 100_000);

const handle = openPostgres(url, 10);
const db = handle.db;
await ensureCatalogue(db, targetPlots);
// Planner statistics from before a bulk load make it pick sorts and hash joins over whole
// tables; with autovacuum off nothing refreshes them, so the benchmark does.
const stale = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_user_tables
  WHERE relname IN ('plots', 'sites')
    AND (last_analyze IS NULL AND last_autoanalyze IS NULL OR n_mod_since_analyze > n_live_tup / 10)`.execute(db);
if (stale.rows[0]!.n > 0) {
  console.log('analyzing (planner statistics are stale)…');
  await sql`ANALYZE`.execute(db);
}
const plotCount = (
  await db
    .selectFrom('plots')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
).n;
console.log(`database: ${plotCount} plots`);

// One clock for the app and the raw SQL: both score availability on the same day.
const clock = systemClock;
const app = createApp({ db, backend: 'postgres', clock });
// Same session settings as the API's pool (src/db/open.ts): JIT off.
const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c jit=off' });

const territory = (await db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
const department = (
  await sql<{
    department: string;
  }>`SELECT c.department FROM plots p JOIN communes c ON c.insee = p.commune_insee
    GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`.execute(db)
).rows[0]!.department;
// The briefs' `near` point: a demo turnkey site, so that the radius holds generated plots around it.
const centre = (
  await sql<{
    lon: number;
    lat: number;
  }>`SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (
    SELECT ST_PointOnSurface(geom) AS c FROM sites
    WHERE turnkey_programme IS NOT NULL ORDER BY cnig_id LIMIT 1
  ) x`.execute(db)
).rows[0]!;
const in18Months = new Date(Date.now() + 548 * 86_400_000).toISOString().slice(0, 10);

const briefs: { name: string; path: string }[] = [
  {
    name: 'issue brief: 12-40 ha, serviced, 20 MW, ITE, motorway ≤ 10 km, within 18 months',
    path:
      '/sites?min_area_ha=12&max_area_ha=40' +
      `&development_stage=${encodeURIComponent('viabilisé et aménagé,viabilisé non aménagé')}` +
      '&marketing_stage=available&min_power_mw=20&rail_siding=true&max_motorway_km=10' +
      `&available_before=${in18Months}&limit=20`,
  },
  {
    name: 'plots for sale ≥ 2 ha within 30 km, nearest first',
    path:
      `/plots?near=${centre.lon.toFixed(4)},${centre.lat.toFixed(4)}&radius_km=30` +
      '&marketing_stage=available&min_area_ha=2&sort=distance&limit=50',
  },
  {
    name: "turnkey sites of a Territoire d'industrie by readiness",
    path: `/sites?territory=${territory}&turnkey=true&sort=readiness&limit=20`,
  },
  {
    name: 'cheap U/AU plots ≥ 5 ha in a department by price',
    path:
      `/plots?department=${department}&max_price_eur_m2=25&planning_zone=U,AU&min_area_ha=5` +
      '&marketing_stage=available&sort=price&limit=50',
  },
  {
    name: 'brownfield sites with fibre, gas, 10 MW, freight ≤ 15 km',
    path: '/sites?brownfield=true&fibre=true&gas=true&min_power_mw=10&max_freight_station_km=15&sort=motorway&limit=20',
  },
];

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function compiled(path: string) {
  const u = new URL(`http://localhost${path}`);
  const query = briefQuery.parse(Object.fromEntries(u.searchParams));
  const brief = toBrief(query);
  const kind = u.pathname === '/sites' ? 'site' : 'plot';
  const page = searchStatement({
    kind,
    brief,
    output: 'json',
    limit: (query.limit ?? 50) + 1,
    today: clock.today(),
  }).statement.compile(db);
  const total = countStatement(kind, brief, query.count === 'exact').compile(db);
  return { page, total };
}

console.log(`\n${runs} runs per brief (app = app.request, JSON page + total; pg = the same two statements through pg)`);
for (const brief of briefs) {
  const { page, total } = compiled(brief.path);
  const viaApp: number[] = [];
  const viaPg: number[] = [];
  let matched = '';
  for (let i = 0; i < 10; i++) await (await app.request(`http://localhost${brief.path}`)).arrayBuffer();
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const res = await app.request(`http://localhost${brief.path}`);
    const body = (await res.json()) as { total: number; totalExact: boolean };
    viaApp.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${brief.path}: ${res.status} ${JSON.stringify(body)}`);
    matched = `${body.totalExact ? '' : '≥ '}${body.total}`;
    t0 = performance.now();
    await Promise.all([
      pool.query(page.sql, page.parameters as unknown[]),
      pool.query(total.sql, total.parameters as unknown[]),
    ]);
    viaPg.push(performance.now() - t0);
  }
  const plan = (await pool.query(`EXPLAIN ${page.sql}`, page.parameters as unknown[])).rows.map(
    (r: Record<string, string>) => r['QUERY PLAN']!,
  );
  const countPlan = (await pool.query(`EXPLAIN ${total.sql}`, total.parameters as unknown[])).rows.map(
    (r: Record<string, string>) => r['QUERY PLAN']!,
  );
  const seqScan = [...plan, ...countPlan].some((line) => /Seq Scan on plots\b/.test(line));
  const [a50, a95, p50, p95] = [
    percentile(viaApp, 50),
    percentile(viaApp, 95),
    percentile(viaPg, 50),
    percentile(viaPg, 95),
  ];
  console.log(`\n● ${brief.name}\n  ${brief.path}\n  matches ${matched}`);
  console.log(
    `  app p50 ${a50.toFixed(1)} ms  p95 ${a95.toFixed(1)} ms | ` +
      `pg p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms | ` +
      `overhead ratio p50 ${(a50 / p50).toFixed(2)}  p95 ${(a95 / p95).toFixed(2)}`,
  );
  console.log(`  seq scan on plots: ${seqScan ? 'YES' : 'no'}`);
  console.log(`  EXPLAIN (page):\n${plan.map((l) => `    ${l}`).join('\n')}`);
  console.log(`  EXPLAIN (total):\n${countPlan.map((l) => `    ${l}`).join('\n')}`);
}

// GeoJSON streaming export: read the first `exportFeatures` features of /plots?f=geojson&sort=id.
{
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const started = performance.now();
  const res = await app.request('http://localhost/plots?f=geojson&sort=id');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const marker = '{"type":"Feature","id":';
  let features = 0;
  let carry = '';
  let bytes = 0;
  while (features < exportFeatures) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    const text = carry + decoder.decode(value, { stream: true });
    for (let i = text.indexOf(marker); i !== -1; i = text.indexOf(marker, i + marker.length)) features++;
    carry = text.slice(-marker.length + 1);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  await reader.cancel();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nGeoJSON export: ${features} features, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ` +
      `${Math.round(features / seconds)} features/s; peak RSS growth ${((peak - rss0) / 1e6).toFixed(1)} MB`,
  );
}

await pool.end();
await handle.close();
