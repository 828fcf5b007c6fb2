// The EWKB a CNIG import stages its plainly polygonal geometries as (geometry/ewkb.ts), against
// PostGIS: byte for byte what ST_GeomFromGeoJSON reads from the same GeoJSON, and nothing for
// the geometries PostGIS's EWKB reader would refuse (which stay GeoJSON text, reported as before).
// And a row staged as EWKB in an SRID PostGIS does not know is rejected, not a failed import.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Geometry } from 'geojson';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { polygonalEwkbHex } from '../../src/geometry/ewkb.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let dir: string;
beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-ewkb-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

const square = (x: number, y: number, d: number) => [
  [x, y],
  [x + d, y],
  [x + d, y + d],
  [x, y + d],
  [x, y],
];

describe('staged EWKB', () => {
  it('is byte for byte what PostGIS reads from the GeoJSON, for polygons, holes and multipolygons', async () => {
    const geometries: [Geometry, number][] = [
      [{ type: 'Polygon', coordinates: [square(4.831234567890123, 45.76543210987654, 0.0005)] }, 4326],
      [{ type: 'Polygon', coordinates: [square(0, 0, 10), square(2, 2, 1).reverse()] }, 4326],
      [
        {
          type: 'MultiPolygon',
          coordinates: [
            [square(651_234.5, 6_862_345.25, 120)],
            [square(652_000, 6_863_000, 40), square(652_010, 6_863_010, 5)],
          ],
        },
        2154,
      ],
      [{ type: 'Polygon', coordinates: [square(-61.5, 16.2, 1e-7)] }, 4326],
    ];
    for (const [geometry, srid] of geometries) {
      const { rows } = await sql<{ hex: string }>`
        SELECT encode(ST_AsEWKB(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), ${srid}), 'NDR'), 'hex') AS hex`.execute(
        t.handle.db,
      );
      expect(polygonalEwkbHex(geometry, srid), JSON.stringify(geometry)).toBe(rows[0]!.hex);
    }
  });

  it('is not written for what PostGIS should read and judge from the GeoJSON', () => {
    const open = square(4.8, 45.7, 0.01).slice(0, -1);
    const refused: Geometry[] = [
      { type: 'Polygon', coordinates: [[...open, [4.8, 45.70001]]] },
      { type: 'Polygon', coordinates: [square(4.8, 45.7, 0.01).slice(1)] },
      { type: 'Polygon', coordinates: [square(4.8, 45.7, 0.01).map(([x, y]) => [x!, y!, 100])] },
      { type: 'Polygon', coordinates: [] },
      { type: 'MultiPolygon', coordinates: [] },
      { type: 'MultiPolygon', coordinates: [[]] },
      {
        type: 'Polygon',
        coordinates: [
          [
            [4.8, 45.7],
            [4.9, 45.7],
            [Number.NaN, 45.8],
            [4.8, 45.7],
          ],
        ],
      },
      { type: 'Polygon', coordinates: [1] as never },
      { type: 'Point', coordinates: [4.8, 45.7] },
    ];
    for (const geometry of refused) expect(polygonalEwkbHex(geometry, 4326), JSON.stringify(geometry)).toBeUndefined();
  });

  it('rejects the rows of a file in an SRID PostGIS does not know, one by one', async () => {
    const exported = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    const [a, b] = parse(exported, { delimiter: ';', columns: true, bom: true }) as Record<string, string>[];
    const path = join(dir, 'unknown-srid.csv');
    writeFileSync(
      path,
      stringify(
        [
          { ...a!, terr_id: 'EWKB-SRID-1', terr_refcad: '' },
          { ...b!, terr_id: 'EWKB-SRID-2', terr_refcad: '' },
        ],
        { delimiter: ';', header: true },
      ),
    );
    const report = await importCnig(t.handle.db, 'terrain-eco', path, { srid: 12_345, partial: true });
    expect(report).toMatchObject({ written: true, accepted: 0, inserted: 0 });
    expect(report.rejected.map((r) => [r.row, r.column])).toEqual([
      [1, 'terr_geomsurf'],
      [2, 'terr_geomsurf'],
    ]);
    for (const r of report.rejected) expect(r.reason).toMatch(/^unreadable geometry: .*12345/);
  });
});
