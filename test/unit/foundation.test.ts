import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createRandom, seedFrom } from '../../src/fixtures/random.js';
import { rectangleEwkt } from '../../src/fixtures/catalogue.js';
import { AppError, problemDocument, ValidationError } from '../../src/http/errors.js';
import { machineCpuLoad, shedAbove } from '../../src/http/cpu-load.js';

describe('configuration', () => {
  it('defaults to port 8787, the .data directory and the embedded database', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8787,
      dataDir: '.data',
      databaseUrl: undefined,
      logLevel: 'info',
      demoData: true,
    });
  });
  it('rejects a malformed DATABASE_URL and a non-numeric PORT, naming them', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
  it('limits JSON bodies to 8 MiB unless FONCIER_MAX_BODY_BYTES says otherwise (at least 64 KiB)', () => {
    expect(loadConfig({}).maxBodyBytes).toBe(8 * 1024 * 1024);
    expect(loadConfig({ FONCIER_MAX_BODY_BYTES: '2097152' }).maxBodyBytes).toBe(2_097_152);
    expect(() => loadConfig({ FONCIER_MAX_BODY_BYTES: '1000' })).toThrow(/FONCIER_MAX_BODY_BYTES/);
    expect(() => loadConfig({ FONCIER_MAX_BODY_BYTES: '8MB' })).toThrow(/FONCIER_MAX_BODY_BYTES/);
  });
  it('sheds the gzip of tiles just built from 90 % of the CPU unless FONCIER_TILE_GZIP_MAX_CPU says otherwise', () => {
    expect(loadConfig({}).tileGzipMaxCpu).toBe(0.9);
    expect(loadConfig({ FONCIER_TILE_GZIP_MAX_CPU: '100' }).tileGzipMaxCpu).toBe(1);
    for (const wrong of ['0', '101', '85.5', 'high'])
      expect(() => loadConfig({ FONCIER_TILE_GZIP_MAX_CPU: wrong })).toThrow(/FONCIER_TILE_GZIP_MAX_CPU/);
  });
  it('accepts a PostgreSQL URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@localhost:5432/foncier' }).databaseUrl).toBe(
      'postgres://u@localhost:5432/foncier',
    );
  });
});

describe('problem documents', () => {
  it('carry a stable type and code, and the invalid parameters', () => {
    const doc = problemDocument(
      new ValidationError([{ in: 'query', name: 'bbox', message: 'latitude above 90' }]),
      '/plots',
    );
    expect(doc).toMatchObject({
      type: 'urn:foncier:problem:validation-failed',
      status: 400,
      code: 'validation_failed',
      instance: '/plots',
    });
    expect(doc.invalidParams).toEqual([{ in: 'query', name: 'bbox', message: 'latitude above 90' }]);
    expect(new AppError('precondition_failed', 'stale').status).toBe(412);
  });
});

describe('fixture randomness', () => {
  it('is deterministic for a seed', () => {
    const a = createRandom(seedFrom('x'));
    const b = createRandom(seedFrom('x'));
    expect(Array.from({ length: 5 }, a.uuid)).toEqual(Array.from({ length: 5 }, b.uuid));
    expect(a.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('lays a rectangle out as a closed counter-clockwise ring', () => {
    const ewkt = rectangleEwkt({ lon: 4.8, lat: 45 }, 0, { x0: -50, y0: -50, x1: 50, y1: 50 });
    expect(ewkt.startsWith('SRID=4326;MULTIPOLYGON(((')).toBe(true);
    const coords = ewkt.slice(ewkt.indexOf('(((') + 3, -3).split(',');
    expect(coords[0]).toBe(coords[coords.length - 1]);
  });
});

describe('the machine CPU load that tile gzip is shed at', () => {
  it('is a share of every core read at most once an interval, held between reads', async () => {
    let now = 0;
    const load = machineCpuLoad(1000, () => now);
    expect(load.busy()).toBe(0); // nothing measured yet
    const until = performance.now() + 30;
    while (performance.now() < until); // some CPU time for the sample to see
    now = 1000;
    const share = load.busy();
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThanOrEqual(1);
    now = 1999; // within the interval: the same figure, os.cpus() not read again
    expect(load.busy()).toBe(share);
  });
  it('sheds at and above its threshold, and never at 100 %', () => {
    const at = (busy: number) => ({ busy: () => busy });
    expect(shedAbove(at(0.95), 0.9)()).toBe(true);
    expect(shedAbove(at(0.9), 0.9)()).toBe(true);
    expect(shedAbove(at(0.5), 0.9)()).toBe(false);
    expect(shedAbove(at(1), 1)()).toBe(false);
  });
});
