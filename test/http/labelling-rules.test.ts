// The rules of the labelling workflow (issue #15), through the HTTP API on both backends:
// nothing submitted incomplete, four eyes on the decision, the catalogue as the other witness,
// reasons; grid version 2 beside version 1; evidence documents; comments and history.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/keys.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { testClock } from '../support/clock.js';
import { tinyPdf, tinyPng } from '../support/documents.js';
import { agreeingSite, assessAll, evidenceFor, type GridCriterion } from '../support/labelling.js';
import { bearer, createKeys, fingerprint, type Keys } from '../support/writes.js';

const IN = 'ti-8401';
let t: TestContext;
let keys: Keys & { labeller2: string };
let grid: { version: string; criteria: Array<GridCriterion & { reference?: string; evidenceKinds?: string[] }> };

beforeAll(async () => {
  t = await openTestApp();
  keys = {
    ...(await createKeys(t.handle.db, IN, 'ti-4407')),
    labeller2: (await createApiKey(t.handle.db, { name: 'second labeller', role: 'labeller' })).key,
  };
  grid = await (await t.get('/labelling/grid')).json();
});
afterAll(async () => t?.close());

const send = (method: string, path: string, key: string | undefined, body?: unknown) =>
  t.get(path, {
    method,
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const move = (id: string, key: string, to: string, reason?: string) =>
  send('POST', `/sites/${id}/label/transitions`, key, { to, ...(reason ? { reason } : {}) });
const putter = (id: string, key: string) => (criterion: string, body: unknown) =>
  send('PUT', `/sites/${id}/label/criteria/${criterion}`, key, body);
const file = async (id: string, key = keys.admin) => (await send('GET', `/sites/${id}/label`, key)).json();
const itemOf = (f: { readiness: { items: Array<{ criterion: { id: string } }> } }, id: string) =>
  f.readiness.items.find((i) => i.criterion.id === id) as unknown as {
    flag: string | null;
    override: { reason: string } | null;
    missing: boolean;
  };

/** A fresh agreeing site with its dossier opened by the territory's editor. */
async function draft(): Promise<string> {
  const id = await agreeingSite(t.handle.db, IN, (path, body) => send('POST', path, keys.admin, body));
  expect((await move(id, keys.editorIn, 'draft')).status).toBe(200);
  return id;
}

/** A dossier complete, submitted by the editor and instructed by `instructor`. */
async function underReview(instructor = keys.labeller): Promise<string> {
  const id = await draft();
  await assessAll(putter(id, keys.editorIn), grid.criteria);
  expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);
  expect((await move(id, instructor, 'under_review', 'Dossier recevable')).status).toBe(200);
  return id;
}

describe('rule 1: nothing is submitted incomplete', () => {
  it('an empty dossier is refused with 422 listing every criterion of its grid, and nothing changes', async () => {
    const id = await draft();
    const before = await fingerprint(t.handle.db);
    const res = await move(id, keys.editorIn, 'submitted');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await res.json();
    expect(problem.missing).toEqual(grid.criteria.map((c) => c.id));
    expect(problem.detail).toMatch(new RegExp(`^${grid.criteria.length} of ${grid.criteria.length} criteria`));
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('a dossier short of two criteria is refused naming those two; complete, it is submitted', async () => {
    const id = await draft();
    const [first, second] = [grid.criteria[3]!.id, grid.criteria[10]!.id];
    await assessAll(putter(id, keys.editorIn), grid.criteria, [first, second]);
    const res = await move(id, keys.editorIn, 'submitted');
    expect(res.status).toBe(422);
    expect((await res.json()).missing).toEqual([first, second]);
    await assessAll(
      putter(id, keys.editorIn),
      grid.criteria.filter((c) => c.id === first || c.id === second),
    );
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);
  });

  it('not applicable needs a justification (400); with one it counts as assessed', async () => {
    const id = await draft();
    const put = putter(id, keys.editorIn);
    const bare = await put('access_port', { status: 'not_applicable' });
    expect(bare.status).toBe(400);
    expect((await bare.json()).invalidParams[0].name).toBe('comment');
    expect((await put('access_port', { status: 'not_applicable', comment: 'Site sans façade maritime' })).status).toBe(
      200,
    );
    expect(itemOf(await file(id), 'access_port').missing).toBe(false);
  });
});

describe('rule 2: four eyes', () => {
  it('a labeller instructs but cannot decide; a decider who took no part decides, and the decision names both', async () => {
    const id = await underReview(keys.labeller);
    const refused = await move(id, keys.labeller, 'labelled', 'OK');
    expect(refused.status).toBe(403);
    const res = await move(id, keys.decider, 'labelled', 'Comité du programme');
    expect(res.status, await res.clone().text()).toBe(200);
    const { decision } = await res.json();
    expect(decision.decidedBy.name).toBe('decider');
    expect(decision.instructedBy.name).toBe('labeller');
    expect(decision.assessedBy.map((p: { name: string }) => p.name)).toEqual(['editor in scope']);
    const audit = (await file(id)).history.filter((h: { action: string }) => h.action === 'label_transition').at(-1);
    expect(audit.after.decision.instructedBy.name).toBe('labeller');
    expect(audit.after.decision.assessedBy[0].name).toBe('editor in scope');
  });

  it('whoever instructed the dossier cannot decide it (admin included)', async () => {
    const id = await underReview(keys.admin);
    const before = await fingerprint(t.handle.db);
    const res = await move(id, keys.admin, 'rejected', 'Non');
    expect(res.status).toBe(403);
    const problem = await res.json();
    expect(problem.rule).toBe('four_eyes');
    expect(problem.detail).toMatch(/instructed the dossier/);
    expect(await fingerprint(t.handle.db)).toBe(before);
    expect((await move(id, keys.decider, 'rejected', 'Maîtrise foncière insuffisante')).status).toBe(200);
  });

  it('whoever assessed a criterion cannot decide; a decider cannot assess', async () => {
    const id = await underReview(keys.labeller);
    expect(
      (await putter(id, keys.admin)('size', { status: 'not_met', comment: 'Plus petite parcelle trop étroite' }))
        .status,
    ).toBe(200);
    const res = await move(id, keys.admin, 'labelled');
    expect(res.status).toBe(403);
    expect((await res.json()).detail).toMatch(/assessed criteria/);
    expect((await putter(id, keys.decider)('size', { status: 'not_met', comment: 'x' })).status).toBe(403);
    expect((await move(id, keys.decider, 'labelled')).status).toBe(200);
  });
});

describe('rule 3: the catalogue is the other witness', () => {
  it('gas met while the catalogue records no gas network is flagged, blocks submission, and clears when the data is fixed', async () => {
    const id = await draft();
    await sql`UPDATE sites SET network_gas = false WHERE id = ${id}`.execute(t.handle.db);
    await assessAll(putter(id, keys.editorIn), grid.criteria);
    expect(
      (await putter(id, keys.editorIn)('network_gas', { status: 'met', evidence: evidenceFor('GRDF') })).status,
    ).toBe(200);
    expect(itemOf(await file(id), 'network_gas').flag).toBe('le catalogue n’indique pas de réseau de gaz');
    const refused = await move(id, keys.editorIn, 'submitted');
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ missing: [], flags: ['network_gas'] });

    // The territory team fixes the catalogue through the API: the flag is gone at the next read.
    const etag = (await t.get(`/sites/${id}`)).headers.get('etag')!;
    const patched = await t.get(`/sites/${id}`, {
      method: 'PATCH',
      headers: { ...bearer(keys.editorIn), 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify({ networkGas: true }),
    });
    expect(patched.status).toBe(200);
    expect(itemOf(await file(id), 'network_gas').flag).toBeNull();
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);
  });

  it('a rail siding met without one in the catalogue: a labeller overrides with a reason, an editor cannot', async () => {
    const id = await draft();
    await sql`UPDATE sites SET rail_siding = false WHERE id = ${id}`.execute(t.handle.db);
    await assessAll(putter(id, keys.editorIn), grid.criteria);
    await putter(id, keys.editorIn)('access_rail', { status: 'met', evidence: evidenceFor('Convention ITE') });
    const override = (key: string, body: unknown) =>
      send('POST', `/sites/${id}/label/criteria/access_rail/override`, key, body);
    expect((await override(keys.editorIn, { reason: 'ITE en service' })).status).toBe(403);
    expect((await override(keys.labeller, { reason: '  ' })).status).toBe(400);
    expect((await override(keys.labeller, { reason: 'ITE remise en service en 2025, catalogue à jour' })).status).toBe(
      200,
    );
    const item = itemOf(await file(id), 'access_rail');
    expect(item.flag).toBe('le catalogue n’indique pas d’embranchement ferroviaire (ITE)');
    expect(item.override!.reason).toBe('ITE remise en service en 2025, catalogue à jour');
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(200);
    // Nothing to override on a criterion the catalogue agrees with.
    expect(
      (await send('POST', `/sites/${id}/label/criteria/size/override`, keys.labeller, { reason: 'x' })).status,
    ).toBe(409);
  });

  it('power below the criterion is flagged; an override holds for that figure only (recomputed from the data)', async () => {
    const id = await draft();
    await assessAll(putter(id, keys.editorIn), grid.criteria);
    await sql`UPDATE sites SET power_mw = 2 WHERE id = ${id}`.execute(t.handle.db);
    const minimum = (grid.criteria.find((c) => c.id === 'network_electricity') as { minPowerMw?: number }).minPowerMw;
    expect(itemOf(await file(id), 'network_electricity').flag).toBe(
      `puissance disponible 2 MW au catalogue, sous les ${minimum} MW du critère`,
    );
    await send('POST', `/sites/${id}/label/criteria/network_electricity/override`, keys.labeller, {
      reason: 'Renforcement du poste source engagé',
    });
    expect(itemOf(await file(id), 'network_electricity').override).not.toBeNull();
    await sql`UPDATE sites SET power_mw = 3 WHERE id = ${id}`.execute(t.handle.db);
    const item = itemOf(await file(id), 'network_electricity');
    expect(item.flag).toMatch(/^puissance disponible 3 MW/);
    expect(item.override).toBeNull();
    expect((await move(id, keys.editorIn, 'submitted')).status).toBe(422);
  });

  it('a brownfield whose soil study is set aside as not applicable is flagged', async () => {
    const id = await draft();
    await sql`UPDATE plots SET occupation = 'friche' WHERE site_id = ${id}`.execute(t.handle.db);
    await putter(id, keys.editorIn)('soil_diagnosis', { status: 'not_applicable', comment: 'Terrain jamais bâti' });
    expect(itemOf(await file(id), 'soil_diagnosis').flag).toBe(
      'site en friche (100 % de la surface des parcelles) : une étude de sols est attendue',
    );
  });
});

