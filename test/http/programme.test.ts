// The turnkey-site programme dashboard, on the untouched demo data.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalList2024 } from '../../src/fixtures/demo.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

describe('GET /programme/turnkey-sites', () => {
  it('shows a programme shaped like the national list of April 2024', async () => {
    const res = await t.get('/programme/turnkey-sites?target=50');
    expect(res.status).toBe(200);
    const d = await res.json();
    const { rows } = await sql<{
      n: number;
      ha: number;
    }>`SELECT count(*) AS n, sum(area_ha) AS ha FROM sites WHERE turnkey_programme IS NOT NULL
      AND deleted_at IS NULL`.execute(t.handle.db);
    expect(d.sites).toBe(rows[0]!.n);
    expect(d.areaHa).toBeCloseTo(rows[0]!.ha, 0);
    expect(d.target).toBe(50);
    expect(d.byState.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(d.sites);
    expect(d.byTerritory.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(d.sites);
    expect(d.readiness.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(d.sites);
    expect(d.land.brownfield.count + d.land.greenfield.count).toBe(d.sites);
    // The demo is seeded like the national list: 55 sites, 3,342 ha, 30 brownfields, 5/18/32 by readiness year.
    expect(d.sites).toBe(nationalList2024.sites);
    expect(Math.abs(d.areaHa - nationalList2024.hectares)).toBeLessThan(1);
    expect(d.land.brownfield.count).toBe(nationalList2024.brownfields);
    const byYear = Object.fromEntries(d.readinessByYear.map((y: { year: string; count: number }) => [y.year, y.count]));
    expect(byYear['2024']).toBe(5);
    expect((byYear['2025'] ?? 0) + (byYear['2026'] ?? 0) + (byYear['2027'] ?? 0)).toBe(18);
    expect((byYear['2028'] ?? 0) + (byYear['2029'] ?? 0) + (byYear['2030'] ?? 0)).toBe(32);
  });

  it('rejects a non-numeric target with 400', async () => {
    expect((await t.get('/programme/turnkey-sites?target=many')).status).toBe(400);
  });
});
