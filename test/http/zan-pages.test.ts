// The ZAN rules of issue #16 through HTTP (missing data, the guarantee by planning document and
// its import, the SPARTE reading, the simulation at every level) and the ZAN pages: content
// negotiation, French numbers, the exhaustion year, "données manquantes", sortable communes.
// Expected figures are recomputed here from the stored rows, not taken from the code under test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { importPlanningDocuments } from '../../src/importers/planning-documents.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { square } from '../support/geojson.js';

let t: TestContext;
let dir: string;
beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-zan-pages-'));
});
afterAll(async () => t?.close());

const html = { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } };
const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A commune's envelope from its stored rows, as the law reads it (reference 2011-2020 halved,
 * floored at 1 ha when the guarantee applies; consumption 2021 onwards). */
async function byHand(insee: string, guarantee: boolean) {
  const { rows } = await sql<{ year: number; naf: number }>`
    SELECT year, naf_m2 AS naf FROM commune_consumption WHERE insee = ${insee} ORDER BY year`.execute(t.handle.db);
  const reference = rows.filter((r) => r.year >= 2011 && r.year <= 2020).reduce((s, r) => s + r.naf, 0) / 10_000;
  const consumed = rows.filter((r) => r.year >= 2021 && r.year <= 2030).reduce((s, r) => s + r.naf, 0) / 10_000;
  const reduced = reference / 2;
  const allowed = guarantee ? Math.max(reduced, 1) : reduced;
  return { reference, reduced, allowed, consumed, remaining: allowed - consumed };
}

/** The EPCI with the most communes of the first territory, and its communes. */
async function anEpci() {
  const { rows } = await sql<{ siren: string; territory: string; n: number }>`
    SELECT c.epci_siren AS siren, min(te.territory_id) AS territory, count(*)::int AS n
    FROM communes c JOIN territory_epci te ON te.epci_siren = c.epci_siren
    GROUP BY c.epci_siren ORDER BY n DESC, c.epci_siren LIMIT 1`.execute(t.handle.db);
  const communes = await t.handle.db
    .selectFrom('communes')
    .where('epciSiren', '=', rows[0]!.siren)
    .select(['insee', 'name'])
    .orderBy('insee')
    .execute();
  return { ...rows[0]!, communes };
}

describe('missing data', () => {
  it('gives a commune without consumption data null figures flagged, and the EPCI counts it apart', async () => {
    const epci = await anEpci();
    const lacking = epci.communes[0]!.insee;
    const before = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    const own = await byHand(lacking, true);
    await sql`CREATE TABLE consumption_kept AS SELECT * FROM commune_consumption WHERE insee = ${lacking}`.execute(
      t.handle.db,
    );
    await sql`DELETE FROM commune_consumption WHERE insee = ${lacking}`.execute(t.handle.db);
    try {
      const commune = await (await t.get(`/territories/${lacking}/zan`)).json();
      expect(commune.envelope.allowedHa).toBeNull();
      expect(commune.envelope.yearsToExhaustion).toBeNull();
      expect(commune.envelope.missingData).toBe('données manquantes');
      expect(commune.missingData).toEqual({ communes: 1, insee: [lacking], allowedAtLeastHa: 1 });
      expect(commune.sparte).toBeNull();

      const after = await (await t.get(`/territories/${epci.siren}/zan`)).json();
      // The EPCI loses exactly that commune's allowance, keeps the others' guarantees.
      expect(after.envelope.allowedHa).toBeCloseTo(before.envelope.allowedHa - own.allowed, 3);
      expect(after.envelope.guaranteedCommunes).toBe(before.envelope.guaranteedCommunes - (own.reduced < 1 ? 1 : 0));
      expect(after.missingData).toEqual({ communes: 1, insee: [lacking], allowedAtLeastHa: 1 });
      const row = after.communes.find((c: { insee: string }) => c.insee === lacking);
      expect(row.envelope.allowedHa).toBeNull();
      expect(row.missingData).toEqual(['consommation Cerema']);

      const page = await (await t.get(`/territories/${lacking}/zan`, html)).text();
      expect(page).toContain('données manquantes');
      const epciPage = await (await t.get(`/territories/${epci.siren}/zan`, html)).text();
      expect(epciPage).toContain('1 commune(s) sans consommation Cerema');
    } finally {
      await sql`INSERT INTO commune_consumption SELECT * FROM consumption_kept`.execute(t.handle.db);
      await sql`DROP TABLE consumption_kept`.execute(t.handle.db);
    }
  });
});