describe('rule 4: reasons', () => {
  it('changes_requested, rejected and withdrawn need a reason (400, nothing changes); every move records who, when and why', async () => {
    const id = await underReview(keys.labeller);
    const before = await fingerprint(t.handle.db);
    for (const [key, to] of [
      [keys.labeller, 'changes_requested'],
      [keys.decider, 'rejected'],
    ] as const) {
      const res = await move(id, key, to);
      expect(res.status).toBe(400);
      expect((await res.json()).invalidParams[0].name).toBe('reason');
    }
    expect(await fingerprint(t.handle.db)).toBe(before);
    expect((await move(id, keys.decider, 'labelled')).status).toBe(200);
    expect((await move(id, keys.decider, 'withdrawn')).status).toBe(400);
    expect((await move(id, keys.decider, 'withdrawn', 'Projet abandonné')).status).toBe(200);
    const moves = (await file(id)).history.filter((h: { action: string }) => h.action === 'label_transition');
    expect(moves.map((m: { after: { labelStatus: string } }) => m.after.labelStatus)).toEqual([
      'draft',
      'submitted',
      'under_review',
      'labelled',
      'withdrawn',
    ]);
    expect(moves.map((m: { actorName: string }) => m.actorName)).toEqual([
      'editor in scope',
      'editor in scope',
      'labeller',
      'decider',
      'decider',
    ]);
    expect(moves.map((m: { reason: string | null }) => m.reason)).toEqual([
      null,
      null,
      'Dossier recevable',
      null,
      'Projet abandonné',
    ]);
    for (const m of moves) expect(Number.isNaN(Date.parse(m.at))).toBe(false);
  });
});

