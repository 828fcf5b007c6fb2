// Writes of sites and plots: versions, concurrency, validation, the audit trail.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, fingerprint, keyedSender, newSiteBody, type Keys } from '../support/writes.js';

let t: TestContext;
let keys: Keys;
let send: ReturnType<typeof keyedSender>;
beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, 'ti-8401', 'ti-4407');
  send = keyedSender(t);
});
afterAll(async () => t?.close());

async function anyPlotIn(territory: string) {
  const { rows } = await sql<{ id: string }>`
    SELECT p.id FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territory} AND p.deleted_at IS NULL ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
  return rows[0]!.id;
}

describe('optimistic concurrency', () => {
  it(
    'two concurrent updates with the same If-Match: exactly one succeeds, the other gets 412; ' +
      'the audit log shows one change',
    async () => {
      const id = await anyPlotIn('ti-8401');
      const etag = (await t.get(`/plots/${id}`)).headers.get('etag')!;
      const auditBefore = await t.handle.db
        .selectFrom('auditLog')
        .where('entityId', '=', id)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const [a, b] = await Promise.all([
        send('PATCH', `/plots/${id}`, keys.editorIn, { priceEurM2: 21 }, { 'if-match': etag }),
        send('PATCH', `/plots/${id}`, keys.admin, { priceEurM2: 99 }, { 'if-match': etag }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const loser = a.status === 412 ? a : b;
      const problem = await loser.json();
      expect(problem.code).toBe('precondition_failed');
      expect(problem.currentETag).toBe(`"plot-${id}-v2"`);
      const audit = await t.handle.db.selectFrom('auditLog').where('entityId', '=', id).selectAll().execute();
      expect(audit.length).toBe(auditBefore.n + 1);
      const winner = a.status === 200 ? 21 : 99;
      expect((await (await t.get(`/plots/${id}`)).json()).priceEurM2).toBe(winner);
    },
  );

  it('an update without If-Match is 428 and changes nothing', async () => {
    const id = await anyPlotIn('ti-8401');
    const before = await fingerprint(t.handle.db);
    const res = await send('PATCH', `/plots/${id}`, keys.editorIn, { priceEurM2: 5 });
    expect(res.status).toBe(428);
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it('an update bumps the version and the ETag, and records before and after in the audit log', async () => {
    const id = await anyPlotIn('ti-8401');
    const res0 = await t.get(`/plots/${id}`);
    const v0 = (await res0.json()).version;
    const res = await send(
      'PATCH',
      `/plots/${id}`,
      keys.editorIn,
      { marketingStage: 'réservé par option de réservation' },
      { 'if-match': res0.headers.get('etag')! },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"plot-${id}-v${v0 + 1}"`);
    const audit = await (await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(keys.admin) })).json();
    const last = audit.items.at(-1);
    expect(last).toMatchObject({
      action: 'update',
      entity: 'plot',
      entityId: id,
      actor: { name: 'editor in scope', role: 'editor' },
    });
    expect(last.changedFields).toEqual(['marketingStage']);
    expect(last.after.marketingStage).toBe('réservé par option de réservation');
  });
});

describe('geometry and list updates', () => {
  it('a new plot geometry changes its area and commune; new cadastral references are kept', async () => {
    const id = await anyPlotIn('ti-8401');
    const res0 = await t.get(`/plots/${id}`);
    const plot = await res0.json();
    const [lon, lat] = plot.point.coordinates;
    const d = 0.0005;
    const ring = [
      [lon - d, lat - d],
      [lon + d, lat - d],
      [lon + d, lat + d],
      [lon - d, lat + d],
      [lon - d, lat - d],
    ];
    const res = await send(
      'PATCH',
      `/plots/${id}`,
      keys.editorIn,
      { geometry: { type: 'Polygon', coordinates: [ring] }, cadastralRefs: ['07010000AB0001', '07010000AB0002'] },
      { 'if-match': res0.headers.get('etag')! },
    );
    expect(res.status).toBe(200);
    const after = await res.json();
    expect(after.cadastralRefs).toEqual(['07010000AB0001', '07010000AB0002']);
    expect(after.areaHa).not.toBeCloseTo(plot.areaHa, 3);
    expect(after.grossAreaHa).toBeCloseTo(after.areaHa, 3);
    const audit = await (await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(keys.admin) })).json();
    expect(audit.items.at(-1).changedFields).toEqual(
      expect.arrayContaining(['geometry', 'grossAreaHa', 'cadastralRefs']),
    );
  });
});

