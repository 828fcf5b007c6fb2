// The brownfields reference layer (CNIG friches, Cartofriches) in the tiles, on whichever
// backend the run uses: the demo's friches, then the real Cartofriches sample imported and
// decoded from the tiles (polygons with their public fields and a Cartofriches link, never an
// owner; clusters below zoom 13 adding up to the whole table; the data version moving with an
// import nobody announced). The sample lives in ../shared; without it those tests are skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import turfBbox from '@turf/bbox';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBrownfields } from '../../src/importers/brownfields.js';
import { findTileLayer } from '../../src/tiles/layers.js';
import { tileAt, tileUnitMetres } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';

const sample = join(process.cwd(), '../shared/data/friches/friches_standard_test.csv');
const haveSample = existsSync(sample);
if (!haveSample)
  console.warn(
    `skipping the Cartofriches sample tile tests: ${sample} is absent (../shared is not next to this clone)`,
  );

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const decode = async (res: Response) => new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
const features = (layer: VectorTileLayer | undefined) =>
  layer ? Array.from({ length: layer.length }, (_, i) => layer.feature(i)) : [];
const layer = findTileLayer('brownfields')!;

describe('brownfields layer', () => {
  it('draws the demo friches as polygons from zoom 13 with their public fields, in the composite and per territory', async () => {
    const { rows } = await sql<{
      id: string;
      name: string;
      status: string;
      lon: number;
      lat: number;
      territoryId: string;
      other: string;
    }>`
      SELECT b.id, b.name, b.status,
             ST_X(ST_PointOnSurface(b.geom)) AS lon, ST_Y(ST_PointOnSurface(b.geom)) AS lat, te.territory_id,
        (SELECT id FROM territories WHERE id <> te.territory_id ORDER BY id LIMIT 1) AS other
      FROM brownfields b JOIN communes c ON c.insee = b.commune_insee
      JOIN territory_epci te ON te.epci_siren = c.epci_siren
      ORDER BY b.id LIMIT 1`.execute(t.handle.db);
    const friche = rows[0]!;
    const { z, x, y } = tileAt(friche.lon, friche.lat, 14);
    for (const path of [
      `/tiles/brownfields/${z}/${x}/${y}.mvt`,
      `/tiles/${z}/${x}/${y}.mvt`,
      `/tiles/${z}/${x}/${y}.mvt?territory=${friche.territoryId}`,
    ]) {
      const res = await t.get(path);
      expect(res.status, path).toBe(200);
      const found = features((await decode(res)).layers.brownfields).find((f) => f.properties.id === friche.id);
      expect(found?.type, path).toBe(3);
      expect(found?.properties).toMatchObject({ name: friche.name, status: friche.status, approximate: false });
      // A synthetic id is not a Cartofriches site: no link.
      expect(found?.properties.cartofrichesUrl).toBeUndefined();
    }
    const elsewhere = await t.get(`/tiles/brownfields/${z}/${x}/${y}.mvt?territory=${friche.other}`);
    if (elsewhere.status === 200)
      expect(features((await decode(elsewhere)).layers.brownfields).some((f) => f.properties.id === friche.id)).toBe(
        false,
      );
    else expect(elsewhere.status).toBe(204);
    // Below zoom 13 the friches of a tile are clusters counting each once: the deepest cluster
    // tile around this friche that no friche crosses the edge of, so that the count is exact.
    for (let zoom = 12; zoom >= 5; zoom--) {
      const low = tileAt(friche.lon, friche.lat, zoom);
      const envelope = sql`ST_Transform(ST_TileEnvelope(${low.z}::int, ${low.x}::int, ${low.y}::int), 4326)`;
      const { rows: held } = await sql<{ inside: number; straddling: number }>`
        SELECT (count(*) FILTER (WHERE ST_Intersects(geom, ${envelope})))::int AS inside,
          (count(*) FILTER (WHERE ST_Intersects(geom, ST_Boundary(${envelope}))))::int AS straddling
            FROM brownfields`.execute(t.handle.db);
      if (held[0]!.straddling > 0) continue;
      const clusters = features(
        (await decode(await t.get(`/tiles/brownfields/${low.z}/${low.x}/${low.y}.mvt`))).layers.brownfields,
      );
      expect(clusters.every((f) => f.type === 1)).toBe(true);
      expect(clusters.reduce((n, f) => n + Number(f.properties.count), 0)).toBe(held[0]!.inside);
      expect(held[0]!.inside).toBeGreaterThan(0);
      return;
    }
    throw new Error('every cluster tile around the friche has a friche across its edge');
  });
});