describe('grid version 2', () => {
  it('adds soil, risks, environmental authorisation, appeal periods and the roadmap, each with its reference and evidence', async () => {
    expect(grid.version).toBe('sites-cles-en-main-2026');
    const ids = grid.criteria.map((c) => c.id);
    for (const id of [
      'soil_diagnosis',
      'soil_management_plan',
      'risk_flood',
      'risk_technological',
      'risk_seveso',
      'env_authorisation',
      'permits_appeals_cleared',
      'territory_roadmap',
    ])
      expect(ids).toContain(id);
    for (const c of grid.criteria) {
      expect(c.reference, c.id).toBeTruthy();
      expect(c.evidenceKinds?.length, c.id).toBeGreaterThan(0);
    }
    const v1 = await (await t.get('/labelling/grid?version=sites-cles-en-main-2024')).json();
    expect(v1.criteria).toHaveLength(17);
    expect((await t.get('/labelling/grid?version=nope')).status).toBe(404);
  });

  it('a dossier opened under version 1 stays readable under it, with its assessments', async () => {
    const id = await agreeingSite(t.handle.db, IN, (path, body) => send('POST', path, keys.admin, body));
    await sql`UPDATE sites SET label_status = 'draft' WHERE id = ${id}`.execute(t.handle.db);
    await sql`INSERT INTO label_dossiers (site_id, grid_version) VALUES (${id}, 'sites-cles-en-main-2024')`.execute(
      t.handle.db,
    );
    await putter(id, keys.editorIn)('land_control', { status: 'met', evidence: evidenceFor('Acte') });
    const f = await file(id);
    expect(f.grid.version).toBe('sites-cles-en-main-2024');
    expect(f.readiness.total).toBe(17);
    expect(f.readiness.assessed).toBe(1);
    // A criterion only version 2 has is not part of that dossier.
    expect(
      (await putter(id, keys.editorIn)('risk_flood', { status: 'met', evidence: evidenceFor('PPRI') })).status,
    ).toBe(404);
  });
});

