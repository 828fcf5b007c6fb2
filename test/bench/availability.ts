// Where a site's offer comes from (issue #14 B1), on PostgreSQL/PostGIS only:
//   DATABASE_URL=postgres://… BENCH_PLOTS=100000 npm run bench -- availability
// The offer (largest plot for sale, available area, earliest availability, lowest price) can be
// kept in columns by triggers (sql/012, what ships), computed by the query (a LATERAL aggregate
// per site, which is also what a plain view expands to), or read from a materialized view
// refreshed after writes. For four site briefs, the median page + capped count of each
// candidate over BENCH_RUNS runs, and the ratio to the trigger-kept columns measured in the same
// run; then what each costs a write: one plot update and a 5,000-plot statement with and
// without the triggers, and a refresh of the materialized view.
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres } from '../../src/db/open.js';
import { ensureCatalogue } from './catalogue-data.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('the availability benchmark needs DATABASE_URL (PostgreSQL + PostGIS)');
  process.exit(2);
}
const targetPlots = Number(process.env.BENCH_PLOTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 30);

const handle = openPostgres(url, 2);
const db = handle.db;
const plotCount = await ensureCatalogue(db, targetPlots);
const sites = await db
  .selectFrom('sites')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow();
await sql`ANALYZE sites`.execute(db);
await sql`ANALYZE plots`.execute(db);
console.log(`database: ${sites.n} sites, ${plotCount} plots; ${runs} runs per measure`);

const forSale = `p.marketing_stage IN ('en vente', 'en vente avec contraintes')`;
// Each candidate gives `o.max_plot, o.available, o.available_from` beside the site row `s`.
const candidates: Record<string, string> = {
  'trigger-kept columns': `sites s CROSS JOIN LATERAL (SELECT s.offer_max_plot_area_ha AS max_plot,
      s.offer_available_area_ha AS available, s.offer_available_from AS available_from) o`,
  'query (plain view)': `sites s CROSS JOIN LATERAL (
      SELECT
        CASE WHEN count(*) > 0 THEN max(p.area_ha) FILTER (WHERE ${forSale})
          ELSE s.max_plot_area_ha END AS max_plot,
        CASE WHEN count(*) > 0 THEN coalesce(sum(p.area_ha) FILTER (WHERE ${forSale}), 0)
          ELSE s.available_area_ha END AS available,
        CASE WHEN count(*) > 0 THEN min(p.available_from) FILTER (WHERE ${forSale})
          ELSE s.available_from END AS available_from
      FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL) o`,
  'materialized view': `sites s LEFT JOIN bench_site_offer m ON m.site_id = s.id CROSS JOIN LATERAL (
      SELECT CASE WHEN m.site_id IS NULL THEN s.max_plot_area_ha ELSE m.max_plot END AS max_plot,
        CASE WHEN m.site_id IS NULL THEN s.available_area_ha ELSE m.available END AS available,
        CASE WHEN m.site_id IS NULL THEN s.available_from ELSE m.available_from END AS available_from) o`,
};
const briefs: Record<string, string> = {
  "issue's brief (12–40 ha, 20 MW, rail, motorway ≤ 10 km, by 2028-06)": `o.max_plot BETWEEN 12 AND 40
    AND s.power_mw >= 20 AND s.rail_siding IS TRUE AND s.motorway_interchange_km <= 10
    AND o.available_from <= '2028-06-01'`,
  'min_area_ha=12': 'o.max_plot >= 12',
  'min_available_ha=20': 'o.available >= 20',
  'no filter, largest plot first': 'TRUE',
};

const materialized = `CREATE MATERIALIZED VIEW bench_site_offer AS
  SELECT p.site_id, max(p.area_ha) FILTER (WHERE ${forSale}) AS max_plot,
    coalesce(sum(p.area_ha) FILTER (WHERE ${forSale}), 0) AS available,
    min(p.available_from) FILTER (WHERE ${forSale}) AS available_from
  FROM plots p WHERE p.deleted_at IS NULL GROUP BY p.site_id`;