describe('communal guarantee by planning document', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('states the default in every response until a status is imported', async () => {
    const epci = await anEpci();
    const body = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    expect(body.ruleSet.communalGuarantee).toEqual({ ha: 1, documentBefore: '2026-08-22', default: 'applies' });
    expect(body.guarantee.guaranteeBasis).toBe('default');
    expect(body.communes[1].guarantee).toEqual({ applies: true, guaranteeBasis: 'default', default: 'applies' });
    expect(body.projection.method).toBe('consumed-plus-recent-pace');
  });

  it('rejects a bad row with its reason and writes nothing', async () => {
    const epci = await anEpci();
    const path = write('bad.csv', `insee,statut,date\n${epci.communes[1]!.insee},abandonné,\n`);
    const report = await importPlanningDocuments(t.handle.db, path);
    expect(report.rejected).toEqual([
      expect.objectContaining({ row: 1, line: 2, column: 'statut', value: 'abandonné' }),
    ]);
    expect(report.written).toBe(false);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM commune_planning_documents`.execute(
      t.handle.db,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('withholds the 1 ha from a commune without a document in time, recorded as such', async () => {
    const epci = await anEpci();
    // The commune with the smallest reference: the one the floor matters most to.
    const hands = await Promise.all(epci.communes.map(async (c) => ({ ...c, ...(await byHand(c.insee, true)) })));
    const small = hands.sort((a, b) => a.reference - b.reference)[0]!;
    const late = hands.find((c) => c.insee !== small.insee)!;
    const path = write(
      'planning.csv',
      `insee,statut,date,document\n${small.insee},aucun,,\n${late.insee},prescrit,2026-09-01,PLU\n`,
    );
    const report = await importPlanningDocuments(t.handle.db, path);
    expect(report).toMatchObject({ written: true, inserted: 2, rejected: [] });
    expect((await importPlanningDocuments(t.handle.db, path)).unchanged).toBe(2);

    const body = await (await t.get(`/territories/${small.insee}/zan`)).json();
    const expected = await byHand(small.insee, false);
    expect(body.envelope.allowedHa).toBeCloseTo(expected.allowed, 3);
    expect(body.communes[0].guarantee).toEqual({
      applies: false,
      guaranteeBasis: 'recorded',
      planningDocument: { status: 'none', statusOn: null },
    });
    const epciBody = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    expect(epciBody.guarantee).toMatchObject({ recordedCommunes: 2, withheldCommunes: 2 });
    const lateRow = epciBody.communes.find((c: { insee: string }) => c.insee === late.insee);
    expect(lateRow.guarantee.planningDocument).toEqual({ status: 'prescribed', statusOn: '2026-09-01' });
    expect(lateRow.envelope.allowedHa).toBeCloseTo((await byHand(late.insee, false)).allowed, 3);
    await sql`DELETE FROM commune_planning_documents`.execute(t.handle.db);
  });
});

describe('POST /imports?kind=planning-documents', () => {
  it('imports the statuses over HTTP as an admin, a dry run first, and the responses say recorded', async () => {
    const epci = await anEpci();
    const admin = (await createApiKey(t.handle.db, { name: 'planning admin', role: 'admin' })).key;
    const insee = epci.communes[2]!.insee;
    const send = (query: string) =>
      t.get(`/imports?kind=planning-documents&${query}`, {
        method: 'POST',
        body: `insee,statut,date,document\n${insee},approuvé,2019-06-27,PLUi\n`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      });
    expect((await t.get('/imports?kind=planning-documents', { method: 'POST', body: 'insee,statut\n' })).status).toBe(
      401,
    );
    const dry = await (await send('dryRun=true')).json();
    expect(dry).toMatchObject({ kind: 'planning-documents', dryRun: true, accepted: 1, inserted: 1, written: false });
    expect((await (await t.get(`/territories/${insee}/zan`)).json()).communes[0].guarantee.guaranteeBasis).toBe(
      'default',
    );
    const done = await send('filename=plu.csv');
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ inserted: 1, written: true });
    const body = await (await t.get(`/territories/${insee}/zan`)).json();
    expect(body.communes[0].guarantee).toEqual({
      applies: true,
      guaranteeBasis: 'recorded',
      planningDocument: { status: 'approved', statusOn: '2019-06-27' },
    });
    expect(body.guarantee).toMatchObject({ guaranteeBasis: 'recorded', recordedCommunes: 1, defaultCommunes: 0 });
    await sql`DELETE FROM commune_planning_documents`.execute(t.handle.db);
  });
});

describe('SPARTE reading', () => {
  it('floors the EPCI total once and projects the pace since 2021 × 9, beside ours', async () => {
    const epci = await anEpci();
    const body = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    const hands = await Promise.all(epci.communes.map((c) => byHand(c.insee, true)));
    const reducedTotal = hands.reduce((s, h) => s + h.reduced, 0);
    const consumed = hands.reduce((s, h) => s + h.consumed, 0);
    expect(body.sparte.allowedHa).toBeCloseTo(Math.max(reducedTotal, 1), 3);
    // Observed window years in the demo: 2021, 2022, 2023.
    expect(body.sparte.projectedHa).toBeCloseTo((consumed / 3) * 9, 3);
    expect(body.sparte.difference.allowedHa).toBeCloseTo(body.envelope.allowedHa - Math.max(reducedTotal, 1), 3);
    expect(body.sparte.explanation).toMatch(/SPARTE/);
  });
});

describe('POST /zan/simulate at every level', () => {
  it('gives the commune, its EPCI and its territory before and after', async () => {
    const epci = await anEpci();
    const { rows } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
      FROM communes WHERE insee = ${epci.communes[0]!.insee}`.execute(t.handle.db);
    const { lon, lat } = rows[0]!;
    const geometry = square(lon, lat, 0.003);
    const res = await t.get('/zan/simulate', post({ geometry }));
    expect(res.status).toBe(200);
    const body = await res.json();
    const used = body.communes.reduce((s: number, c: { consumptionHa: number }) => s + c.consumptionHa, 0);
    expect(body.epci.map((e: { id: string }) => e.id)).toContain(epci.siren);
    const level = body.epci.find((e: { id: string }) => e.id === epci.siren);
    const own = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    expect(level.before.remainingHa).toBeCloseTo(own.envelope.remainingHa, 3);
    expect(level.after.remainingHa).toBeCloseTo(own.envelope.remainingHa - level.consumptionHa, 3);
    const territory = body.territories.find((x: { id: string }) => x.id === epci.territory);
    const ownTerritory = await (await t.get(`/territories/${epci.territory}/zan`)).json();
    expect(territory.before.remainingHa).toBeCloseTo(ownTerritory.envelope.remainingHa, 3);
    expect(territory.consumptionHa).toBeCloseTo(used, 3);
    expect(territory.shareOfRemaining).toBeCloseTo(used / ownTerritory.envelope.remainingHa, 3);
  });
});

