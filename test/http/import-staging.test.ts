// The staged import (issue #18, target 4) against itself one row at a time: a file of good and
// bad rows imported at once (COPY into the staging table, every check and the upsert set-based
// over the whole file) writes exactly the rows, and reports exactly the rejections and
// warnings, that the same rows imported each alone in its own file do. A set-based check that
// mixed rows up (a join on the wrong key, a rejection given to its neighbour, a stored value
// read for the wrong plot) would make the two differ.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport, RowRejection } from '../../src/importers/import-report.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let dir: string;
beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-staging-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

type Row = Record<string, string>;
const write = (name: string, records: Row[]) => {
  const path = join(dir, name);
  writeFileSync(path, stringify(records, { delimiter: ';', header: true }));
  return path;
};
const polygon = (ring: number[][]) => JSON.stringify({ type: 'Polygon', coordinates: [ring] });
/** A self-intersecting ring: an invalid geometry. */
const bowtie = polygon([
  [4.8, 44.9],
  [4.81, 44.91],
  [4.81, 44.9],
  [4.8, 44.91],
  [4.8, 44.9],
]);

/** The plots named, every column but the ones a write sets anew (id, version, timestamps). */
async function stored(ids: string[]) {
  const { rows } = await sql<{ cnigId: string; row: Record<string, unknown>; geom: string }>`
    SELECT cnig_id, to_jsonb(p) - 'id' - 'version' - 'created_at' - 'updated_at' - 'geom' AS row,
           ST_AsGeoJSON(geom, 9) AS geom
    FROM plots p WHERE cnig_id = ANY(${ids}) ORDER BY cnig_id`.execute(t.handle.db);
  return rows;
}

const entries = (report: ImportReport, pick: (r: ImportReport) => RowRejection[], row?: number) =>
  pick(report).map(({ line: _line, ...r }) => ({ ...r, row: row ?? r.row }));

describe('a staged CNIG import', () => {
  it('writes and rejects the rows of a mixed file as the same rows imported one by one', async () => {
    const exported = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    const [a, b] = parse(exported, { delimiter: ';', columns: true, bom: true }) as Row[];
    const other = (stage: string | undefined) => (stage === 'en vente' ? 'non commercialisé' : 'en vente');
    const file: Row[] = [
      { ...a!, terr_id: 'STAGED-GOOD-1', terr_refcad: '' },
      { ...b!, terr_id: 'STAGED-BAD-ENUM', terr_usage: 'parking' },
      { ...b!, terr_id: 'STAGED-BAD-SITE', site_id: 'NO-SUCH-SITE' },
      { ...a!, terr_id: 'STAGED-UNREADABLE', terr_geomsurf: JSON.stringify({ type: 'Polygon', coordinates: [1] }) },
      {
        ...a!,
        terr_id: 'STAGED-BOWTIE',
        terr_geomsurf: bowtie,
      },
      {
        ...a!,
        terr_id: 'STAGED-BERLIN',
        terr_geomsurf: polygon([
          [13.4, 52.5],
          [13.41, 52.5],
          [13.41, 52.51],
          [13.4, 52.5],
        ]),
      },
      // An update of a stored plot, and a declared area far off the drawn one (a warning).
      { ...a!, terr_stade_comm: other(a!.terr_stade_comm), terr_surf_brute: '999' },
      { ...a!, terr_id: 'STAGED-FROM-NOWHERE', terr_geomsurf: '', terr_refcad: '07010000ZZ9999' },
      { ...b!, terr_id: 'STAGED-GOOD-2', terr_refcad: '', ext_zone_plu: 'AU' },
      // The first row's id again: rejected, naming row 1.
      { ...b!, terr_id: 'STAGED-GOOD-1', terr_refcad: '' },
    ];
    const ids = [...new Set(file.map((r) => r.terr_id!))];
    const original = (await stored([a!.terr_id!]))[0]!;
    // What row 7 changes, kept exactly (an export rounds the geometry to 6 decimals).
    const { rows: kept } = await sql<{ marketingStage: string; grossAreaHa: number; wkb: string }>`
      SELECT marketing_stage, gross_area_ha, encode(ST_AsEWKB(geom), 'hex') AS wkb
      FROM plots WHERE cnig_id = ${a!.terr_id!}`.execute(t.handle.db);

    const whole = await importCnig(t.handle.db, 'terrain-eco', write('whole.csv', file), { partial: true });
    const afterWhole = await stored(ids);
    expect(whole).toMatchObject({ written: true, inserted: 2, updated: 1, accepted: 3 });
    expect(whole.rejected.map((r) => [r.row, r.column])).toEqual([
      [2, 'terr_usage'],
      [3, 'site_id'],
      [4, 'terr_geomsurf'],
      [5, 'terr_geomsurf'],
      [6, 'terr_geomsurf'],
      [8, 'terr_refcad'],
      [10, 'terr_id'],
    ]);
    expect(whole.rejected.at(-1)).toMatchObject({ reason: 'duplicate id (first on row 1)', value: 'STAGED-GOOD-1' });
    expect(whole.warnings.map((w) => [w.row, w.check])).toContainEqual([7, 'declared_area']);

    // Back to before, then each row but the duplicate alone.
    await sql`DELETE FROM plots WHERE cnig_id = ANY(${ids.filter((id) => id !== a!.terr_id)})`.execute(t.handle.db);
    await sql`UPDATE plots SET marketing_stage = ${kept[0]!.marketingStage}, gross_area_ha = ${kept[0]!.grossAreaHa},
                geom = ST_GeomFromEWKB(decode(${kept[0]!.wkb}, 'hex'))
              WHERE cnig_id = ${a!.terr_id!}`.execute(t.handle.db);
    expect(await stored([a!.terr_id!])).toEqual([original]);
    const rejected: ReturnType<typeof entries> = [];
    const warnings: ReturnType<typeof entries> = [];
    const counts = { inserted: 0, updated: 0, accepted: 0 };
    for (const [index, row] of file.slice(0, -1).entries()) {
      const alone = await importCnig(t.handle.db, 'terrain-eco', write(`row-${index + 1}.csv`, [row]), {
        partial: true,
      });
      rejected.push(...entries(alone, (r) => r.rejected, index + 1));
      warnings.push(...entries(alone, (r) => r.warnings, index + 1));
      counts.inserted += alone.inserted;
      counts.updated += alone.updated;
      counts.accepted += alone.accepted;
    }
    expect(await stored(ids)).toEqual(afterWhole);
    expect(entries(whole, (r) => r.rejected).slice(0, -1)).toEqual(rejected);
    expect(entries(whole, (r) => r.warnings)).toEqual(warnings);
    expect(counts).toEqual({ inserted: whole.inserted, updated: whole.updated, accepted: whole.accepted });
  });

  it('changes nothing when a file with a rejected row is all-or-nothing, nor on a dry run', async () => {
    const exported = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    const [a] = parse(exported, { delimiter: ';', columns: true, bom: true }) as Row[];
    const before = await t.handle.db.selectFrom('plots').select(['id', 'version']).orderBy('id').execute();
    const path = write('atomic.csv', [
      { ...a!, terr_id: 'ATOMIC-NEW', terr_refcad: '' },
      { ...a!, terr_stade_comm: 'en vente avec contraintes' },
      { ...a!, terr_id: 'ATOMIC-BAD', site_id: 'NO-SUCH-SITE' },
    ]);
    const strict = await importCnig(t.handle.db, 'terrain-eco', path);
    expect(strict).toMatchObject({ written: false, inserted: 1, updated: 1 });
    expect(strict.rejected).toHaveLength(1);
    const dry = await importCnig(t.handle.db, 'terrain-eco', path, { partial: true, dryRun: true });
    expect(dry).toMatchObject({ written: false, inserted: 1, updated: 1 });
    expect(await t.handle.db.selectFrom('plots').select(['id', 'version']).orderBy('id').execute()).toEqual(before);
  });
});

