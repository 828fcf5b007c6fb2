// The catalogue a benchmark measures: migrated, the demo data, then generated plots until the
// database holds `plots` of them (analysed after generating). Returns how many it holds.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { migrateToLatest } from '../../src/db/migrate.js';
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
    await generateFixtures(db, { plots: plots - existing, onProgress: (n) => process.stdout.write(`\r  ${n} plots`) });
    process.stdout.write('\n');
    await sql`ANALYZE`.execute(db);
  }
  return count('plots');
}
