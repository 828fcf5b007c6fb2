// ZAN benchmark (not a test): `npm run bench -- zan [--plots N] [--territories N] [--runs N]`.
// On DATABASE_URL (PostgreSQL/PostGIS) when set, else on a fresh embedded database. Measures
// one territory's ZAN figures, all demo territories, and per-plot figures for every plot in one
// batch (plots/s), each against a raw SQL baseline through `pg` in the same run. Each is timed
// cold (per-plot measure cache emptied first, so every plot is cut in PostGIS) and warm (the
// cache filled by the cold run, as after a first request or an import followed by a warm-up).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { isCatalogueEmpty } from '../../src/db/bootstrap.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { generateFixtures } from '../../src/fixtures/generate.js';
import { createRandom, seedFrom } from '../../src/fixtures/random.js';
import { seedSyntheticLandCover } from '../../src/fixtures/zan.js';
import { insertJsonRows } from '../../src/db/bulk.js';
import { measurePlots, resolveTerritory, territoryZan } from '../../src/zan/repository.js';
import { ruleSet } from '../../src/zan/rule-sets.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { plots: { type: 'string' }, runs: { type: 'string' }, territories: { type: 'string' } },
  strict: true,
});
// Generated territories: 1-4 random member EPCI each, added for the run and removed after it.
const generatedTerritories = values.territories ? Number(values.territories) : 183;
const targetPlots = values.plots ? Number(values.plots) : 0;
const runs = values.runs ? Number(values.runs) : 15;

const url = process.env.DATABASE_URL;
const handle: DatabaseHandle = url ? openPostgres(url) : await openPGlite(mkdtempSync(join(tmpdir(), 'zan-bench-')));
// Same session settings as the API's pool (src/db/open.ts): JIT off.
const raw = url ? new pg.Client({ connectionString: url, options: '-c jit=off' }) : null;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await work();
  return [performance.now() - started, value];
}

/** `before` runs untimed ahead of each run (e.g. emptying the cache for cold runs). */
async function sample(work: () => Promise<unknown>, n = runs, before?: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await before?.();
    times.push((await timed(work))[0]);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(n / 2)]!, p95: times[Math.min(n - 1, Math.ceil(n * 0.95) - 1)]! };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

