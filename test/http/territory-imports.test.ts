// Territory teams keep their inventory current (issue #16 items 1–3, #14 B3): an editor imports
// its territory's CNIG files (rows outside the key's territories rejected, nothing outside
// touched), extension columns survive a round trip, and the quality checks (declared vs drawn
// area, parcels of another commune, overlaps, missing investor fields, stale records) appear
// in the import report, on the plot and in the territory's report. Expected values come from
// the rows, read apart from the code under test.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteEcoFields, terrainEcoFields } from '../../src/cnig/fields.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { TEST_TODAY } from '../support/clock.js';
import { bearer, createKeys, fingerprint, type Keys, parcelHalvesIn } from '../support/writes.js';

const IN = 'ti-8401';
const OUT = 'ti-4407';

let t: TestContext;
let keys: Keys;
beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, IN, OUT);
});
afterAll(async () => t?.close());

type Row = Record<string, string>;
const readCsv = (text: string) => parse(text, { delimiter: ';', columns: true, bom: true }) as Row[];
const writeCsv = (rows: Row[]) => stringify(rows, { delimiter: ';', header: true });

const exportCsv = async (kind: 'site-eco' | 'terrain-eco', query = '') =>
  (await t.get(`/exports/cnig/${kind}.csv${query}`)).text();

