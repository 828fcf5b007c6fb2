// `foncier import zan-targets`: sparte's territorialisation fixture into zan_reduction_targets.
// A small file written here covers rejections, unmatched codes, dry run, all-or-nothing and
// --partial, and the effect on a territory's envelopes; the real Hauts-de-France file in
// ../shared/data/zan is imported when present.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBoundaries } from '../../src/importers/admin-boundaries.js';
import { formatReport } from '../../src/importers/import-report.js';
import { importers } from '../../src/importers/registry.js';
import { importZanTargets } from '../../src/importers/zan-targets.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const dir = mkdtempSync(join(tmpdir(), 'zan-targets-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const record = (pk: number, fields: Record<string, unknown>) => ({
  model: 'public_data.territorialisationobjectif',
  pk,
  fields: { parent: 'REGION_32', is_in_document: false, document_url: null, document_comment: '', ...fields },
});
const targets = async () =>
  (
    await t.handle.db.selectFrom('zanReductionTargets').selectAll().orderBy('landKind').orderBy('landCode').execute()
  ).map((r) => [r.landKind, r.landCode, r.reductionRate, r.document]);

// Douaisis Agglo, a demo EPCI (Territoire d'industrie ti-3210) in Hauts-de-France.
const DOUAISIS = '200044618';

