// Interop: GDAL's MVT driver reads a composite tile served by the API (named z/x/y.pbf so the
// driver infers its georeferencing) and lists its layers and feature counts. Skipped, with the
// reason printed, when ogrinfo is not installed (.ci/run installs gdal-bin).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileAt } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { interopAvailable } from '../support/interop.js';

function ogrinfoVersion(): string | undefined {
  try {
    return execFileSync('ogrinfo', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const gdal = ogrinfoVersion();
interopAvailable('ogrinfo', gdal !== undefined, 'apt-get install gdal-bin');

let t: TestContext;
beforeAll(async () => {
  if (gdal) t = await openTestApp();
});
afterAll(async () => t?.close());

describe.runIf(gdal)(`GDAL (${gdal}) reads a composite tile`, () => {
  it('ogrinfo with the MVT driver lists the layers and the feature count of each', async () => {
    const { rows } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM plots
      ORDER BY area_ha DESC LIMIT 1`.execute(t.handle.db);
    const { z, x, y } = tileAt(rows[0]!.lon, rows[0]!.lat, 14);
    const res = await t.get(`/tiles/${z}/${x}/${y}.mvt`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const tile = new VectorTile(new PbfReader(bytes));
    const expected = Object.fromEntries(Object.entries(tile.layers).map(([name, layer]) => [name, layer.length]));

    const dir = mkdtempSync(join(tmpdir(), 'foncier-mvt-'));
    try {
      mkdirSync(join(dir, String(z), String(x)), { recursive: true });
      const file = join(dir, String(z), String(x), `${y}.pbf`);
      writeFileSync(file, bytes);
      const out = execFileSync('ogrinfo', ['-ro', '-al', '-so', file], { encoding: 'utf8' });
      expect(out).toContain("using driver `MVT'");
      const counts: Record<string, number> = {};
      for (const [, name, count] of out.matchAll(/Layer name: (\S+)[\s\S]*?Feature Count: (\d+)/g))
        counts[name!] = Number(count);
      expect(counts).toEqual(expected);
      expect(Object.keys(counts)).toEqual(expect.arrayContaining(['plots', 'sites', 'territories']));
      // The driver georeferences from the z/x/y path: EPSG:3857 extents near the tile's.
      expect(out).toMatch(/Pseudo-Mercator|EPSG",3857|EPSG:3857/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
