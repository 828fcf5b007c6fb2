// The two ANCT 2023-2027 layouts (not in ../shared/data) on the demo catalogue's EPCI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTerritories } from '../../src/importers/territories-industrie.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let dir: string;
beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-ti-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("Territoires d'industrie, ANCT layouts", () => {
  it('groupement level: creates the territory with its EPCI and their union as boundary; a rerun changes nothing', async () => {
    const epci = await t.handle.db
      .selectFrom('epci')
      .select(['siren', 'name', 'nature', 'areaHa'])
      .orderBy('siren')
      .limit(2)
      .execute();
    const csv = [
      'id_ti;lib_ti;siren_groupement;lib_groupement;nature_juridique',
      ...epci.map((e) => `ti-8499;Territoire test;${e.siren};${e.name};${e.nature}`),
      'ti-8499;Territoire test;999999999;Inconnue;CC',
    ].join('\n');
    const path = file('groupements.csv', csv);
    const report = await importTerritories(t.handle.db, path);
    expect(report).toMatchObject({ rejected: [], inserted: 1, written: true });
    expect(report.unmatched).toEqual([expect.objectContaining({ row: 3, code: '999999999' })]);
    const territory = await t.handle.db
      .selectFrom('territories')
      .selectAll()
      .where('id', '=', 'ti-8499')
      .executeTakeFirstOrThrow();
    expect(territory).toMatchObject({ phases: ['2023-2027'], regionCode: '84', regionName: 'Auvergne-Rhône-Alpes' });
    expect(territory.areaHa!).toBeCloseTo(epci[0]!.areaHa + epci[1]!.areaHa, -1);
    expect((await importTerritories(t.handle.db, path)).unchanged).toBe(1);
  });

  it('commune level: derives the EPCI covered by the listed communes and merges phases', async () => {
    const communes = await t.handle.db
      .selectFrom('communes')
      .select(['insee', 'name', 'epciSiren'])
      .where('epciSiren', 'is not', null)
      .orderBy('insee')
      .execute();
    const siren = communes[0]!.epciSiren!;
    const members = communes.filter((c) => c.epciSiren === siren);
    const existing = await t.handle.db
      .selectFrom('territories')
      .select(['id', 'phases'])
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const csv = [
      'insee_com;lib_com;id_ti;lib_ti',
      ...members.map((c) => `${c.insee};${c.name};${existing.id};Nouveau nom`),
      `07999;Commune fusionnée;${existing.id};Nouveau nom`,
    ].join('\n');
    const report = await importTerritories(t.handle.db, file('communes.csv', csv));
    expect(report.rejected).toEqual([]);
    expect(report.unmatched.some((u) => u.code === '07999')).toBe(true);
    const after = await t.handle.db
      .selectFrom('territories')
      .select(['phases', 'name'])
      .where('id', '=', existing.id)
      .executeTakeFirstOrThrow();
    expect(after.phases).toEqual([...new Set([...existing.phases, '2023-2027'])].sort());
    expect(after.name).toBe('Nouveau nom');
    const membership = await t.handle.db
      .selectFrom('territoryEpci')
      .select('epciSiren')
      .where('territoryId', '=', existing.id)
      .execute();
    expect(membership.map((m) => m.epciSiren)).toContain(siren);
  });

  it('rejects a file in no known layout', async () => {
    const report = await importTerritories(t.handle.db, file('other.csv', 'a;b\n1;2\n'));
    expect(report.written).toBe(false);
    expect(report.rejected[0]).toMatchObject({ row: 0 });
  });
});
