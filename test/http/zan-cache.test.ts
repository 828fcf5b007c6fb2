// The per-plot ZAN measure cache (sql/007_zan_cache.sql): a measure is reused while the plot
// version and the reference version match, and measured again after a plot write (version
// bump) or a reference import. Reuse is shown by tampering with the cached row: a reused row
// shows the tampered figure, a recomputed one the true one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfBrownfieldPlot } from '../../src/fixtures/zan.js';
import { importPene } from '../../src/importers/pene.js';
import { measurePlots } from '../../src/zan/repository.js';
import { ruleSet } from '../../src/zan/rule-sets.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let plotId: string;
beforeAll(async () => {
  t = await openTestApp();
  plotId = (await halfBrownfieldPlot(t.handle.db))!.plotId;
});
afterAll(async () => t?.close());

const cached = () =>
  t.handle.db.selectFrom('zanPlotMeasures').where('plotId', '=', plotId).selectAll().executeTakeFirst();
const referenceVersion = async () =>
  (await t.handle.db.selectFrom('zanReferenceVersion').select('version').executeTakeFirstOrThrow()).version;
const plotVersion = async () =>
  (await t.handle.db.selectFrom('plots').where('id', '=', plotId).select('version').executeTakeFirstOrThrow()).version;
/** Makes the cached row claim the plot is wholly NAF off any brownfield. */
const tamper = () =>
  t.handle.db
    .updateTable('zanPlotMeasures')
    .where('plotId', '=', plotId)
    .set((eb) => ({ nafM2: eb.ref('areaM2'), brownfieldM2: 0, nafOnBrownfieldM2: 0 }))
    .execute();
const zan = async () => {
  const res = await t.get(`/plots/${plotId}/zan`);
  expect(res.status).toBe(200);
  return res.json();
};

describe('ZAN plot measure cache', () => {
  it('stores a measure with the plot and reference versions and reuses it while they match', async () => {
    const first = await zan();
    expect(first.class).toBe('mixed');
    const row = (await cached())!;
    expect(row).toMatchObject({ plotVersion: await plotVersion(), referenceVersion: await referenceVersion() });
    expect(row.areaM2 / 10_000).toBeCloseTo(first.areaHa, 3);

    await tamper();
    const reused = await zan();
    expect(reused.class).toBe('naf');
    expect(reused.consumptionHa).toBeCloseTo(reused.areaHa, 6);
  });

  it('measures a plot again after its geometry changes with a version bump', async () => {
    const before = await zan();
    await tamper();
    // What the write path does (src/editing/writes.ts): new geometry and version + 1.
    await sql`
      UPDATE plots SET geom = ST_Multi(ST_Buffer(geom::geography, -3)::geometry), version = version + 1
      WHERE id = ${plotId}`.execute(t.handle.db);
    const after = await zan();
    expect(after.class).toBe('mixed');
    expect(after.areaHa).toBeLessThan(before.areaHa);
    expect((await cached())!.plotVersion).toBe(await plotVersion());

    // The recomputed figures are those of a measure from scratch.
    await t.handle.db.deleteFrom('zanPlotMeasures').execute();
    expect(await zan()).toEqual(after);
  });

  it('measures a plot again after a reference import bumps the reference version', async () => {
    const before = await zan();
    expect(before.inPene).toBe(false);
    await tamper();
    const version = await referenceVersion();
    const { rows } = await sql<{ geometry: string }>`
      SELECT ST_AsGeoJSON(ST_Buffer(geom::geography, 10)::geometry) AS geometry
      FROM plots WHERE id = ${plotId}`.execute(t.handle.db);

    const path = join(mkdtempSync(join(tmpdir(), 'zan-cache-')), 'pene.geojson');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { id: 'PENE-CACHE', nom: 'Test' }, geometry: JSON.parse(rows[0]!.geometry) },
        ],
      }),
    );
    expect((await importPene(t.handle.db, path, { vintage: 'pene-cache-test' })).inserted).toBe(1);
    expect(await referenceVersion()).toBeGreaterThan(version);

    const after = await zan();
    expect(after.inPene).toBe(true);
    expect(after.consumptionHa).toBe(0);
    expect(after.nationalEnvelopeHa).toBeCloseTo(before.consumptionHa, 6);
    expect((await cached())!.referenceVersion).toBe(await referenceVersion());
  });

  it('gives every plot the same figures from the cache as from scratch', async () => {
    const rules = ruleSet();
    const byKey = (rows: Awaited<ReturnType<typeof measurePlots>>) => rows.sort((a, b) => a.key.localeCompare(b.key));
    await t.handle.db.deleteFrom('zanPlotMeasures').execute();
    const cold = byKey(await measurePlots(t.handle.db, rules, {}));
    const warm = byKey(await measurePlots(t.handle.db, rules, {}));
    expect(warm).toEqual(cold);
    const stored = await t.handle.db
      .selectFrom('zanPlotMeasures')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(cold.length);
  });
});
