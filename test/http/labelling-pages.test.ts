// The workspace's pages over HTTP: sign-in required for the queue and dossiers, the queue's
// filters and scope, a page form answered by going back to the dossier, the programme CSV.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, type Keys } from '../support/writes.js';

let t: TestContext;
let keys: Keys;
beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, 'ti-8401', 'ti-4407');
});
afterAll(async () => t?.close());

const dossierRows = (html: string) =>
  [...html.matchAll(/<a href="\/labellisation\/dossiers\/([0-9a-f-]{36})">/g)].map((m) => m[1]);

describe('workspace pages', () => {
  it('signed out, the queue and a dossier send to /connexion and back', async () => {
    const res = await t.get('/labellisation?etat=labelled');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/connexion?suivant=${encodeURIComponent('/labellisation?etat=labelled')}`,
    );
  });

  it('the queue lists every dossier for a labeller, filtered by state; an editor sees its territory only', async () => {
    const { rows } = await sql<{ id: string; labelStatus: string; inScope: boolean }>`
      SELECT s.id, s.label_status,
             EXISTS (SELECT 1 FROM territory_epci te WHERE te.epci_siren = s.epci_siren
               AND te.territory_id = 'ti-8401') AS in_scope
      FROM sites s WHERE s.label_status IS NOT NULL AND s.deleted_at IS NULL`.execute(t.handle.db);
    const all = await (await t.get('/labellisation', { headers: bearer(keys.labeller) })).text();
    expect(dossierRows(all).sort()).toEqual(rows.map((r) => r.id).sort());
    const labelled = await (
      await t.get('/labellisation?etat=labelled&tri=nom', { headers: bearer(keys.labeller) })
    ).text();
    expect(dossierRows(labelled).sort()).toEqual(
      rows
        .filter((r) => r.labelStatus === 'labelled')
        .map((r) => r.id)
        .sort(),
    );
    const editor = await (await t.get('/labellisation', { headers: bearer(keys.editorIn) })).text();
    expect(dossierRows(editor).sort()).toEqual(
      rows
        .filter((r) => r.inScope)
        .map((r) => r.id)
        .sort(),
    );
    expect((await t.get('/labellisation?etat=nope', { headers: bearer(keys.labeller) })).status).toBe(400);
  });

  it('a page form refused by the rules goes back to the dossier with the reason', async () => {
    const id = (
      await sql<{ id: string }>`SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
        WHERE te.territory_id = 'ti-8401' AND s.label_status = 'draft' ORDER BY s.cnig_id LIMIT 1`.execute(t.handle.db)
    ).rows[0]!.id;
    const res = await t.get(`/sites/${id}/label/transitions`, {
      method: 'POST',
      headers: { ...bearer(keys.editorIn), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'to=submitted&reason=',
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!, 'http://localhost');
    expect(location.pathname).toBe(`/labellisation/dossiers/${id}`);
    expect(location.searchParams.get('erreur')).toMatch(/criteria are not assessed/);
    const page = await t.get(`${location.pathname}${location.search}`, { headers: bearer(keys.editorIn) });
    expect(await page.text()).toContain('Refusé : ');
  });

  it('the programme list is a spreadsheet CSV: UTF-8 BOM, semicolons, one line per programme site', async () => {
    const res = await t.get('/labellisation/programme.csv');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'identifiant;site;territoire_id;territoire;région;état;date_label;surface_ha;friche;disponible_le;période',
    );
    const { count } = (
      await sql<{
        count: number;
      }>`SELECT count(*)::int AS count FROM sites WHERE turnkey_programme IS NOT NULL AND deleted_at IS NULL`.execute(
        t.handle.db,
      )
    ).rows[0]!;
    expect(lines).toHaveLength(count + 1);
    const dashboard = await (await t.get('/programme/turnkey-sites')).json();
    expect(lines.slice(1).filter((l) => l.split(';')[5] === 'Labellisé')).toHaveLength(dashboard.labelled);
  });
});