try {
  await migrateToLatest(handle.db);
  if (await isCatalogueEmpty(handle)) await seedDemoData(handle.db);
  const plotCount = async () =>
    (
      await handle.db
        .selectFrom('plots')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  if (targetPlots > (await plotCount())) {
    const [t] = await timed(async () => {
      await generateFixtures(handle.db, { plots: targetPlots - (await plotCount()) });
      await seedSyntheticLandCover(handle.db, { missingOnly: true });
    });
    console.log(`generated plots up to ${targetPlots} (with synthetic land cover) in ${(t / 1000).toFixed(1)} s`);
  }
  // Fresh bulk-loaded tables have no planner statistics until autovacuum gets to them; without
  // them the plot listing is planned as a nested loop over every plot per site.
  await sql`ANALYZE`.execute(handle.db);
  await raw?.connect();
  const epci = (await handle.db.selectFrom('epci').select('siren').orderBy('siren').execute()).map((e) => e.siren);
  const random = createRandom(seedFrom('zan-bench-territories'));
  const generated = Array.from({ length: generatedTerritories }, (_, k) => ({
    id: `ti-bench-${k + 1}`,
    members: [...new Set(Array.from({ length: random.int(1, 4) }, () => random.pick(epci)))],
  }));
  await handle.db.deleteFrom('territories').where('id', 'like', 'ti-bench-%').execute();
  if (generated.length) {
    await insertJsonRows(
      handle.db,
      'territories',
      generated.map((g) => ({
        id: g.id,
        name: `Bench ${g.id}`,
        regionCode: '84',
        regionName: 'Auvergne-Rhône-Alpes',
        phases: ['2023-2027'],
      })),
    );
    await insertJsonRows(
      handle.db,
      'territoryEpci',
      generated.flatMap((g) => g.members.map((siren) => ({ territoryId: g.id, epciSiren: siren }))),
    );
  }
  const rules = ruleSet();
  const territories = (await handle.db.selectFrom('territories').select('id').orderBy('id').execute()).map((t) => t.id);
  const demoTerritories = territories.filter((id) => !id.startsWith('ti-bench-'));
  console.log(
    `backend ${handle.kind}; ${territories.length} territories, ${await plotCount()} plots; ${runs} runs each`,
  );
  const emptyCache = () => handle.db.deleteFrom('zanPlotMeasures').execute();
  const coldRuns = Math.min(runs, 5);

  // 1. One territory, cold then warm.
  const one = (await resolveTerritory(handle.db, demoTerritories[0]!))!;
  const oneCold = await sample(() => territoryZan(handle.db, rules, one), coldRuns, emptyCache);
  const [, onePlots] = await timed(async () => (await territoryZan(handle.db, rules, one)).pipeline.plots);
  const oneStats = await sample(() => territoryZan(handle.db, rules, one));
  let line =
    `one territory (${one.id}, ${one.communes.length} communes, ${onePlots} pipeline plots): ` +
    `cold median ${ms(oneCold.median)} (${coldRuns} runs); ` +
    `warm median ${ms(oneStats.median)}, p95 ${ms(oneStats.p95)}`;
  if (raw) {
    const base = await sample(() =>
      raw.query(
        `SELECT c.insee, sum(cc.naf_m2) FROM communes c JOIN territory_epci te ON te.epci_siren = c.epci_siren
         JOIN commune_consumption cc ON cc.insee = c.insee WHERE te.territory_id = $1 GROUP BY c.insee`,
        [one.id],
      ),
    );
    line += `; raw pg consumption sums ${ms(base.median)} (ratio ${(oneStats.median / base.median).toFixed(1)}×)`;
  }
  console.log(line);

  // 2. Every territory, one after the other: cold (cache emptied), then warm.
  const everyTerritory = async () => {
    for (const id of territories) await territoryZan(handle.db, rules, (await resolveTerritory(handle.db, id))!);
  };
  await emptyCache();
  const [allColdMs] = await timed(everyTerritory);
  const [allMs] = await timed(everyTerritory);
  console.log(
    `all ${demoTerritories.length} demo + ${generated.length} generated territories: ` +
      `cold ${ms(allColdMs)} (${ms(allColdMs / territories.length)} each); ` +
      `warm ${ms(allMs)} (${ms(allMs / territories.length)} each)`,
  );

  // 3. Per-plot figures for every plot in one batch: cold (cache emptied), then warm.
  await emptyCache();
  const [plotColdMs, plots] = await timed(() => measurePlots(handle.db, rules, {}));
  const [plotMs] = await timed(() => measurePlots(handle.db, rules, {}));
  const rate = (t: number) => Math.round(plots.length / (t / 1000));
  line =
    `per-plot figures: ${plots.length} plots cold in ${ms(plotColdMs)} = ${rate(plotColdMs)} plots/s; ` +
    `warm in ${ms(plotMs)} = ${rate(plotMs)} plots/s`;
  if (raw) {
    const [baseMs] = await timed(() =>
      raw.query('SELECT id, ST_Area(geom::geography) FROM plots WHERE deleted_at IS NULL'),
    );
    line +=
      `; raw pg ellipsoidal areas ${ms(baseMs)} ` +
      `(ratio cold ${(plotColdMs / baseMs).toFixed(1)}×, warm ${(plotMs / baseMs).toFixed(1)}×)`;
  }
  console.log(line);
  const classes = plots.reduce<Record<string, number>>(
    (acc, p) => ({ ...acc, [p.measure.class]: (acc[p.measure.class] ?? 0) + 1 }),
    {},
  );
  console.log(`classes: ${JSON.stringify(classes)}`);
} finally {
  await handle.db.deleteFrom('territories').where('id', 'like', 'ti-bench-%').execute();
  await raw?.end();
  await handle.close();
}