describe('evidence documents', () => {
  const upload = (id: string, key: string | undefined, file: Blob, name: string, kind = 'acte de propriété') => {
    const form = new FormData();
    form.set('kind', kind);
    form.set('issuer', 'Étude notariale Martin');
    form.set('issuedOn', '2025-03-01');
    form.set('reference', 'ACTE-2025-17');
    form.set('file', file, name);
    return t.get(`/sites/${id}/label/criteria/land_control/documents`, {
      method: 'POST',
      headers: bearer(key),
      body: form,
    });
  };
  const pdf = () => new Blob([tinyPdf], { type: 'application/pdf' });

  it('a PDF is kept with its SHA-256, issuer, date and reference; a second upload of the kind is version 2', async () => {
    const id = await draft();
    const first = await upload(id, keys.editorIn, pdf(), 'acte.pdf');
    expect(first.status, await first.clone().text()).toBe(201);
    const meta = await first.json();
    expect(meta).toMatchObject({
      criterionId: 'land_control',
      kind: 'acte de propriété',
      version: 1,
      mediaType: 'application/pdf',
      sizeBytes: tinyPdf.length,
      sha256: createHash('sha256').update(tinyPdf).digest('hex'),
      issuer: 'Étude notariale Martin',
      issuedOn: '2025-03-01',
      reference: 'ACTE-2025-17',
      uploadedBy: 'editor in scope',
    });
    const second = await (await upload(id, keys.editorIn, new Blob([tinyPng]), 'plan.png')).json();
    expect(second).toMatchObject({ version: 2, mediaType: 'image/png' });
    const documents = (await file(id)).documents;
    expect(documents.map((d: { version: number }) => d.version)).toEqual([2, 1]);
    // Met on the uploaded document, without an evidence entry.
    expect((await putter(id, keys.editorIn)('land_control', { status: 'met' })).status).toBe(200);
  });

  it('downloads for those who may see the dossier, as an attachment never sniffed; never for the anonymous', async () => {
    const id = await draft();
    const meta = await (await upload(id, keys.editorIn, pdf(), 'Acte de vente é.pdf')).json();
    const path = `/sites/${id}/label/documents/${meta.id}`;
    const res = await t.get(path, { headers: bearer(keys.decider) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Acte de vente _.pdf"; filename*=UTF-8''${encodeURIComponent('Acte de vente é.pdf')}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toBe(tinyPdf);
    expect((await t.get(path)).status).toBe(401);
    expect((await t.get(path, { headers: bearer(keys.editorOut) })).status).toBe(403);
    expect(
      (
        await t.get(`/sites/${id}/label/documents/00000000-0000-4000-8000-000000000000`, {
          headers: bearer(keys.admin),
        })
      ).status,
    ).toBe(404);
  });

  it('the type is read from the content: text named .pdf and sent as application/pdf is 415, nothing stored', async () => {
    const id = await draft();
    const before = await fingerprint(t.handle.db);
    const res = await upload(
      id,
      keys.editorIn,
      new Blob(['not a pdf at all'], { type: 'application/pdf' }),
      'faux.pdf',
    );
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('a document past the upload limit is 413', async () => {
    const small = createApp({ clock: testClock, db: t.handle.db, backend: t.handle.kind, maxUploadBytes: 65_536 });
    const id = await draft();
    const big = new Uint8Array(70_000);
    big.set(new TextEncoder().encode(tinyPdf));
    const form = new FormData();
    form.set('kind', 'plan');
    form.set('issuer', 'Géomètre');
    form.set('issuedOn', '2025-03-01');
    form.set('file', new Blob([big]), 'gros.pdf');
    const before = await fingerprint(t.handle.db);
    const res = await small.request(`http://localhost/sites/${id}/label/criteria/land_control/documents`, {
      method: 'POST',
      headers: bearer(keys.editorIn),
      body: form,
    });
    expect(res.status).toBe(413);
    expect((await res.json()).maxBytes).toBe(65_536);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });
});

describe('comments and history', () => {
  it('threads per dossier and per criterion, in the file and its history', async () => {
    const id = await draft();
    const comment = (key: string, body: unknown) => send('POST', `/sites/${id}/label/comments`, key, body);
    expect((await comment(keys.editorIn, { body: 'Dossier en cours de constitution' })).status).toBe(201);
    expect((await comment(keys.labeller, { criterionId: 'land_control', body: 'Promesse de vente ?' })).status).toBe(
      201,
    );
    expect((await comment(keys.labeller, { criterionId: 'charm', body: 'x' })).status).toBe(404);
    expect((await comment(keys.editorOut, { body: 'x' })).status).toBe(403);
    const f = await file(id);
    expect(
      f.comments.map((c: { criterionId: string | null; authorName: string }) => [c.criterionId, c.authorName]),
    ).toEqual([
      [null, 'editor in scope'],
      ['land_control', 'labeller'],
    ]);
    expect(f.history.map((h: { action: string }) => h.action)).toEqual([
      'label_transition',
      'label_comment',
      'label_comment',
    ]);
  });
});
