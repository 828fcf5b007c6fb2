// The fixtures' bulk load (src/fixtures/generate.ts, issue #18 target 5): the offer and
// change-feed triggers are disabled for the run and their work done once at the end, and a
// large run rebuilds the indexes. The result must be what the triggers would have left: the
// offer columns as foncier_refresh_site_offer computes them, the same rows whether the indexes
// were deferred or not, every trigger, index and foreign key back, and nothing left of a run
// that failed.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../src/fixtures/generate.js';
import { openTestApp, type TestContext } from '../support/app.js';

let a: TestContext;
let b: TestContext;
beforeAll(async () => {
  [a, b] = await Promise.all([openTestApp(), openTestApp()]);
});
afterAll(async () => Promise.all([a?.close(), b?.close()]));

/** The generated sites and plots, every column but the load's timestamps, in CNIG id order. */
async function generatedRows(t: TestContext) {
  const { rows: sites } = await sql<Record<string, unknown>>`
    SELECT to_jsonb(s) - 'created_at' - 'updated_at' AS row FROM sites s
    WHERE substring(s.cnig_id from '_(\\d+)$')::int >= 1000000 ORDER BY s.cnig_id`.execute(t.handle.db);
  const { rows: plots } = await sql<Record<string, unknown>>`
    SELECT to_jsonb(p) - 'created_at' - 'updated_at' AS row FROM plots p
    WHERE p.site_id IN (SELECT id FROM sites WHERE substring(cnig_id from '_(\\d+)$')::int >= 1000000)
    ORDER BY p.cnig_id`.execute(t.handle.db);
  return { sites, plots };
}

/** Triggers (name, enabled), indexes and constraints of sites and plots, as the catalogue holds them. */
async function schema(t: TestContext) {
  const { rows } = await sql<{ line: string }>`
    SELECT 'trigger ' || tgname || ' ' || CAST(tgenabled AS text) AS line FROM pg_trigger
      WHERE tgrelid IN ('sites'::regclass, 'plots'::regclass) AND NOT tgisinternal
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename IN ('sites', 'plots')
    UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE conrelid IN ('sites'::regclass, 'plots'::regclass)
    ORDER BY 1`.execute(t.handle.db);
  return rows.map((r) => r.line);
}

/** The sum of the sites' versions: foncier_refresh_site_offer bumps a site's only when its offer was not right. */
async function versions(t: TestContext) {
  const { rows } = await sql<{ n: number }>`SELECT sum(version)::int AS n FROM sites`.execute(t.handle.db);
  return rows[0]!.n;
}

describe('fixtures bulk load', () => {
  it('leaves the offer the triggers would, the same rows with indexes deferred or not, and the schema as it was', async () => {
    const before = await schema(a);
    expect(before.filter((l) => l.startsWith('trigger ')).every((l) => l.endsWith(' O'))).toBe(true);
    const [deferred, kept] = await Promise.all([
      generateFixtures(a.handle.db, { plots: 900, seed: 11, batchSites: 40, deferIndexes: true }),
      generateFixtures(b.handle.db, { plots: 900, seed: 11, batchSites: 40, deferIndexes: false }),
    ]);
    expect(deferred).toEqual(kept);
    expect(deferred.plots).toBe(900);
    expect(await schema(a)).toEqual(before);
    expect(await schema(b)).toEqual(before);
    const rows = await generatedRows(a);
    expect(rows.sites.length).toBe(deferred.sites);
    expect(rows.plots.length).toBe(900);
    expect(rows).toEqual(await generatedRows(b));
    // Every generated site takes its offer from its plots, and recomputing it changes nothing (the
    // demo's own sites are left out: the seed does not refresh them all).
    expect(new Set(rows.sites.map((r) => (r.row as { offerSource: string }).offerSource))).toEqual(new Set(['plots']));
    const sum = await versions(a);
    await sql`SELECT foncier_refresh_site_offer(ARRAY(
      SELECT id FROM sites WHERE substring(cnig_id from '_(\\d+)$')::int >= 1000000))`.execute(a.handle.db);
    expect(await versions(a)).toBe(sum);
  });

  it('leaves nothing of a run that fails: no rows, the triggers enabled, the indexes there', async () => {
    const before = await schema(a);
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM plots`.execute(a.handle.db)).rows[0]!.n;
    const plots = await count();
    await expect(
      generateFixtures(a.handle.db, {
        plots: 500,
        seed: 12,
        batchSites: 20,
        deferIndexes: true,
        onProgress: (n) => {
          if (n > 200) throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(await count()).toBe(plots);
    expect(await schema(a)).toEqual(before);
  });
});