describe('bad input changes nothing', () => {
  const base = () => newSiteBody(t.handle.db, 'ti-8401');
  const cases: [string, (b: Record<string, any>) => Record<string, any>, number, string][] = [
    [
      'a self-intersecting polygon',
      (b) => ({
        ...b,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [4.8, 45.0],
              [4.81, 45.01],
              [4.81, 45.0],
              [4.8, 45.01],
              [4.8, 45.0],
            ],
          ],
        },
      }),
      400,
      'geometry',
    ],
    [
      'an open ring',
      (b) => ({ ...b, geometry: { type: 'Polygon', coordinates: [b.geometry.coordinates[0].slice(0, 4)] } }),
      400,
      'geometry.coordinates.0',
    ],
    [
      'a geometry outside France',
      (b) => ({
        ...b,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [13.4, 52.5],
              [13.41, 52.5],
              [13.41, 52.51],
              [13.4, 52.5],
            ],
          ],
        },
      }),
      400,
      'geometry',
    ],
    [
      'a geometry outside the territory',
      (b) => ({
        ...b,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [2.35, 48.85],
              [2.36, 48.85],
              [2.36, 48.86],
              [2.35, 48.85],
            ],
          ],
        },
      }),
      422,
      'geometry',
    ],
    [
      'too many vertices',
      (b) => ({
        ...b,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              ...Array.from({ length: 100_001 }, (_, i) => [4.8 + Math.cos(i) * 1e-3, 45 + Math.sin(i) * 1e-3]),
              [4.801, 45],
            ],
          ],
        },
      }),
      400,
      'geometry.coordinates',
    ],
    ['an unknown enum value', (b) => ({ ...b, siteType: 'usine' }), 400, 'siteType'],
    ['an unknown field', (b) => ({ ...b, colour: 'red' }), 400, 'colour'],
    ['a commune outside the catalogue', (b) => ({ ...b, communeInsee: '75056' }), 400, 'communeInsee'],
  ];
  for (const [what, mutate, status, field] of cases) {
    it(`POST /sites with ${what} → ${status} naming ${field}`, async () => {
      const before = await fingerprint(t.handle.db);
      const res = await send('POST', '/sites', keys.editorIn, mutate(await base()));
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = await res.json();
      expect(problem.invalidParams.map((p: { name: string }) => p.name)).toContain(field);
      expect(await fingerprint(t.handle.db)).toBe(before);
    });
  }

  it('malformed JSON is a 400 problem', async () => {
    const res = await t.get('/sites', {
      method: 'POST',
      headers: { ...bearer(keys.editorIn), 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a created site is readable, inside its territory, and its area comes from the geometry', async () => {
    const body = await base();
    const res = await send('POST', '/sites', keys.editorIn, body);
    expect(res.status).toBe(201);
    const site = await res.json();
    expect(res.headers.get('location')).toBe(`/sites/${site.id}`);
    expect(site.location.territories.map((x: { id: string }) => x.id)).toContain('ti-8401');
    // 150 m × 150 m = 2.25 ha, within 0.5 %.
    expect(Math.abs(site.areas.areaHa - 2.25) / 2.25).toBeLessThan(0.005);
  });

  it('a deleted plot disappears from reads but its history stays in the audit log', async () => {
    const id = await anyPlotIn('ti-8401');
    const etag = (await t.get(`/plots/${id}`)).headers.get('etag')!;
    expect((await send('DELETE', `/plots/${id}`, keys.editorIn, undefined, { 'if-match': etag })).status).toBe(204);
    expect((await t.get(`/plots/${id}`)).status).toBe(404);
    const audit = await (await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(keys.admin) })).json();
    expect(audit.items.at(-1).action).toBe('delete');
    await expect(sql`DELETE FROM audit_log`.execute(t.handle.db)).rejects.toThrow(/append-only/);
  });

  it("the audit log withholds natural persons' names from labellers", async () => {
    const { rows } = await sql<{ id: string; ownerName: string }>`
      SELECT p.id, p.owner_name
      FROM plots p
      JOIN sites s ON s.id = p.site_id
      JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = 'ti-8401' AND p.owner_is_natural_person AND p.deleted_at IS NULL LIMIT 1`.execute(
      t.handle.db,
    );
    const { id, ownerName } = rows[0]!;
    const etag = (await t.get(`/plots/${id}`)).headers.get('etag')!;
    expect((await send('PATCH', `/plots/${id}`, keys.editorIn, { priceEurM2: 12 }, { 'if-match': etag })).status).toBe(
      200,
    );
    const asLabeller = await (
      await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(keys.labeller) })
    ).text();
    expect(asLabeller).not.toContain(ownerName);
    const asAdmin = await (await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(keys.admin) })).text();
    expect(asAdmin).toContain(ownerName);
  });
});