describe('importZanTargets on a synthetic file', () => {
  let commune: string;
  let path: string;
  beforeAll(async () => {
    // a commune of the EPCI with Cerema consumption, to see its envelope change
    commune = (
      await sql<{ insee: string }>`
      SELECT c.insee FROM communes c WHERE c.epci_siren = ${DOUAISIS}
        AND EXISTS (SELECT 1 FROM commune_consumption cc WHERE cc.insee = c.insee) ORDER BY c.insee LIMIT 1`.execute(
        t.handle.db,
      )
    ).rows[0]!.insee;
    path = file('territorialisation.json', [
      record(1, {
        land: 'REGION_32',
        parent: null,
        objectif_de_reduction: '54.47',
        nom_document: 'SRADDET',
        is_in_document: true,
        document_url: 'https://example.org/sraddet',
      }),
      record(2, { land: `EPCI_${DOUAISIS}`, objectif_de_reduction: '62.50', nom_document: 'SCOT' }),
      record(3, {
        land: `COMM_${commune}`,
        parent: `EPCI_${DOUAISIS}`,
        objectif_de_reduction: 70,
        nom_document: 'PLUi',
        is_in_document: true,
      }),
      record(4, { land: 'EPCI_999999999', objectif_de_reduction: '50.00', nom_document: 'PLUI' }),
      record(5, { land: 'SCOT_10394', objectif_de_reduction: '68.60', nom_document: 'SCOT' }),
      record(6, { land: 'EPCI_12345', objectif_de_reduction: '60.00', nom_document: 'SCOT' }),
      record(7, { land: 'EPCI_242900835', objectif_de_reduction: '120', nom_document: 'SCOT' }),
      record(8, { land: `EPCI_${DOUAISIS}`, objectif_de_reduction: '40.00', nom_document: 'SCOT' }),
      record(9, { land: 'VILLE_59178', objectif_de_reduction: '40.00', nom_document: 'PLU' }),
      'EPCI_200044618',
      record(11, { land: 'EPCI_200068781', objectif_de_reduction: '40.00', nom_document: '' }),
    ]);
  });

  it(
    'reports every rejected record by row and field, lists codes it cannot or does not hold as unmatched, ' +
      'and writes nothing',
    async () => {
      const report = await importZanTargets(t.handle.db, path);
      expect(report).toMatchObject({
        kind: 'zan-targets',
        rowsRead: 11,
        accepted: 3,
        written: false,
        mode: 'all-or-nothing',
      });
      expect(report.rejected).toEqual([
        { row: 6, column: 'fields.land', value: 'EPCI_12345', reason: 'EPCI code is not a SIREN' },
        { row: 7, column: 'fields.objectif_de_reduction', value: '120', reason: 'not a percentage between 0 and 100' },
        { row: 8, column: 'fields.land', value: `EPCI_${DOUAISIS}`, reason: 'duplicate land (first on row 2)' },
        {
          row: 9,
          column: 'fields.land',
          value: 'VILLE_59178',
          reason: expect.stringMatching(/^unknown land kind "VILLE"/),
        },
        { row: 10, column: null, value: null, reason: 'not a sparte fixture record (an object with "fields")' },
        { row: 11, column: 'fields.nom_document', value: '', reason: 'missing document name' },
      ]);
      expect(report.unmatched.map((u) => [u.row, u.code])).toEqual([
        [1, 'REGION_32'],
        [5, 'SCOT_10394'],
        [4, 'EPCI_999999999'],
      ]);
      expect(report.unmatched[0]!.reason).toMatch(/regional \(SRADDET\) figure.*not written$/);
      expect(report.unmatched[1]!.reason).toMatch(/no SCoT perimeters are held.*not written$/);
      expect(report.unmatched[2]!.reason).toMatch(/^no such EPCI held .*written/);
      expect(formatReport(report)).toContain(
        'feature 7, column fields.objectif_de_reduction: not a percentage between 0 and 100 ("120")',
      );
      expect(await targets()).toEqual([]);
    },
  );

  it('counts a dry run for real and keeps nothing', async () => {
    const report = await importZanTargets(t.handle.db, path, { dryRun: true, partial: true });
    expect(report).toMatchObject({ dryRun: true, written: false, inserted: 3, updated: 0, unchanged: 0 });
    expect(await targets()).toEqual([]);
  });

  it(
    'writes the valid targets with --partial, ' +
      'as shares with the document that gives them, and re-imports unchanged',
    async () => {
      const report = await importers['zan-targets']!(t.handle.db, path, { partial: true });
      expect(report).toMatchObject({ written: true, accepted: 3, inserted: 3, updated: 0, unchanged: 0 });
      expect(await targets()).toEqual([
        ['commune', commune, 0.7, `SCOT EPCI_${DOUAISIS}, written into the PLUi`],
        [
          'epci',
          DOUAISIS,
          0.625,
          'SRADDET Hauts-de-France (REGION_32) <https://example.org/sraddet>, to be written into the SCOT',
        ],
        [
          'epci',
          '999999999',
          0.5,
          'SRADDET Hauts-de-France (REGION_32) <https://example.org/sraddet>, to be written into the PLUI',
        ],
      ]);
      expect(await importZanTargets(t.handle.db, path, { partial: true })).toMatchObject({
        inserted: 0,
        updated: 0,
        unchanged: 3,
      });
      const changed = JSON.parse(readFileSync(path, 'utf8'));
      changed[1].fields.objectif_de_reduction = '60.00';
      expect(
        await importZanTargets(t.handle.db, file('territorialisation.json', changed), { partial: true }),
      ).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    },
  );

  it("applies the EPCI's rate to its communes and the commune's own rate to it, in the envelopes", async () => {
    const body = await (await t.get(`/territories/${DOUAISIS}/zan`)).json();
    const communes = body.communes as {
      insee: string;
      reductionRate: number;
      reductionSource: string | null;
      envelope: { countedReferenceHa: number; allowedHa: number } | null;
    }[];
    expect(communes.length).toBeGreaterThan(1);
    const own = communes.find((c) => c.insee === commune)!;
    expect(own.reductionRate).toBe(0.7);
    expect(own.reductionSource).toBe(`SCOT EPCI_${DOUAISIS}, written into the PLUi (territorialisation.json)`);
    expect(own.envelope!.allowedHa).toBeCloseTo(Math.max(own.envelope!.countedReferenceHa * 0.3, 1), 3);
    for (const c of communes.filter((c) => c.insee !== commune)) {
      expect(c.reductionRate).toBe(0.6);
      if (c.envelope) expect(c.envelope.allowedHa).toBeCloseTo(Math.max(c.envelope.countedReferenceHa * 0.4, 1), 3);
    }
  });

  it('rejects a file that is not JSON, or not an array of records, as a whole', async () => {
    const notJson = await importZanTargets(t.handle.db, file('broken.json', '[{"model": '), { partial: true });
    expect(notJson.rejected).toEqual([
      { row: 0, column: null, value: null, reason: expect.stringMatching(/^not JSON: /) },
    ]);
    expect(notJson.written).toBe(false);
    const notArray = await importZanTargets(t.handle.db, file('object.json', { land: 'EPCI_200044618' }), {
      partial: true,
    });
    expect(notArray.rejected).toEqual([
      {
        row: 0,
        column: null,
        value: null,
        reason: 'expected a JSON array of public_data.territorialisationobjectif records (sparte fixture)',
      },
    ]);
  });
});