describe('a CNIG import larger than one batch', () => {
  it('checks each batch as it is staged and the whole file as one: unreadable rows, duplicates, parcels, communes', async () => {
    const exported = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    const [a] = parse(exported, { delimiter: ';', columns: true, bom: true }) as Row[];
    const id = (i: number) => `BATCHES-${String(i).padStart(5, '0')}`;
    const unreadable = JSON.stringify({ type: 'Polygon', coordinates: [1] });
    // Rows are staged 5,000 at a time: rows 1–5,000 are the first batch, 5,001 on the second.
    const file: Row[] = Array.from({ length: 5_000 }, (_, i) => ({ ...a!, terr_id: id(i + 1), terr_refcad: '' }));
    file[2] = { ...file[2]!, terr_geomsurf: unreadable };
    file.push(
      { ...a!, terr_id: id(5_001), terr_refcad: '', terr_geomsurf: unreadable },
      // An unreadable row repeating row 1's id: the duplicate is said first, as in one batch.
      { ...a!, terr_id: id(1), terr_refcad: '', terr_geomsurf: unreadable },
      { ...a!, terr_id: id(5_003), terr_refcad: '07010000ZZ9999', terr_geomsurf: '' },
      {
        ...a!,
        terr_id: id(5_004),
        terr_refcad: '',
        terr_geomsurf: bowtie,
      },
      { ...a!, terr_id: id(5_005), terr_refcad: '' },
    );
    try {
      const report = await importCnig(t.handle.db, 'terrain-eco', write('batches.csv', file), {
        partial: true,
        indexes: 'keep',
      });
      expect(report.rejected.map((r) => [r.row, r.column, r.reason.split(':')[0]])).toEqual([
        [3, 'terr_geomsurf', 'unreadable geometry'],
        [5_001, 'terr_geomsurf', 'unreadable geometry'],
        [5_002, 'terr_id', 'duplicate id (first on row 1)'],
        [5_003, 'terr_refcad', 'no geometry and unknown parcels'],
        [5_004, 'terr_geomsurf', 'invalid geometry'],
      ]);
      expect(report).toMatchObject({ written: true, inserted: 5_000, accepted: 5_000 });
      // Every row written has the commune under it, the second batch's as the first's.
      const { rows } = await sql<{ communes: string[]; without: number }>`
        SELECT array_agg(DISTINCT commune_insee) AS communes,
               CAST(count(*) FILTER (WHERE commune_insee IS NULL) AS integer) AS without
        FROM plots WHERE cnig_id LIKE 'BATCHES-%'`.execute(t.handle.db);
      const { rows: original } = await sql<{ communeInsee: string }>`
        SELECT commune_insee FROM plots WHERE cnig_id = ${a!.terr_id!}`.execute(t.handle.db);
      expect(rows[0]).toEqual({ communes: [original[0]!.communeInsee], without: 0 });
      expect((await stored([id(5_005)]))[0]!.geom).toEqual((await stored([id(1)]))[0]!.geom);
    } finally {
      await sql`DELETE FROM plots WHERE cnig_id LIKE 'BATCHES-%'`.execute(t.handle.db);
    }
  });
});
