// Personal data: the names of natural persons (private owners, buyers) never leave the API
// except for admins, on every endpoint that returns plots, in every format.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileAt } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, type Keys } from '../support/writes.js';

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
    SELECT p.id, p.site_id, te.territory_id, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat, p.owner_name
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE p.owner_is_natural_person AND p.deleted_at IS NULL ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
  plot = rows[0]!;
  otherSite = (await t.handle.db.selectFrom('sites').select('id').where('id', '<>', plot.siteId).orderBy('cnigId').executeTakeFirstOrThrow()).id;
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
  const features = Object.values(tile.layers).flatMap((layer) => Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties));
  return JSON.stringify(features);
}

describe('personal data', () => {
  it('the demo data holds natural persons to protect', () => {
    expect(names.length).toBeGreaterThan(0);
    expect(names).toContain(plot.ownerName);
  });

  for (const caller of ['anonymous', 'editor', 'labeller'] as const) {
    it(`no endpoint returning plots shows a natural person's name to ${caller === 'anonymous' ? 'an anonymous caller' : caller === 'editor' ? 'an editor' : 'a labeller'}`, async () => {
      const key = caller === 'anonymous' ? undefined : caller === 'editor' ? keys.editorIn : keys.labeller;
      for (const path of endpoints()) {
        const res = await t.get(path, { headers: bearer(key) });
        expect(res.status, path).toBe(200);
        const text = await bodyText(res);
        for (const name of names) expect(text.includes(name), `${path} shows ${name}`).toBe(false);
      }
    });
  }

  it('admins see the owner of a plot', async () => {
    const body = await (await t.get(`/plots/${plot.id}`, { headers: bearer(keys.admin) })).json();
    expect(body.owner).toEqual({ name: plot.ownerName, naturalPerson: true, withheld: false });
  });
});