const post = (query: string, body: string, key?: string) =>
  t.get(`/imports?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/csv', ...bearer(key) } });

/** The EPCI of a territory, from territory_epci. */
async function epciOf(territory: string): Promise<Set<string>> {
  const rows = await t.handle.db
    .selectFrom('territoryEpci')
    .select('epciSiren')
    .where('territoryId', '=', territory)
    .execute();
  return new Set(rows.map((r) => r.epciSiren));
}

describe('POST /imports by an editor', () => {
  it('imports its territory’s terrain-eco file: the changed plot is written', async () => {
    const rows = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    expect(rows.length).toBeGreaterThan(1);
    rows[0]!.terr_m2_prix = '41.5';
    const res = await post('kind=terrain-eco', writeCsv(rows), keys.editorIn);
    const report = await res.json();
    expect(res.status, JSON.stringify(report)).toBe(200);
    expect(report).toMatchObject({ written: true, updated: 1, inserted: 0, rejected: [] });
    const plot = await t.handle.db
      .selectFrom('plots')
      .select('priceEurM2')
      .where('cnigId', '=', rows[0]!.terr_id!)
      .executeTakeFirstOrThrow();
    expect(plot.priceEurM2).toBe(41.5);
  });

  it('rejects every row outside its territories with row, column and reason; nothing is written', async () => {
    const rows = readCsv(await exportCsv('site-eco'));
    const inside = await epciOf(IN);
    const outsideRows = rows.flatMap((r, i) => (inside.has(r.site_epci_siren!) ? [] : [i + 1]));
    expect(outsideRows.length).toBeGreaterThan(0);
    expect(outsideRows.length).toBeLessThan(rows.length);
    for (const r of rows) r.site_nom = `${r.site_nom} (renommé)`;
    const before = await fingerprint(t.handle.db);
    const res = await post('kind=site-eco', writeCsv(rows), keys.editorIn);
    const report = await res.json();
    expect(res.status).toBe(200);
    expect(report.written).toBe(false);
    expect(report.rejected.map((r: { row: number }) => r.row)).toEqual(outsideRows);
    for (const r of report.rejected)
      expect(r).toMatchObject({ column: 'site_epci_siren', reason: `EPCI outside this key's territories (${IN})` });
    expect(await fingerprint(t.handle.db)).toBe(before);

    // partial: the rows inside are written, those outside still untouched.
    const partial = await (await post('kind=site-eco&partial=true', writeCsv(rows), keys.editorIn)).json();
    expect(partial).toMatchObject({ written: true, updated: rows.length - outsideRows.length });
    const names = new Map(
      (await t.handle.db.selectFrom('sites').select(['cnigId', 'name', 'epciSiren']).execute()).map((s) => [
        s.cnigId,
        s,
      ]),
    );
    for (const r of rows) {
      const stored = names.get(r.site_id!)!;
      expect(stored.name.endsWith('(renommé)'), r.site_id).toBe(inside.has(stored.epciSiren));
    }
  });

  it('cannot move a stored site of another territory into its own', async () => {
    const [outside] = readCsv(await exportCsv('site-eco', `?territory=${OUT}`));
    const [inside] = readCsv(await exportCsv('site-eco', `?territory=${IN}`));
    const moved = { ...outside!, site_epci_siren: inside!.site_epci_siren!, site_comm_insee: inside!.site_comm_insee! };
    const before = await fingerprint(t.handle.db);
    const report = await (await post('kind=site-eco', writeCsv([moved]), keys.editorIn)).json();
    expect(report.rejected).toEqual([
      expect.objectContaining({
        row: 1,
        column: 'site_id',
        reason: `the stored site is outside this key's territories (${IN})`,
      }),
    ]);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('rejects plots of a site outside its territories', async () => {
    const rows = readCsv(await exportCsv('terrain-eco', `?territory=${OUT}`));
    const report = await (await post('kind=terrain-eco&dryRun=true', writeCsv(rows), keys.editorIn)).json();
    expect(report.rejected).toHaveLength(rows.length);
    expect(new Set(report.rejected.map((r: { reason: string }) => r.reason))).toEqual(
      new Set([`the site is outside this key's territories (${IN})`]),
    );
  });

  it('dry run reports row by row and writes nothing; the same file then commits', async () => {
    const rows = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    rows[1]!.terr_m2_prix = '12';
    rows[2]!.terr_stade_amngt = 'inconnu-du-standard';
    const before = await fingerprint(t.handle.db);
    const dry = await (await post('kind=terrain-eco&dryRun=true', writeCsv(rows), keys.editorIn)).json();
    expect(dry).toMatchObject({ dryRun: true, written: false, updated: 1 });
    expect(dry.rejected).toEqual([expect.objectContaining({ row: 3, line: 4, column: 'terr_stade_amngt' })]);
    expect(await fingerprint(t.handle.db)).toBe(before);
    rows[2] = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`))[2]!;
    const commit = await (await post('kind=terrain-eco', writeCsv(rows), keys.editorIn)).json();
    expect(commit).toMatchObject({ dryRun: false, written: true, updated: 1, rejected: [] });
  });

  it('other kinds and index rebuilds need an admin key (403); anonymous 401, labeller 403', async () => {
    const csv = await exportCsv('site-eco', `?territory=${IN}`);
    const before = await fingerprint(t.handle.db);
    const cadastre = await post('kind=cadastre', '{}', keys.editorIn);
    expect(cadastre.status).toBe(403);
    expect(cadastre.headers.get('content-type')).toBe('application/problem+json');
    expect((await post('kind=site-eco&indexes=rebuild', csv, keys.editorIn)).status).toBe(403);
    expect((await post('kind=site-eco', csv)).status).toBe(401);
    expect((await post('kind=site-eco', csv, keys.labeller)).status).toBe(403);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });
});

describe('DELETE /plots/{id}?reason=', () => {
  it('soft-deletes with the reason kept in the audit log; an empty reason is a 400 and changes nothing', async () => {
    const [row] = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    const plot = await t.handle.db
      .selectFrom('plots')
      .select('id')
      .where('cnigId', '=', row!.terr_id!)
      .executeTakeFirstOrThrow();
    const etag = (await t.get(`/plots/${plot.id}`)).headers.get('etag')!;
    const headers = { ...bearer(keys.editorIn), 'if-match': etag };
    const before = await fingerprint(t.handle.db);
    const empty = await t.get(`/plots/${plot.id}?reason=`, { method: 'DELETE', headers });
    expect(empty.status).toBe(400);
    expect(await fingerprint(t.handle.db)).toBe(before);
    const res = await t.get(`/plots/${plot.id}?reason=${encodeURIComponent('vendu et bâti')}`, {
      method: 'DELETE',
      headers,
    });
    expect(res.status).toBe(204);
    const audit = await t.handle.db
      .selectFrom('auditLog')
      .select(['action', 'reason', 'actorName'])
      .where('entityId', '=', plot.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ action: 'delete', reason: 'vendu et bâti', actorName: 'editor in scope' });
    expect((await t.get(`/plots/${plot.id}`)).status).toBe(404);
  });
});

describe('POST /plots from cadastral parcels', () => {
  it('takes the union of the parcels as the outline; unknown parcels are a 400 naming them', async () => {
    const db = t.handle.db;
    // Two parcels side by side: the west and east halves of a 120 m square inside a site's commune.
    const { refs: ids, communeInsee, siteId } = await parcelHalvesIn(db, IN, 120, 'ZZ');
    const { rows } = await sql<{
      ha: number;
    }>`SELECT sum(ST_Area(geom::geography)) / 10000 AS ha FROM parcels WHERE id = ANY(${ids})`.execute(db);
    const body = {
      siteId,
      cadastralRefs: ids,
      landControl: 'commune',
      developmentStage: 'viabilisé et aménagé',
      marketingStage: 'en vente',
      occupation: 'inoccupé',
      landUse: 'espace agricole',
    };
    const post = (b: unknown) =>
      t.get('/plots', {
        method: 'POST',
        headers: { ...bearer(keys.editorIn), 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
    const before = await fingerprint(db);
    const unknown = await post({ ...body, cadastralRefs: [...ids, `${communeInsee}000ZZ0099`] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).detail).toContain(`${communeInsee}000ZZ0099`);
    expect((await post({ ...body, cadastralRefs: [] })).status).toBe(400);
    expect(await fingerprint(db)).toBe(before);
    const res = await post(body);
    expect(res.status, await res.clone().text()).toBe(201);
    const plot = await res.json();
    expect(plot.cadastralRefs).toEqual(ids);
    expect(plot.areaHa).toBeCloseTo(Number(rows[0]!.ha), 3);
    expect(plot.checks).toEqual([]);
  });
});

describe('extension columns', () => {
  const siteExt = ['ext_puissance_mw', 'ext_disponible_le', 'ext_programme_cle_en_main'];
  const plotExt = ['ext_zone_plu', 'ext_disponible_le'];

  it('come after the standard’s columns on export; extensions=false gives the standard’s alone', async () => {
    const header = (await exportCsv('site-eco', `?territory=${IN}`)).split('\n')[0]!.trim().split(';');
    expect(header).toEqual([...siteEcoFields.map((f) => f.name), ...siteExt]);
    const plotHeader = (await exportCsv('terrain-eco', `?territory=${IN}`)).split('\n')[0]!.trim().split(';');
    expect(plotHeader).toEqual([...terrainEcoFields.map((f) => f.name), ...plotExt]);
    const strict = (await exportCsv('site-eco', `?territory=${IN}&extensions=false`)).split('\n')[0]!.trim();
    expect(strict.split(';')).toEqual(siteEcoFields.map((f) => f.name));
    expect((await t.get('/exports/cnig/site-eco.csv?extensions=maybe')).status).toBe(400);
  });

  it('round trip: values read on import, written back on export; a file without them keeps them', async () => {
    const sites = readCsv(await exportCsv('site-eco', `?territory=${IN}`));
    Object.assign(sites[0]!, {
      ext_puissance_mw: '37.5',
      ext_disponible_le: '2027-06-30',
      ext_programme_cle_en_main: 'France 2030',
    });
    const cleared = sites[1]!.ext_puissance_mw !== '' || sites[1]!.ext_disponible_le !== '';
    Object.assign(sites[1]!, { ext_puissance_mw: '', ext_disponible_le: '' });
    const report = await (await post('kind=site-eco', writeCsv(sites), keys.editorIn)).json();
    expect(report).toMatchObject({ written: true, updated: cleared ? 2 : 1, rejected: [] });
    const stored = async (cnigId: string) =>
      t.handle.db
        .selectFrom('sites')
        .select(['powerMw', 'availableFrom', 'turnkeyProgramme'])
        .where('cnigId', '=', cnigId)
        .executeTakeFirstOrThrow();
    expect(await stored(sites[0]!.site_id!)).toEqual({
      powerMw: 37.5,
      availableFrom: '2027-06-30',
      turnkeyProgramme: 'France 2030',
    });
    expect(await stored(sites[1]!.site_id!)).toMatchObject({ powerMw: null, availableFrom: null });
    const extensions = (r: Row) => [r.site_id, ...siteExt.map((name) => r[name])];
    const again = readCsv(await exportCsv('site-eco', `?territory=${IN}`));
    expect(again.map(extensions)).toEqual(sites.map(extensions));

    // The strict file says nothing of them: they stay as stored.
    const strict = await exportCsv('site-eco', `?territory=${IN}&extensions=false`);
    const unchanged = await (await post('kind=site-eco', strict, keys.editorIn)).json();
    expect(unchanged).toMatchObject({ written: true, updated: 0, inserted: 0, rejected: [] });
    expect((await stored(sites[0]!.site_id!)).powerMw).toBe(37.5);

    const plots = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    Object.assign(plots[0]!, { ext_zone_plu: 'AU', ext_disponible_le: '2028-01-15' });
    expect(await (await post('kind=terrain-eco', writeCsv(plots), keys.editorIn)).json()).toMatchObject({
      written: true,
      updated: 1,
    });
    const plot = await t.handle.db
      .selectFrom('plots')
      .select(['planningZone', 'availableFrom'])
      .where('cnigId', '=', plots[0]!.terr_id!)
      .executeTakeFirstOrThrow();
    expect(plot).toEqual({ planningZone: 'AU', availableFrom: '2028-01-15' });
  });

  it('rejects a value of the wrong type with the column and what is expected', async () => {
    const sites = readCsv(await exportCsv('site-eco', `?territory=${IN}`));
    sites[0]!.ext_disponible_le = '2027-02-30';
    sites[1]!.ext_puissance_mw = '-3';
    const plots = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    plots[0]!.ext_zone_plu = 'X';
    const before = await fingerprint(t.handle.db);
    const siteReport = await (await post('kind=site-eco', writeCsv(sites), keys.editorIn)).json();
    expect(siteReport.rejected).toEqual([
      expect.objectContaining({
        row: 1,
        column: 'ext_disponible_le',
        value: '2027-02-30',
        reason: 'a date YYYY-MM-DD expected',
      }),
      expect.objectContaining({
        row: 2,
        column: 'ext_puissance_mw',
        value: '-3',
        reason: 'a number ≥ 0 expected (MW)',
      }),
    ]);
    const plotReport = await (await post('kind=terrain-eco', writeCsv(plots), keys.editorIn)).json();
    expect(plotReport.rejected).toEqual([
      expect.objectContaining({ row: 1, column: 'ext_zone_plu', reason: 'one of U, AU, A, N expected' }),
    ]);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });
});

interface PlotFacts {
  id: string;
  cnigId: string;
  declaredHa: number;
  drawnHa: number;
  refs: string[];
  commune: string;
}

/** The territory's live plots as plain rows: what the checks are computed from here. */
async function plotFacts(territory: string): Promise<PlotFacts[]> {
  const { rows } = await sql<PlotFacts>`
    SELECT p.id, p.cnig_id, p.gross_area_ha AS declared_ha, p.area_ha AS drawn_ha, p.cadastral_refs AS refs,
           coalesce(p.commune_insee, s.commune_insee) AS commune
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territory} AND p.deleted_at IS NULL AND s.deleted_at IS NULL
    ORDER BY p.cnig_id`.execute(t.handle.db);
  return rows;
}

/** The checks a plot fails, computed in JS from its row. */
function expectedChecks(p: PlotFacts) {
  const checks: string[] = [];
  if (Math.abs(p.declaredHa - p.drawnHa) > 0.1 * p.drawnHa) checks.push('declared_area');
  if (p.refs.some((r) => r.slice(0, 5) !== p.commune)) checks.push('parcel_commune');
  return checks;
}

describe('quality checks', () => {
  let areaPlot: PlotFacts;
  let parcelPlot: PlotFacts;

  it('an import reports a declared area off by more than 10 % and parcels of another commune as warnings, rows kept', async () => {
    const rows = readCsv(await exportCsv('terrain-eco', `?territory=${IN}`));
    const facts = new Map((await plotFacts(IN)).map((p) => [p.cnigId, p]));
    // 13 ha declared for 20.9 drawn, the case: 62 % of the drawn area.
    const a = facts.get(rows[3]!.terr_id!)!;
    const declared = Math.round(a.drawnHa * 0.622 * 100) / 100;
    rows[3]!.terr_surf_brute = String(declared);
    const b = facts.get(rows[4]!.terr_id!)!;
    rows[4]!.terr_refcad = `91216000AB0001|${b.commune}000AB0002`;
    const report = await (await post('kind=terrain-eco', writeCsv(rows), keys.editorIn)).json();
    expect(report).toMatchObject({ written: true, rejected: [] });
    const pct = Math.round(((declared - a.drawnHa) / a.drawnHa) * 1000) / 10;
    const mine = report.warnings.filter((w: { row: number }) => w.row === 4 || w.row === 5);
    expect(mine).toEqual([
      expect.objectContaining({ row: 4, column: 'terr_surf_brute', value: String(declared) }),
      expect.objectContaining({ row: 5, column: 'terr_refcad', value: '91216000AB0001' }),
    ]);
    expect(mine[0].reason).toContain(`(${pct} %, more than 10 %)`);
    expect(mine[1].reason).toBe(`parcels of 91216 on a plot in ${b.commune}: 91216000AB0001`);
    // Every warning is a plot failing a check by its own row.
    const after = await plotFacts(IN);
    const byRow = new Map(rows.map((r, i) => [r.terr_id!, i + 1]));
    const expected = after
      .flatMap((p) =>
        expectedChecks(p).map((c) => ({
          row: byRow.get(p.cnigId)!,
          column: c === 'declared_area' ? 'terr_surf_brute' : 'terr_refcad',
        })),
      )
      .sort((x, y) => x.row - y.row);
    expect(report.warnings.map((w: { row: number; column: string }) => ({ row: w.row, column: w.column }))).toEqual(
      expected,
    );
    areaPlot = after.find((p) => p.cnigId === a.cnigId)!;
    parcelPlot = after.find((p) => p.cnigId === b.cnigId)!;
  });

  it('GET /plots/{id} lists the checks the plot fails', async () => {
    const area = await (await t.get(`/plots/${areaPlot.id}`)).json();
    expect(area.checks).toEqual([
      expect.objectContaining({
        check: 'declared_area',
        declaredHa: areaPlot.declaredHa,
        differencePct: Math.round(((areaPlot.declaredHa - areaPlot.drawnHa) / areaPlot.drawnHa) * 1000) / 10,
      }),
    ]);
    const parcel = await (await t.get(`/plots/${parcelPlot.id}`)).json();
    expect(parcel.checks).toEqual([
      {
        check: 'parcel_commune',
        reason: expect.any(String),
        plotCommune: parcelPlot.commune,
        parcels: ['91216000AB0001'],
        parcelCommunes: ['91216'],
      },
    ]);
    const clean = (await plotFacts(IN)).find((p) => expectedChecks(p).length === 0)!;
    expect((await (await t.get(`/plots/${clean.id}`)).json()).checks).toEqual([]);
  });

  it('GET /territories/{id}/quality: each check as computed from the rows', async () => {
    const db = t.handle.db;
    const plots = await plotFacts(IN);
    // Overlaps made by hand: plot 7 a copy of plot 6 (overlap = its whole area), plot 9 a copy
    // of plot 8 moved by half its width (overlap ≈ half), plot 10 beside plot 9 (edge only).
    const [p6, p7, p8, p9, p10] = plots.slice(6, 11);
    await sql`UPDATE plots SET geom = (SELECT geom FROM plots WHERE id = ${p6!.id}) WHERE id = ${p7!.id}`.execute(db);
    await sql`UPDATE plots SET geom = ST_Multi(ST_MakeEnvelope(-5.500, 47.0, -5.498, 47.002, 4326))
      WHERE id = ${p8!.id}`.execute(db);
    await sql`UPDATE plots SET geom = ST_Multi(ST_MakeEnvelope(-5.499, 47.0, -5.497, 47.002, 4326))
      WHERE id = ${p9!.id}`.execute(db);
    await sql`UPDATE plots SET geom = ST_Multi(ST_MakeEnvelope(-5.497, 47.0, -5.495, 47.002, 4326))
      WHERE id = ${p10!.id}`.execute(db);
    // Stale: older than 12 months before TEST_TODAY (2026-11-25), the boundary day not.
    const yearBefore = `${Number(TEST_TODAY.slice(0, 4)) - 1}${TEST_TODAY.slice(4)}`;
    await db.updateTable('plots').set({ updatedOn: '2025-11-24' }).where('id', '=', p6!.id).execute();
    await db.updateTable('plots').set({ updatedOn: yearBefore }).where('id', '=', p7!.id).execute();

    const res = await t.get(`/territories/${IN}/quality`);
    expect(res.status).toBe(200);
    const report = await res.json();
    const after = await plotFacts(IN);

    const expectedPlotChecks = after
      .map((p) => ({ cnigId: p.cnigId, checks: expectedChecks(p) }))
      .filter((p) => p.checks.length > 0);
    expect(
      report.plotChecks.map((p: { cnigId: string; checks: { check: string }[] }) => ({
        cnigId: p.cnigId,
        checks: p.checks.map((c) => c.check),
      })),
    ).toEqual(expectedPlotChecks);
    expect(report.counts.areaMismatches).toBe(
      expectedPlotChecks.filter((p) => p.checks.includes('declared_area')).length,
    );

    // The copy overlaps by the whole plot; the half-moved square by half of it; the neighbour not.
    const pair = (a: string, b: string) =>
      report.overlaps.find(
        (o: { plots: { id: string }[] }) =>
          new Set(o.plots.map((p) => p.id)).has(a) && new Set(o.plots.map((p) => p.id)).has(b),
      );
    const area = new Map(after.map((p) => [p.id, p.drawnHa]));
    expect(pair(p6!.id, p7!.id)?.overlapHa).toBeCloseTo(area.get(p6!.id)!, 3);
    expect(pair(p8!.id, p9!.id)?.overlapHa).toBeCloseTo(area.get(p8!.id)! / 2, 3);
    expect(pair(p9!.id, p10!.id)).toBeUndefined();
    expect(report.counts.overlaps).toBe(report.overlaps.length);

    const { rows: sites } = await sql<{
      cnigId: string;
      powerMw: number | null;
      availableFrom: string | null;
      plotAvailable: number;
    }>`
      SELECT s.cnig_id, s.power_mw, s.available_from,
             (SELECT count(*)::int FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL
               AND p.available_from IS NOT NULL) AS plot_available
      FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = ${IN} AND s.deleted_at IS NULL ORDER BY s.cnig_id`.execute(db);
    const expectedMissing = sites
      .map((s) => ({
        cnigId: s.cnigId,
        missing: [
          ...(s.powerMw === null ? ['powerMw'] : []),
          ...(s.availableFrom === null && s.plotAvailable === 0 ? ['availableFrom'] : []),
        ],
      }))
      .filter((s) => s.missing.length > 0);
    expect(
      report.missingInvestorFields.map((m: { site: { cnigId: string }; missing: string[] }) => ({
        cnigId: m.site.cnigId,
        missing: m.missing,
      })),
    ).toEqual(expectedMissing);
    expect(expectedMissing.length).toBeGreaterThan(0);

    const { rows: dated } = await sql<{ cnigId: string; updatedOn: string }>`
      SELECT s.cnig_id, s.updated_on FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = ${IN} AND s.deleted_at IS NULL
      UNION ALL
      SELECT p.cnig_id, p.updated_on FROM plots p JOIN sites s ON s.id = p.site_id
      JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${IN} AND p.deleted_at IS NULL
      AND s.deleted_at IS NULL`.execute(db);
    const expectedStale = dated
      .filter((r) => String(r.updatedOn) < yearBefore)
      .map((r) => r.cnigId)
      .sort();
    expect(report.stale.map((s: { cnigId: string }) => s.cnigId).sort()).toEqual(expectedStale);
    expect(expectedStale).toContain(p6!.cnigId);
    expect(expectedStale).not.toContain(p7!.cnigId);
    expect(report).toMatchObject({ today: TEST_TODAY, thresholds: { areaTolerancePct: 10, staleMonths: 12 } });
    expect(report.counts.plots).toBe(after.length);
  });

  it('GET /territories/{id}/quality: 404 for an unknown territory, 400 for a malformed id or parameter', async () => {
    expect((await t.get('/territories/ti-0000/quality')).status).toBe(404);
    expect((await t.get('/territories/nope/quality')).status).toBe(400);
    expect((await t.get(`/territories/${IN}/quality?x=1`)).status).toBe(400);
  });
});
