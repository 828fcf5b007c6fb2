import type { Feature, MultiPolygon } from 'geojson';
import area from '@turf/area';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoFacts } from '../../src/fixtures/facts.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { rfc7946Problems } from '../support/geojson.js';
import { ardecheDromeNordEpci } from '../support/territories.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const facts = loadDemoFacts();

describe('GET /territories', () => {
  it('lists the eight demo territories with hectares and counts', async () => {
    const res = await t.get('/territories');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.count).toBe(body.items.length);
    const ids = body.items.map((i: { id: string }) => i.id);
    for (const territory of facts) expect(ids).toContain(territory.id);
    const names = body.items.map((i: { name: string }) => i.name);
    for (const name of [
      'Ardèche-Drôme Nord',
      'Valence Romans Agglo',
      'Nord Ardennes',
      'Morlaix Communauté',
      'Douaisis Agglo',
    ])
      expect(names).toContain(name);
    for (const item of body.items) {
      expect(item.areaHa).toBeGreaterThan(1000);
      expect(item.sites.count).toBeGreaterThan(0);
      expect(item.plots.count).toBeGreaterThan(0);
      expect(item.sites.areaHa).toBeGreaterThan(0);
      expect(item.plots.availableAreaHa).toBeLessThanOrEqual(item.plots.areaHa);
    }
  });

  it('counts exactly the live sites and plots of each territory', async () => {
    const body = await (await t.get('/territories')).json();
    const db = t.handle.db;
    for (const item of body.items) {
      const sites = await db
        .selectFrom('sites as s')
        .innerJoin('territoryEpci as te', 'te.epciSiren', 's.epciSiren')
        .where('te.territoryId', '=', item.id)
        .where('s.deletedAt', 'is', null)
        .select(['s.id'])
        .execute();
      expect(item.sites.count).toBe(sites.length);
      const plots = sites.length
        ? await db
            .selectFrom('plots')
            .where(
              'siteId',
              'in',
              sites.map((s) => s.id),
            )
            .where('deletedAt', 'is', null)
            .select('id')
            .execute()
        : [];
      expect(item.plots.count).toBe(plots.length);
    }
  });

  it('marks Ardèche-Drôme Nord as a Rebond industriel laureate with 8 EPCI', async () => {
    const body = await (await t.get('/territories/ti-8401')).json();
    expect(body.name).toBe('Ardèche-Drôme Nord');
    expect(body.epciCount).toBe(8);
    expect(body.epci.map((e: { siren: string }) => e.siren).sort()).toEqual(ardecheDromeNordEpci);
    expect(body.rebondIndustriel).toEqual({ laureate: true, date: '2024-01-15' });
    expect(body.communesCount).toBe(
      facts.find((f) => f.id === 'ti-8401')!.epci.reduce((n, e) => n + e.communes.length, 0),
    );
    expect(body.bbox).toHaveLength(4);
  });
});

describe('GET /territories/{id}/boundary', () => {
  it('is an RFC 7946 Feature: CRS84, counter-clockwise exterior rings, at most 6 decimals', async () => {
    for (const territory of facts) {
      const res = await t.get(`/territories/${territory.id}/boundary`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/geo+json');
      const feature = (await res.json()) as Feature<MultiPolygon>;
      expect(feature.type).toBe('Feature');
      expect(feature.geometry.type).toBe('MultiPolygon');
      expect(feature).not.toHaveProperty('crs');
      expect(rfc7946Problems(feature.geometry)).toEqual([]);
      // The boundary lies near the real place: its bbox holds every EPCI centroid.
      const [minLon, minLat, maxLon, maxLat] = feature.bbox!;
      for (const e of territory.epci) {
        expect(e.centroid[0]).toBeGreaterThan(minLon!);
        expect(e.centroid[0]).toBeLessThan(maxLon!);
        expect(e.centroid[1]).toBeGreaterThan(minLat!);
        expect(e.centroid[1]).toBeLessThan(maxLat!);
      }
      // The database's ellipsoidal area and turf's spherical one agree to within 1 %.
      const turfHa = area(feature) / 10_000;
      expect(Math.abs(turfHa - feature.properties!.areaHa) / turfHa).toBeLessThan(0.01);
    }
  });

  it('answers 404 problem+json for an unknown territory', async () => {
    const res = await t.get('/territories/ti-9999/boundary');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).code).toBe('not_found');
  });

  it('answers 400 for a malformed territory id', async () => {
    const res = await t.get('/territories/8401%20OR%201=1');
    expect(res.status).toBe(400);
    expect((await res.json()).invalidParams[0]).toMatchObject({ in: 'path', name: 'id' });
  });
});
