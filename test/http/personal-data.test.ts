// Personal data: the names of natural persons (private owners, buyers) never leave the API
// except for admins, on every endpoint that returns plots, in every format.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileAt } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, fingerprint, squareIn, type Keys } from '../support/writes.js';

let t: TestContext;
let keys: Keys;
let names: string[];
let plot: { id: string; siteId: string; territoryId: string; lon: number; lat: number; ownerName: string };
let otherSite: string;

beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, 'ti-8401', 'ti-4407');
  const persons = await sql<{ name: string }>`
    SELECT owner_name AS name FROM plots WHERE owner_is_natural_person AND owner_name IS NOT NULL
    UNION SELECT buyer_name FROM plots WHERE buyer_is_natural_person AND buyer_name IS NOT NULL`.execute(t.handle.db);
  names = persons.rows.map((r) => r.name);
  const { rows } = await sql<typeof plot>`
    SELECT p.id, p.site_id, te.territory_id,
           ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat, p.owner_name
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE p.owner_is_natural_person AND p.deleted_at IS NULL ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
  plot = rows[0]!;
  otherSite = (
    await t.handle.db
      .selectFrom('sites')
      .select('id')
      .where('id', '<>', plot.siteId)
      .orderBy('cnigId')
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => t?.close());

function endpoints(): string[] {
  const { x, y } = tileAt(plot.lon, plot.lat, 14);
  return [
    `/plots/${plot.id}`,
    `/plots/${plot.id}?f=geojson`,
    `/plots?territory=${plot.territoryId}&limit=1000`,
    `/plots?territory=${plot.territoryId}&f=geojson`,
    `/plots?territory=${plot.territoryId}&f=csv`,
    `/sites/${plot.siteId}/sheet`,
    `/sites/${plot.siteId}/sheet?f=html`,
    `/sites/compare?ids=${plot.siteId},${otherSite}`,
    `/territories/${plot.territoryId}/plots.geojson`,
    `/exports/cnig/terrain-eco.csv?territory=${plot.territoryId}`,
    `/exports/plots.geojson?territory=${plot.territoryId}`,
    `/exports/plots.fgb?territory=${plot.territoryId}`,
    `/ogc/collections/plots/items?limit=10000`,
    `/ogc/collections/plots/items/${plot.id}`,
    `/plots/${plot.id}/zan`,
    `/sites/${plot.siteId}/zan`,
    `/tiles/plots/14/${x}/${y}.mvt`,
    `/tiles/14/${x}/${y}.mvt`,
  ];
}

async function bodyText(res: Response): Promise<string> {
  if (res.headers.get('content-type') === 'application/flatgeobuf') {
    const features = [];
    for await (const feature of deserialize(new Uint8Array(await res.arrayBuffer()))) features.push(feature.properties);
    return JSON.stringify(features);
  }
  if (!res.headers.get('content-type')?.includes('vnd.mapbox-vector-tile')) return res.text();
  const tile = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
  const features = Object.values(tile.layers).flatMap((layer) =>
    Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties),
  );
  return JSON.stringify(features);
}

describe('personal data', () => {
  it('the demo data holds natural persons to protect', () => {
    expect(names.length).toBeGreaterThan(0);
    expect(names).toContain(plot.ownerName);
  });

  for (const caller of ['anonymous', 'editor', 'labeller'] as const) {
    it(
      "no endpoint returning plots shows a natural person's name to " +
        `${caller === 'anonymous' ? 'an anonymous caller' : caller === 'editor' ? 'an editor' : 'a labeller'}`,
      async () => {
        const key = caller === 'anonymous' ? undefined : caller === 'editor' ? keys.editorIn : keys.labeller;
        for (const path of endpoints()) {
          const res = await t.get(path, { headers: bearer(key) });
          expect(res.status, path).toBe(200);
          const text = await bodyText(res);
          for (const name of names) expect(text.includes(name), `${path} shows ${name}`).toBe(false);
        }
      },
    );
  }

  it('admins see the owner of a plot', async () => {
    const body = await (await t.get(`/plots/${plot.id}`, { headers: bearer(keys.admin) })).json();
    expect(body.owner).toEqual({ name: plot.ownerName, naturalPerson: true, withheld: false });
  });
});

describe('personal data cannot be unmasked by an editor', () => {
  const json = (key: string, extra: Record<string, string> = {}) => ({
    ...bearer(key),
    'content-type': 'application/json',
    ...extra,
  });
  let own: { id: string; ownerName: string; siteId: string };

  beforeAll(async () => {
    const { rows } = await sql<typeof own>`
      SELECT p.id, p.owner_name, p.site_id
      FROM plots p
      JOIN sites s ON s.id = p.site_id
      JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = 'ti-8401' AND p.owner_is_natural_person AND p.owner_name IS NOT NULL
        AND p.deleted_at IS NULL AND p.id <> ${plot.id}
      ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
    own = rows[0]!;
  });

  const audit = async (key: string, id: string) =>
    (await t.get(`/audit?entity=plot&entity_id=${id}`, { headers: bearer(key) })).text();

  for (const field of ['ownerIsNaturalPerson', 'buyerIsNaturalPerson'] as const) {
    it(
      `an in-scope editor's PATCH /plots/{id} with ${field}: false is a 403 naming the field, ` +
        'with or without If-Match; nothing changes',
      async () => {
        const before = await fingerprint(t.handle.db);
        const etag = (await t.get(`/plots/${own.id}`)).headers.get('etag')!;
        for (const headers of [json(keys.editorIn, { 'if-match': etag }), json(keys.editorIn)]) {
          const res = await t.get(`/plots/${own.id}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify({ [field]: false }),
          });
          expect(res.status).toBe(403);
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          const problem = await res.json();
          expect(problem.invalidParams.map((p: { name: string }) => p.name)).toEqual([field]);
          expect(problem.detail).toContain(field);
        }
        expect(await fingerprint(t.handle.db)).toBe(before);
        expect(await (await t.get(`/plots/${own.id}`)).text()).not.toContain(own.ownerName);
        expect(await audit(keys.labeller, own.id)).not.toContain(own.ownerName);
      },
    );
  }

  it(
    'an editor may not create a plot declaring its owner not a natural person (403); ' +
      'a name given without the flag is withheld',
    async () => {
      const { geometry } = await squareIn(t.handle.db, 'ti-8401', 50);
      const base = {
        siteId: own.siteId,
        landControl: 'personne physique',
        developmentStage: 'viabilisé et aménagé',
        marketingStage: 'en vente',
        occupation: 'inoccupé',
        landUse: 'espace agricole',
        geometry,
      };
      const before = await fingerprint(t.handle.db);
      const refused = await t.get('/plots', {
        method: 'POST',
        headers: json(keys.editorIn),
        body: JSON.stringify({ ...base, ownerName: 'Paulette Martin', ownerIsNaturalPerson: false }),
      });
      expect(refused.status).toBe(403);
      expect((await refused.json()).invalidParams[0].name).toBe('ownerIsNaturalPerson');
      expect(await fingerprint(t.handle.db)).toBe(before);

      const created = await t.get('/plots', {
        method: 'POST',
        headers: json(keys.editorIn),
        body: JSON.stringify({ ...base, ownerName: 'Paulette Martin' }),
      });
      expect(created.status).toBe(201);
      const { id } = await created.json();
      expect(await (await t.get(`/plots/${id}`)).text()).not.toContain('Paulette Martin');
      expect(await (await t.get(`/plots/${id}`, { headers: bearer(keys.editorIn) })).text()).not.toContain(
        'Paulette Martin',
      );
      expect(await audit(keys.labeller, id)).not.toContain('Paulette Martin');
      expect((await (await t.get(`/plots/${id}`, { headers: bearer(keys.admin) })).json()).owner).toEqual({
        name: 'Paulette Martin',
        naturalPerson: true,
        withheld: false,
      });
    },
  );

  it("an editor renaming a legal person's plot owner: the new name is presumed a natural person's", async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT p.id FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = 'ti-8401' AND NOT p.owner_is_natural_person AND p.deleted_at IS NULL
      ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
    const id = rows[0]!.id;
    const etag = (await t.get(`/plots/${id}`)).headers.get('etag')!;
    const res = await t.get(`/plots/${id}`, {
      method: 'PATCH',
      headers: json(keys.editorIn, { 'if-match': etag }),
      body: JSON.stringify({ ownerName: 'Gaston Lefèvre' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('Gaston Lefèvre');
    expect(await (await t.get(`/plots/${id}`)).text()).not.toContain('Gaston Lefèvre');
  });

  it(
    'an admin may declare the owner a legal person; the audit log still withholds the name from labellers, ' +
      'before and after',
    async () => {
      const etag = (await t.get(`/plots/${own.id}`)).headers.get('etag')!;
      const res = await t.get(`/plots/${own.id}`, {
        method: 'PATCH',
        headers: json(keys.admin, { 'if-match': etag }),
        body: JSON.stringify({ ownerIsNaturalPerson: false }),
      });
      expect(res.status).toBe(200);
      expect((await (await t.get(`/plots/${own.id}`)).json()).owner.name).toBe(own.ownerName);
      const entries = JSON.parse(await audit(keys.labeller, own.id)).items as Array<{
        before: Record<string, unknown> | null;
        after: Record<string, unknown> | null;
      }>;
      const declaration = entries.find(
        (e) => e.before?.ownerIsNaturalPerson === true && e.after?.ownerIsNaturalPerson === false,
      )!;
      expect(declaration).toBeDefined();
      expect(declaration.before!.ownerName).toBeNull();
      expect(declaration.after!.ownerName).toBeNull();
      expect(await audit(keys.admin, own.id)).toContain(own.ownerName);
    },
  );
});
