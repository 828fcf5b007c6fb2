// GDAL as a real OGC API Features client: ogrinfo lists the collections, ogr2ogr copies a
// filtered collection to a GeoPackage, and paging through `next` yields every feature once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable } from '../support/interop.js';

const run = promisify(execFile);

const gdal = await gdalAvailable();

describe.skipIf(!gdal)('GDAL OAPIF driver against /ogc', () => {
  let t: TestContext;
  let server: ServerType;
  let base: string;
  let dir: string;
  const requested: string[] = [];

  beforeAll(async () => {
    t = await openTestApp();
    dir = mkdtempSync(join(tmpdir(), 'foncier-gdal-'));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: (request: Request) => (requested.push(request.url), t.app.fetch(request)), port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ogc`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  const gdalEnv = { ...process.env, GDAL_HTTP_TIMEOUT: '30', CPL_CURL_VERBOSE: 'NO' };

  it('ogrinfo lists every collection', async () => {
    const { stdout } = await run('ogrinfo', ['-ro', '-q', `OAPIF:${base}`], { env: gdalEnv });
    for (const id of ['territories', 'sites', 'plots', 'communes', 'epci', 'brownfields']) expect(stdout).toMatch(new RegExp(`\\b${id}\\b`));
  });

  it('ogr2ogr copies plots filtered with CQL2 to a GeoPackage with the expected count', async () => {
    const expected = (await t.handle.db.selectFrom('plots').where('deletedAt', 'is', null).where('marketingStage', '=', 'en vente').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const out = join(dir, 'plots.gpkg');
    // The -where clause is translated by the driver into a server-side CQL2 `filter`.
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}`, 'plots', '-where', "marketingStage = 'en vente'"], { env: gdalEnv });
    const { stdout } = await run('ogrinfo', ['-ro', '-so', out, 'plots'], { env: gdalEnv });
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(Number(expected));
    const filtered = requested.filter((url) => new URL(url).searchParams.has('filter'));
    expect(filtered.length, 'the filter ran on the server').toBeGreaterThan(0);
    expect(new URL(filtered[0]!).searchParams.get('filter')).toContain('en vente');
  });

  it('ogr2ogr pages through next links and copies every plot exactly once', async () => {
    const ids = await t.handle.db.selectFrom('plots').where('deletedAt', 'is', null).select('id').execute();
    const out = join(dir, 'all.gpkg');
    // A small page size forces many `next` hops.
    await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}/collections/plots`, '-oo', 'PAGE_SIZE=7'], { env: gdalEnv });
    const { stdout } = await run('ogrinfo', ['-ro', '-q', '-sql', 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM plots', out], { env: gdalEnv });
    expect(Number(/n \(Integer\) = (\d+)/.exec(stdout)?.[1])).toBe(ids.length);
    expect(Number(/d \(Integer\) = (\d+)/.exec(stdout)?.[1])).toBe(ids.length);
  });
});