const pool = new pg.Pool({ connectionString: url, max: 2, options: '-c jit=off' });
await pool.query('DROP MATERIALIZED VIEW IF EXISTS bench_site_offer');
await pool.query(materialized);
await pool.query('CREATE UNIQUE INDEX ON bench_site_offer (site_id)');
await pool.query('CREATE INDEX ON bench_site_offer (max_plot)');
await pool.query('CREATE INDEX ON bench_site_offer (available)');
await pool.query('ANALYZE bench_site_offer');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(work: () => Promise<unknown>): Promise<number> {
  await work(); // warm
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

for (const [brief, where] of Object.entries(briefs)) {
  console.log(`\n${brief}`);
  let baseline: number | undefined;
  let matches: number | undefined;
  for (const [name, from] of Object.entries(candidates)) {
    const page = `SELECT s.id, o.max_plot, o.available FROM ${from} WHERE s.deleted_at IS NULL AND ${where}
      ORDER BY o.max_plot DESC NULLS LAST, s.id LIMIT 20`;
    const total = `SELECT count(*)::int AS n
      FROM (SELECT 1 FROM ${from} WHERE s.deleted_at IS NULL AND ${where} LIMIT 1001) m`;
    const n = (await pool.query<{ n: number }>(total)).rows[0]!.n;
    if (matches !== undefined && n !== matches) throw new Error(`${name} finds ${n} matches, the columns ${matches}`);
    matches = n;
    const ms = await timed(() => Promise.all([pool.query(page), pool.query(total)]));
    baseline ??= ms;
    console.log(
      `  ${name.padEnd(22)} ${ms.toFixed(2).padStart(8)} ms   ×${(ms / baseline).toFixed(1)}   (${n} matches)`,
    );
  }
}

// What each candidate costs a write, inside transactions rolled back.
async function inRollback(work: (client: pg.PoolClient) => Promise<unknown>): Promise<number> {
  const client = await pool.connect();
  try {
    return await timed(async () => {
      await client.query('BEGIN');
      try {
        await work(client);
      } finally {
        await client.query('ROLLBACK');
      }
    });
  } finally {
    client.release();
  }
}
const onePlot = (await pool.query<{ id: string }>(`SELECT id FROM plots WHERE deleted_at IS NULL ORDER BY id LIMIT 1`))
  .rows[0]!.id;
const flip = `UPDATE plots SET marketing_stage = CASE
  WHEN marketing_stage = 'en vente' THEN 'vendu, commercialisation achevée'
  ELSE 'en vente'
END`;

// Both sides take the same ALTER TABLE lock, so that only the trigger differs.
const triggers = (on: boolean) => async (client: pg.PoolClient, statement: string) => {
  await client.query(`ALTER TABLE plots ${on ? 'ENABLE' : 'DISABLE'} TRIGGER plots_offer_update`);
  await client.query(statement);
};
const withTriggers = triggers(true);
const withoutTriggers = triggers(false);
const batch = `${flip} WHERE id IN (SELECT id FROM plots WHERE deleted_at IS NULL ORDER BY id LIMIT 5000)`;
console.log('\nwrites (median, rolled back)');
const single = await inRollback((c) => withTriggers(c, `${flip} WHERE id = '${onePlot}'`));
const singleBare = await inRollback((c) => withoutTriggers(c, `${flip} WHERE id = '${onePlot}'`));
console.log(
  `  one plot update            ${single.toFixed(2)} ms with the triggers, ${singleBare.toFixed(2)} ms without`,
);
const many = await inRollback((c) => withTriggers(c, batch));
const manyBare = await inRollback((c) => withoutTriggers(c, batch));
console.log(`  5,000 plots in a statement ${many.toFixed(1)} ms with the triggers, ${manyBare.toFixed(1)} ms without`);
const refresh = await inRollback((c) => c.query('REFRESH MATERIALIZED VIEW bench_site_offer'));
console.log(`  refresh of the materialized view (needed after any plot write) ${refresh.toFixed(1)} ms`);

await pool.query('DROP MATERIALIZED VIEW bench_site_offer');
await pool.end();
await handle.close();