const real = join(import.meta.dirname, '../../../shared/data/zan/territorialisation_objectif.json');
const epciFile = join(import.meta.dirname, '../../../shared/data/admin/EPCI.geojson');
const present = existsSync(real) && existsSync(epciFile);
if (!present)
  console.warn(
    `skipping the real territorialisation import: ${real} or ${epciFile} is absent ` +
      '(the shared data folder is outside the repository)',
  );

describe.skipIf(!present)("importZanTargets on sparte's Hauts-de-France file", () => {
  const held = ['246000764', '200067965'];

  it('keeps the 5 EPCI targets and reports the region, the 40 SCoT and the custom grouping as unmatched', async () => {
    // Two of the file's EPCI from the real ADMIN EXPRESS boundaries; the other three stay unknown.
    const all = JSON.parse(readFileSync(epciFile, 'utf8'));
    const some = file('epci-oise.geojson', {
      ...all,
      features: all.features.filter((f: { properties: { CODE_SIREN: string } }) =>
        held.includes(f.properties.CODE_SIREN),
      ),
    });
    expect(await importBoundaries(t.handle.db, 'epci', some)).toMatchObject({ inserted: 2, rejected: [] });

    const dry = await importZanTargets(t.handle.db, real, { dryRun: true });
    expect(dry).toMatchObject({ rowsRead: 47, accepted: 5, inserted: 5, written: false, rejected: [] });
    const report = await importZanTargets(t.handle.db, real);
    expect(report).toMatchObject({ rowsRead: 47, accepted: 5, inserted: 5, written: true, rejected: [] });
    const byKind = (prefix: string) => report.unmatched.filter((u) => u.code.startsWith(prefix));
    expect(report.unmatched).toHaveLength(42 + 3);
    expect(byKind('REGION_')).toHaveLength(1);
    expect(byKind('SCOT_')).toHaveLength(40);
    expect(byKind('CUSTOM_')).toHaveLength(1);
    expect(
      byKind('EPCI_')
        .map((u) => u.code)
        .sort(),
    ).toEqual(['EPCI_200066975', 'EPCI_240200592', 'EPCI_246000772']);

    const rows = await t.handle.db
      .selectFrom('zanReductionTargets')
      .where('source', '=', 'territorialisation_objectif.json')
      .selectAll()
      .orderBy('landCode')
      .execute();
    expect(rows.map((r) => [r.landKind, r.landCode, r.reductionRate])).toEqual([
      ['epci', '200066975', 0.573],
      ['epci', '200067965', 0.62],
      ['epci', '240200592', 0.822],
      ['epci', '246000764', 0.611],
      ['epci', '246000772', 0.662],
    ]);
    expect(rows.find((r) => r.landCode === '246000764')!.document).toBe(
      'SRADDET Hauts-de-France (REGION_32) <https://www.hautsdefrance.fr/la-region-adopte-son-sraddet-modifie/>, ' +
        'to be written into the PLUI',
    );
    expect(await importZanTargets(t.handle.db, real)).toMatchObject({ inserted: 0, updated: 0, unchanged: 5 });
  });
});
