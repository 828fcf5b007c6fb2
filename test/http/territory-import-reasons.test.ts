// The import page's French reasons (web/client/import-reasons.ts) against what the CNIG
// importer really says: files of refused rows go to POST /imports as dry runs, and each reason
// of their reports reads as the French written here by hand; a reason of no known shape stays
// as it is.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reasonInFrench } from '../../src/web/client/import-reasons.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, type Keys } from '../support/writes.js';

const IN = 'ti-8401';
const OUT = 'ti-4407';
type Row = Record<string, string>;
let t: TestContext;
let keys: Keys;

beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, IN, OUT);
});
afterAll(async () => t?.close());

const rowsOf = async (kind: string, territory: string) =>
  parse(await (await t.get(`/exports/cnig/${kind}.csv?territory=${territory}`)).text(), {
    delimiter: ';',
    columns: true,
    bom: true,
  }) as Row[];

async function dryRun(kind: string, rows: Row[]) {
  const res = await t.get(`/imports?kind=${kind}&dryRun=true&filename=f.csv`, {
    method: 'POST',
    body: stringify(rows, { delimiter: ';', header: true }),
    headers: { 'content-type': 'text/csv', ...bearer(keys.editorIn) },
  });
  expect(res.status).toBe(200);
  const report = (await res.json()) as { rejected: { row: number; line?: number; column: string; reason: string }[] };
  return report.rejected.map((r) => ({ column: r.column, fr: reasonInFrench(r.reason, (r.line ?? r.row) - r.row) }));
}

describe('import reasons in French', () => {
  it('says the CNIG checks of a site-eco file in French', async () => {
    const [a, b, c, d] = (await rowsOf('site-eco', IN)).slice(0, 4);
    a!.site_etat = 'florissant';
    b!.site_actu_date = '2026-13-01';
    c!.site_nom = '';
    d!.site_creation_date = 'jadis';
    expect(await dryRun('site-eco', [a!, b!, c!, d!])).toEqual([
      { column: 'site_etat', fr: '« florissant » n’est pas une valeur du standard' },
      { column: 'site_actu_date', fr: '« 2026-13-01 » n’est pas une date (AAAA-MM-JJ)' },
      { column: 'site_nom', fr: 'valeur obligatoire absente' },
      { column: 'site_creation_date', fr: '« jadis » n’est pas une année (AAAA)' },
    ]);
  });

  it('says a row outside the key’s territories in French', async () => {
    const [row] = await rowsOf('site-eco', OUT);
    const said = await dryRun('site-eco', [row!]);
    expect(said.length).toBeGreaterThan(0);
    for (const { fr } of said) expect(fr).toMatch(/hors des territoires de cette clé \(ti-8401\)$/);
  });

  it('leaves a reason of no known shape as it is', () => {
    expect(reasonInFrench('something new happened')).toBe('something new happened');
  });
});
