import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let admin: string;
let labeller: string;
beforeAll(async () => {
  t = await openTestApp();
  admin = (await createApiKey(t.handle.db, { name: 'import admin', role: 'admin' })).key;
  labeller = (await createApiKey(t.handle.db, { name: 'labeller', role: 'labeller' })).key;
});
afterAll(async () => t?.close());

const post = (query: string, body: string, key?: string, type = 'text/csv') =>
  t.get(`/imports?${query}`, { method: 'POST', body, headers: { 'content-type': type, ...(key ? { authorization: `Bearer ${key}` } : {}) } });

describe('POST /imports', () => {
  it('is for admins only: 401 without a key, 403 for another role', async () => {
    const csv = await (await t.get('/exports/cnig/site-eco.csv')).text();
    const anonymous = await post('kind=site-eco', csv);
    expect(anonymous.status, await anonymous.clone().text()).toBe(401);
    expect((await post('kind=site-eco', csv, labeller)).status).toBe(403);
  });

  it('re-imports a CNIG export with no change and records the run', async () => {
    const csv = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    const res = await post('kind=terrain-eco&filename=terrain-eco.csv', csv, admin);
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report).toMatchObject({ kind: 'terrain-eco', file: 'terrain-eco.csv', written: true, inserted: 0, updated: 0, rejected: [] });
    expect(report.unchanged).toBe(report.rowsRead);
    const run = await t.handle.db.selectFrom('importRuns').selectAll().where('id', '=', report.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ kind: 'terrain-eco', status: 'committed', unchanged: report.unchanged });
  });

  it('dry-runs a GeoJSON body and reports rejected features without writing', async () => {
    const body = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '99999x', nom: 'Nowhere' }, geometry: { type: 'Point', coordinates: [4, 45] } }] });
    const res = await post('kind=communes&dryRun=true', body, admin, 'application/geo+json');
    const report = await res.json();
    expect(report).toMatchObject({ dryRun: true, written: false });
    expect(report.rejected.map((r: any) => r.column).sort()).toEqual(['geometry']);
  });

  it('rejects an unknown kind or parameter with 400', async () => {
    expect((await post('kind=nothing', 'a;b', admin)).status).toBe(400);
    expect((await post('kind=site-eco&mode=fast', 'a;b', admin)).status).toBe(400);
  });
});
