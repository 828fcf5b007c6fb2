// The catalogue a benchmark measures: the database migrated, the demo territories seeded, then
// generated plots (src/fixtures/generate.ts) until `plots` exist, analysed. Kept between runs, so
// a second run on the same DATABASE_URL measures at once.
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { generateFixtures } from '../../src/fixtures/generate.js';

export async function ensureCatalogue(db: Kysely<Database>, plots: number): Promise<number> {
  await migrateToLatest(db);
  const count = async (table: 'plots' | 'epci') =>
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  if ((await count('epci')) === 0) await seedDemoData(db);
  const existing = await count('plots');
  if (existing < plots) {
    console.log(`generating ${plots - existing} plots…`);
    const started = performance.now();
    await generateFixtures(db, { plots: plots - existing, onProgress: (n) => process.stdout.write(`\r  ${n} plots`) });
    process.stdout.write(`\n  in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    await sql`ANALYZE`.execute(db);
  }
  return count('plots');
}

/** The territory with the most live plots, and how many. */
export async function densestTerritory(db: Kysely<Database>): Promise<{ territory: string; plots: number }> {
  const { rows } = await sql<{ territoryId: string; n: number }>`
    SELECT te.territory_id, count(*)::int AS n
    FROM plots p JOIN sites s ON s.id = p.site_id
    JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE p.deleted_at IS NULL
    GROUP BY 1
    ORDER BY 2 DESC, 1
    LIMIT 1`.execute(db);
  return { territory: rows[0]!.territoryId, plots: rows[0]!.n };
}