describe.runIf(haveSample)('the Cartofriches sample in the tiles', () => {
  // 50419_27068, "Ancienne laiterie" (Quettreville-sur-Sienne): POINT (-1.453596 48.97212), 11,268 m².
  const [lon, lat] = [-1.453596, 48.97212];
  const { z, x, y } = tileAt(lon, lat, 14);
  const path = `/tiles/brownfields/${z}/${x}/${y}.mvt`;
  const versionOf = async () =>
    new URL((await (await t.get('/tiles/brownfields.json')).json()).tiles[0].replace(/[{}]/g, '')).searchParams.get(
      'v',
    )!;
  let before: { version: string; status: number; cache: string | null };
  let imported: Awaited<ReturnType<typeof importBrownfields>>;

  // The empty tile is cached under the current version, then the sample is imported behind
  // the cache's back (as `foncier import` from the command line would).
  beforeAll(async () => {
    const version = await versionOf();
    const status = (await t.get(`${path}?v=${version}`)).status;
    const cache = (await t.get(`${path}?v=${version}`)).headers.get('x-tile-cache');
    before = { version, status, cache };
    imported = await importBrownfields(t.handle.db, sample, { partial: true });
  });

  it('an import nobody announced moves the data version, and the friche is decoded from its tile with its public fields only', async () => {
    expect(before).toMatchObject({ status: 204, cache: 'hit' });
    expect(imported.written).toBe(true);
    expect(imported.inserted).toBeGreaterThan(2000);
    const v2 = await versionOf();
    expect(parseInt(v2, 36)).toBeGreaterThan(parseInt(before.version, 36));

    const res = await t.get(`${path}?v=${v2}`);
    expect(res.status).toBe(200);
    const found = features((await decode(res)).layers.brownfields).find((f) => f.properties.id === '50419_27068')!;
    expect(found.type).toBe(3);
    expect(found.properties).toEqual({
      id: '50419_27068',
      name: 'Ancienne laiterie',
      siteType: 'friche industrielle',
      status: 'friche sans projet',
      surfaceM2: 11268,
      communeInsee: '50419',
      approximate: true,
      sourceProducer: 'EPF Normandie',
      cartofrichesUrl: 'https://cartofriches.cerema.fr/cartofriches/?site=50419_27068',
    });
    // A disc of 11,268 m² around the point: radius sqrt(A/π) = 59.9 m, within two tile units.
    const [w, s, e, n] = turfBbox(found.toGeoJSON(x, y, z));
    const metresPerDegree = 111_320;
    const tolerance = 2 * tileUnitMetres(z) * Math.cos((lat * Math.PI) / 180);
    expect(Math.abs(((e - w) / 2) * metresPerDegree * Math.cos((lat * Math.PI) / 180) - 59.9)).toBeLessThan(
      tolerance + 1,
    );
    expect(Math.abs(((n - s) / 2) * metresPerDegree - 59.9)).toBeLessThan(tolerance + 1);
    expect(Math.abs((w + e) / 2 - lon)).toBeLessThan(0.0002);
    expect(Math.abs((s + n) / 2 - lat)).toBeLessThan(0.0002);
  });

  it('never puts an owner in a tile', async () => {
    // 16015_21418 (Angoulême) is owned by a company named in the file's proprio_nom.
    const { z, x, y } = tileAt(0.1761791, 45.6476, 14);
    const res = await t.get(`/tiles/${z}/${x}/${y}.mvt`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const tile = new VectorTile(new PbfReader(bytes));
    const found = features(tile.layers.brownfields).find((f) => f.properties.id === '16015_21418');
    expect(found?.properties.name).toBe('168 RUE ALFRED DE VIGNY');
    for (const key of Object.keys(found!.properties)) expect(Object.keys(layer.fields)).toContain(key);
    const text = new TextDecoder().decode(bytes);
    for (const owner of ['TERRIER', 'personne morale', 'personne physique']) expect(text).not.toContain(owner);
  });

  it('the cluster tiles of zoom 6 add up to every friche, nothing capped', async () => {
    const { rows } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM brownfields`.execute(
      t.handle.db,
    );
    const { rows: totals } = await sql<{ all: number; withoutProject: number }>`
      SELECT count(*)::int AS all, (count(*) FILTER (WHERE status = 'friche sans projet'))::int AS without_project
      FROM brownfields`.execute(t.handle.db);
    expect(totals[0]!.all).toBeGreaterThan(2000);
    // Every tile holding a friche, and its neighbours (a cluster goes by the box centre of its members).
    const z = 6;
    const tiles = new Set<string>();
    for (const { lon, lat } of rows) {
      const { x, y } = tileAt(lon, lat, z);
      for (const dx of [-1, 0, 1]) for (const dy of [-1, 0, 1]) tiles.add(`${x + dx}/${y + dy}`);
    }
    let count = 0;
    let withoutProject = 0;
    const ids = new Set<number>();
    for (const tile of tiles) {
      const res = await t.get(`/tiles/brownfields/${z}/${tile}.mvt`);
      if (res.status === 204) continue;
      for (const f of features((await decode(res)).layers.brownfields)) {
        expect(f.type).toBe(1);
        expect(ids.has(f.id!)).toBe(false);
        ids.add(f.id!);
        count += Number(f.properties.count);
        withoutProject += Number(f.properties.withoutProjectCount);
      }
    }
    expect(count).toBe(totals[0]!.all);
    expect(withoutProject).toBe(totals[0]!.withoutProject);
  });
});
