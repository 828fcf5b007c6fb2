// A full labelling journey through the HTTP API.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { agreeingSite, assessAll } from '../support/labelling.js';
import { bearer, createKeys, fingerprint, type Keys } from '../support/writes.js';

let t: TestContext;
let keys: Keys;
beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, 'ti-8401', 'ti-4407');
});
afterAll(async () => t?.close());

const send = (method: string, path: string, key: string, body?: unknown) =>
  t.get(path, {
    method,
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const move = (id: string, key: string, to: string, reason?: string) =>
  send('POST', `/sites/${id}/label/transitions`, key, { to, ...(reason ? { reason } : {}) });
const evidence = (title: string) => [
  { title, reference: `REF-${title.length}`, date: '2025-06-30', author: 'Service développement économique' },
];

async function ordinarySiteIn(territory: string) {
  const { rows } = await sql<{ id: string }>`
    SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territory} AND s.turnkey_programme IS NULL AND s.deleted_at IS NULL ORDER BY s.cnig_id
    LIMIT 1`.execute(t.handle.db);
  return rows[0]!.id;
}

describe('labelling journey', () => {
  it('goes from proposal to label and withdrawal, with every move and piece of evidence in the audit log', async () => {
    const id = await agreeingSite(t.handle.db, 'ti-8401', (path, body) => send('POST', path, keys.admin, body));
    expect((await move(id, keys.editorIn, 'draft')).status).toBe(200);

    const grid = await (await t.get('/labelling/grid')).json();
    const blocking = grid.criteria.filter((c: { blocking: boolean }) => c.blocking).map((c: { id: string }) => c.id);
    expect(blocking).toContain('env_fauna_flora');

    // The territory team assesses every criterion, one blocking criterion not met, and submits.
    const put = (criterion: string, body: unknown) =>
      send('PUT', `/sites/${id}/label/criteria/${criterion}`, keys.editorIn, body);
    await assessAll(put, grid.criteria, [blocking[0]]);
    expect((await put(blocking[0], { status: 'not_met', comment: 'Promesse de vente en cours' })).status).toBe(200);
    let file = await (await t.get(`/sites/${id}/label`, { headers: bearer(keys.editorIn) })).json();
    expect(file.readiness.ready).toBe(false);
    expect(file.readiness.complete).toBe(true);
    expect(file.readiness.blocking).toEqual([blocking[0]]);
    const sobriety = file.readiness.items.find(
      (i: { criterion: { id: string } }) => i.criterion.id === 'land_sobriety',
    );
    expect(sobriety.catalogue).toMatch(/ha of NAF land/);
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);

    // The labeller instructs; the committee cannot label while a blocking criterion is open; changes asked.
    expect((await move(id, keys.labeller, 'under_review', 'Dossier complet, instruction ouverte')).status).toBe(200);
    const early = await move(id, keys.decider, 'labelled', 'OK');
    expect(early.status).toBe(409);
    expect((await early.json()).blocking).toEqual([blocking[0]]);
    expect((await move(id, keys.labeller, 'changes_requested', 'Maîtrise foncière à justifier')).status).toBe(200);

    // The team completes the file and resubmits; the labeller instructs again; the committee labels.
    expect((await put(blocking[0], { status: 'met', evidence: evidence('Promesse de vente') })).status).toBe(200);
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);
    expect((await move(id, keys.labeller, 'under_review', 'Reprise de l’instruction')).status).toBe(200);
    expect((await move(id, keys.decider, 'labelled', 'Tous les critères bloquants sont levés')).status).toBe(200);

    const site = await (await t.get(`/sites/${id}`)).json();
    expect(site.turnkey).toMatchObject({ programme: 'sites-cles-en-main-2023', labelStatus: 'labelled' });
    expect(site.turnkey.labelDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    file = await (await t.get(`/sites/${id}/label`, { headers: bearer(keys.decider) })).json();
    expect(file.readiness.ready).toBe(true);
    expect(file.allowedMoves).toEqual([{ to: 'withdrawn', reasonRequired: true }]);

    expect((await move(id, keys.decider, 'withdrawn', 'Projet abandonné par la collectivité')).status).toBe(200);

    const audit = await (
      await t.get(`/audit?entity=site&entity_id=${id}&limit=1000`, { headers: bearer(keys.admin) })
    ).json();
    const transitions = audit.items
      .filter((i: { action: string }) => i.action === 'label_transition')
      .map((i: { after: { labelStatus: string }; reason: string | null }) => [i.after.labelStatus, i.reason]);
    expect(transitions.map((x: string[]) => x[0])).toEqual([
      'draft',
      'submitted',
      'under_review',
      'changes_requested',
      'submitted',
      'under_review',
      'labelled',
      'withdrawn',
    ]);
    expect(transitions.find((x: string[]) => x[0] === 'changes_requested')[1]).toBe('Maîtrise foncière à justifier');
    // Every criterion once, the first blocking one twice.
    expect(audit.items.filter((i: { action: string }) => i.action === 'label_assessment').length).toBe(
      grid.criteria.length + 1,
    );
  });

  it('refuses a move the state does not allow with 409 naming the state and the allowed moves', async () => {
    const id = await ordinarySiteIn('ti-8401');
    await move(id, keys.editorIn, 'draft');
    const before = await fingerprint(t.handle.db);
    const res = await move(id, keys.labeller, 'labelled', 'trop tôt');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'conflict', currentState: 'draft', allowedMoves: ['submitted'] });
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('refuses an unknown criterion (404), evidence without a date (400), a met criterion without evidence (400), an incomplete submission (422)', async () => {
    const id = await ordinarySiteIn('ti-4407');
    const admin = keys.admin;
    await move(id, admin, 'draft');
    const before = await fingerprint(t.handle.db);
    const unknown = await send('PUT', `/sites/${id}/label/criteria/charm`, admin, {
      status: 'met',
      evidence: evidence('x'),
    });
    expect(unknown.status).toBe(404);
    const undated = await send('PUT', `/sites/${id}/label/criteria/land_control`, admin, {
      status: 'met',
      evidence: [{ title: 'Acte', author: 'Notaire' }],
    });
    expect(undated.status).toBe(400);
    expect((await undated.json()).invalidParams[0].name).toBe('evidence.0.date');
    expect((await send('PUT', `/sites/${id}/label/criteria/land_control`, admin, { status: 'met' })).status).toBe(400);
    const incomplete = await move(id, admin, 'submitted');
    expect(incomplete.status).toBe(422);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('reads a weak If-Match on a label transition as writes do: W/ of the current ETag moves, W/ of a stale one is 412', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = 'ti-4407' AND s.label_status IS NULL AND s.deleted_at IS NULL
      ORDER BY s.cnig_id DESC LIMIT 1`.execute(t.handle.db);
    const id = rows[0]!.id;
    const etag = (await t.get(`/sites/${id}`)).headers.get('etag')!;
    const transition = (ifMatch: string, to: string) =>
      t.get(`/sites/${id}/label/transitions`, {
        method: 'POST',
        headers: { ...bearer(keys.admin), 'content-type': 'application/json', 'if-match': ifMatch },
        body: JSON.stringify({ to }),
      });
    const moved = await transition(`W/${etag}`, 'draft');
    expect(moved.status).toBe(200);
    const before = await fingerprint(t.handle.db);
    const stale = await transition(`W/${etag}`, 'submitted');
    expect(stale.status).toBe(412);
    expect((await stale.json()).currentETag).toBe((await t.get(`/sites/${id}`)).headers.get('etag'));
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('keeps the labelling file from anonymous callers and from editors of other territories', async () => {
    const id = await ordinarySiteIn('ti-8401');
    expect((await t.get(`/sites/${id}/label`)).status).toBe(401);
    expect((await t.get(`/sites/${id}/label`, { headers: bearer(keys.editorOut) })).status).toBe(403);
  });
});
