// GDAL as a real OGC API Features client: ogrinfo lists the collections, ogr2ogr copies a
// filtered collection to a GeoPackage, and paging through `next` yields every feature once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable, gdalEnv } from '../support/interop.js';
import { type ServedApp, serveOnLoopback } from '../support/loopback.js';

const run = promisify(execFile);

const gdal = await gdalAvailable();

describe.skipIf(!gdal)('GDAL OAPIF driver against /ogc', () => {
  let t: TestContext;
  let server: ServedApp;
  let base: string;
  let dir: string;
  const requested: string[] = [];

  beforeAll(async () => {
    t = await openTestApp();
    dir = mkdtempSync(join(tmpdir(), 'foncier-gdal-'));
    server = await serveOnLoopback((request) => (requested.push(request.url), t.app.fetch(request)));
    base = `${server.origin}/ogc`;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });
  it('ogrinfo lists every collection', async () => {
    const { stdout } = await run('ogrinfo', ['-ro', '-q', `OAPIF:${base}`], { env: gdalEnv });
    for (const id of ['territories', 'sites', 'plots', 'communes', 'epci', 'brownfields'])
      expect(stdout).toMatch(new RegExp(`\\b${id}\\b`));
  });

  it('ogr2ogr copies plots filtered with CQL2 to a GeoPackage with the expected count', async () => {
    const expected = (
      await t.handle.db
        .selectFrom('plots')
        .where('deletedAt', 'is', null)
        .where('marketingStage', '=', 'en vente')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    const out = join(dir, 'plots.gpkg');
    // The -where clause is translated by the driver into a server-side CQL2 `filter`.
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}`, 'plots', '-where', "marketingStage = 'en vente'"], {
      env: gdalEnv,
    });
    const { stdout } = await run('ogrinfo', ['-ro', '-so', out, 'plots'], { env: gdalEnv });
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(Number(expected));
    const filtered = requested.filter((url) => new URL(url).searchParams.has('filter'));
    expect(filtered.length, 'the filter ran on the server').toBeGreaterThan(0);
    expect(new URL(filtered[0]!).searchParams.get('filter')).toContain('en vente');
  });

  const countIn = async (file: string, layer: string) =>
    Number(
      /Feature Count: (\d+)/.exec((await run('ogrinfo', ['-ro', '-so', file, layer], { env: gdalEnv })).stdout)?.[1],
    );
  const serverFilters = (since: number) =>
    requested
      .slice(since)
      .map((url) => new URL(url).searchParams)
      .filter((p) => p.has('filter') || p.has('bbox'));

  it.each([
    ['turnkey = 1', true],
    ['NOT turnkey = 1', false],
  ] as const)('ogr2ogr -where "%s" filters a boolean on the server with 1/0', async (where, turnkey) => {
    const expected = (
      await t.handle.db
        .selectFrom('plots')
        .where('deletedAt', 'is', null)
        .where('turnkey', '=', turnkey)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(Number(expected)).toBeGreaterThan(0);
    const since = requested.length;
    const out = join(dir, `turnkey-${turnkey}.gpkg`);
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}`, 'plots', '-where', where], { env: gdalEnv });
    expect(await countIn(out, 'plots')).toBe(Number(expected));
    const filters = serverFilters(since).map((p) => p.get('filter'));
    expect(filters.length, 'the filter ran on the server').toBeGreaterThan(0);
    expect(filters[0]).toContain('turnkey');
  });

  it('ogr2ogr -spat sends a bbox, and with -where both run on the server', async () => {
    const [minX, minY, maxX, maxY] = [4.5, 45, 5.5, 46];
    const box = sql<boolean>`ST_Intersects(geom, ST_MakeEnvelope(${minX}, ${minY}, ${maxX}, ${maxY}, 4326))`;
    const inBox = Number(
      (
        await t.handle.db
          .selectFrom('plots')
          .where('deletedAt', 'is', null)
          .where(box)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const inBoxTurnkey = Number(
      (
        await t.handle.db
          .selectFrom('plots')
          .where('deletedAt', 'is', null)
          .where(box)
          .where('turnkey', '=', true)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(inBox).toBeGreaterThan(inBoxTurnkey);
    const since = requested.length;
    const spat = ['-spat', ...[minX, minY, maxX, maxY].map(String)];
    const out = join(dir, 'spat.gpkg');
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}`, 'plots', ...spat], { env: gdalEnv });
    expect(await countIn(out, 'plots')).toBe(inBox);
    expect(
      serverFilters(since).some((p) => p.has('bbox')),
      'the bbox ran on the server',
    ).toBe(true);
    const since2 = requested.length;
    const both = join(dir, 'spat-where.gpkg');
    await run('ogr2ogr', ['-f', 'GPKG', both, `OAPIF:${base}`, 'plots', ...spat, '-where', 'turnkey = 1'], {
      env: gdalEnv,
    });
    expect(await countIn(both, 'plots')).toBe(inBoxTurnkey);
    expect(serverFilters(since2).some((p) => p.has('bbox') && p.get('filter')?.includes('turnkey'))).toBe(true);
  });

  it('ogrinfo -where counts on the server with a boolean written 0 and a comparison', async () => {
    const expected = Number(
      (
        await t.handle.db
          .selectFrom('plots')
          .where('deletedAt', 'is', null)
          .where('turnkey', '=', false)
          .where('grossAreaHa', '>', 2)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const { stdout } = await run(
      'ogrinfo',
      ['-ro', '-so', `OAPIF:${base}`, 'plots', '-where', 'turnkey = 0 AND grossAreaHa > 2'],
      { env: gdalEnv },
    );
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(expected);
  });

  it('ogr2ogr pages through next links and copies every plot exactly once', async () => {
    const ids = await t.handle.db.selectFrom('plots').where('deletedAt', 'is', null).select('id').execute();
    const out = join(dir, 'all.gpkg');
    // A small page size forces many `next` hops.
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}/collections/plots`, '-oo', 'PAGE_SIZE=7'], {
      env: gdalEnv,
    });
    const { stdout } = await run(
      'ogrinfo',
      ['-ro', '-q', '-sql', 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM plots', out],
      { env: gdalEnv },
    );
    expect(Number(/n \(Integer\) = (\d+)/.exec(stdout)?.[1])).toBe(ids.length);
    expect(Number(/d \(Integer\) = (\d+)/.exec(stdout)?.[1])).toBe(ids.length);
  });
});