describe('ZAN pages', () => {
  it('answers a browser with the French page and a JSON client with the JSON, on the same URL', async () => {
    const epci = await anEpci();
    const page = await t.get(`/territories/${epci.territory}/zan`, html);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('vary')).toContain('accept');
    const text = await page.text();
    expect(text).toContain('<html lang="fr">');
    const json = await t.get(`/territories/${epci.territory}/zan`);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect((await t.get(`/territories/${epci.territory}/zan?f=json`, html)).headers.get('content-type')).toContain(
      'application/json',
    );
    expect((await t.get(`/territories/${epci.territory}/zan?f=html`)).headers.get('content-type')).toContain(
      'text/html',
    );
    expect((await t.get(`/territories/${epci.territory}/zan?tri=couleur`, html)).status).toBe(400);
  });

  it('writes figures in French with the exhaustion year, round ticks and the chart table', async () => {
    const epci = await anEpci();
    const body = await (await t.get(`/territories/${epci.territory}/zan`)).json();
    const text = await (await t.get(`/territories/${epci.territory}/zan`, html)).text();
    const fr = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(text).toContain(`${fr.format(body.envelope.allowedHa)} ha`);
    const year = body.envelope.exhaustionYear;
    expect(year).toEqual(expect.any(Number));
    expect(text).toContain(year <= 2030 ? `enveloppe épuisée en ${year}` : 'enveloppe non épuisée en 2030');
    // Y ticks: round numbers, the top one with its unit, none like 492.1.
    const ticks = [...text.matchAll(/class="zc-ytick">([^<]+)</g)].map((m) => m[1]!);
    expect(ticks[0]).toBe('0');
    expect(ticks.at(-1)).toMatch(/ ha$/);
    const values = ticks.map((v) =>
      Number(
        v
          .replace(/ ha$/, '')
          .replace(/\u202f/g, '')
          .replace(',', '.'),
      ),
    );
    const step = values[1]! - values[0]!;
    expect(step / 10 ** Math.floor(Math.log10(step))).toSatisfy((f: number) => [1, 2, 2.5, 5].includes(f));
    expect(text).toContain('<caption>Consommation décomptée par année');
    expect(text).toContain('Comparaison avec SPARTE');
  });

  it('sorts the communes by a header link without script, with aria-sort', async () => {
    const epci = await anEpci();
    const body = await (await t.get(`/territories/${epci.siren}/zan`)).json();
    const text = await (await t.get(`/territories/${epci.siren}/zan?tri=-restant`, html)).text();
    expect(text).toMatch(/aria-sort="descending"><a href="\/territories\/\d+\/zan\?tri=restant#communes">Restant/);
    const table = text.slice(text.indexOf('class="zan-communes"'));
    const order = [...table.matchAll(/<th scope="row"><a href="\/territories\/(\w+)\/zan">/g)].map((m) => m[1]);
    type Row = { insee: string; name: string; envelope: { remainingHa: number } };
    const expected = [...(body.communes as Row[])]
      .sort((a, b) => b.envelope.remainingHa - a.envelope.remainingHa || a.name.localeCompare(b.name, 'fr'))
      .map((c) => c.insee);
    expect(order).toEqual(expected);
  });

  it('prints the report with the same chart and the year', async () => {
    const epci = await anEpci();
    const body = await (await t.get(`/territories/${epci.territory}/zan`)).json();
    const report = await (await t.get(`/territories/${epci.territory}/zan/report`)).text();
    expect(report).toContain('class="zan-chart"');
    expect(report).toContain(String(body.envelope.exhaustionYear));
    expect(report).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('lists the territories linking to their ZAN pages, with the nav entry', async () => {
    const text = await (await t.get('/territoires')).text();
    const { rows } = await sql<{ id: string }>`SELECT id FROM territories ORDER BY id`.execute(t.handle.db);
    for (const r of rows) expect(text).toContain(`href="/territories/${r.id}/zan"`);
    expect(text).toContain('<a href="/territoires">Territoires</a>');
  });
});
