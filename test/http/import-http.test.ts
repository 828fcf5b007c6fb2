import { testClock } from '../support/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
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
  t.get(`/imports?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': type, ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });

/** A communes GeoJSON body of one feature that no import accepts: a point where a boundary goes. */
const nowhereCommune = (code: string) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code, nom: 'Nowhere' }, geometry: { type: 'Point', coordinates: [4, 45] } },
    ],
  });

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
    expect(report).toMatchObject({
      kind: 'terrain-eco',
      file: 'terrain-eco.csv',
      written: true,
      inserted: 0,
      updated: 0,
      rejected: [],
    });
    expect(report.unchanged).toBe(report.rowsRead);
    const run = await t.handle.db
      .selectFrom('importRuns')
      .selectAll()
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({ kind: 'terrain-eco', status: 'committed', unchanged: report.unchanged });
  });

  it('dry-runs a GeoJSON body and reports rejected features without writing', async () => {
    const body = nowhereCommune('99999x');
    const res = await post('kind=communes&dryRun=true', body, admin, 'application/geo+json');
    const report = await res.json();
    expect(report).toMatchObject({ dryRun: true, written: false });
    expect(report.rejected.map((r: any) => r.column).sort()).toEqual(['geometry']);
  });

  it('rejects an unknown kind or parameter with 400', async () => {
    expect((await post('kind=nothing', 'a;b', admin)).status).toBe(400);
    expect((await post('kind=site-eco&mode=fast', 'a;b', admin)).status).toBe(400);
    const badMode = await post('kind=terrain-eco&indexes=sometimes', 'a;b', admin);
    expect(badMode.status).toBe(400);
    expect(badMode.headers.get('content-type')).toContain('application/problem+json');
    expect((await badMode.json()).invalidParams).toEqual([expect.objectContaining({ name: 'indexes' })]);
  });
});

/** The same app with a small import limit, so that a test does not send 100 MB. */
const appWithLimit = (maxImportBytes: number) =>
  createApp({
    clock: testClock,
    db: t.handle.db,
    backend: t.handle.kind,
    maxImportBytes,
    failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
  });

/** A body without Content-Length (chunked on the wire), in pieces of `size` bytes. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

const postStream = (app: ReturnType<typeof createApp>, query: string, body: ReadableStream<Uint8Array>) =>
  app.request(`http://localhost/imports?${query}`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
  } as RequestInit);

describe('POST /imports bodies', () => {
  it('imports a chunked body up to the limit and answers 413 one byte past it', async () => {
    const csv = new Uint8Array(await (await t.get('/exports/cnig/terrain-eco.csv')).arrayBuffer());
    const app = appWithLimit(csv.byteLength);
    const ok = await postStream(app, 'kind=terrain-eco&dryRun=true', chunked(csv, 1024));
    expect(ok.status, await ok.clone().text()).toBe(200);
    const report = await ok.json();
    expect(report.rowsRead).toBeGreaterThan(0);
    expect(report.unchanged).toBe(report.rowsRead);

    const over = await postStream(app, 'kind=terrain-eco&dryRun=true', chunked(new Uint8Array([...csv, 10]), 1024));
    expect(over.status).toBe(413);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(await over.json()).toMatchObject({ code: 'payload_too_large', maxBytes: csv.byteLength });
  });

  it('stops reading a chunked body as soon as it passes the limit', async () => {
    let pulled = 0;
    let cancelled = false;
    const piece = new Uint8Array(16 * 1024).fill(59);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 4 MB in all: far more than the limit, small enough to be read whole if it were.
        if (++pulled > 256) return controller.close();
        controller.enqueue(piece.slice());
      },
      cancel() {
        cancelled = true;
      },
    });
    const res = await postStream(appWithLimit(64 * 1024), 'kind=terrain-eco', body);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(8);
    expect(cancelled).toBe(true);
  });

  it('streams GeoJSON Lines sent as application/geo+json to the importer (no JSON parse of the body)', async () => {
    const feature = (code: string) =>
      JSON.stringify({
        type: 'Feature',
        properties: { code, nom: code },
        geometry: { type: 'Point', coordinates: [4, 45] },
      });
    const res = await post(
      'kind=communes&dryRun=true',
      `${feature('99998')}\n${feature('99999')}\n`,
      admin,
      'application/geo+json',
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ dryRun: true, rowsRead: 2, written: false });
  });

  it('answers 415 for a body that is neither CSV nor GeoJSON', async () => {
    const res = await post('kind=site-eco', 'a;b', admin, 'application/octet-stream');
    expect(res.status).toBe(415);
  });
});

describe('POST /imports runs in import_runs', () => {
  const runOf = (id: string) =>
    t.handle.db.selectFrom('importRuns').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('records an import whose file cannot be read as failed, with its error, and answers 422', async () => {
    const res = await post(
      'kind=communes&filename=communes.geojson',
      JSON.stringify({ type: 'Topology', objects: {} }),
      admin,
      'application/geo+json',
    );
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem).toMatchObject({ code: 'unprocessable' });
    expect(problem.detail).toContain('communes.geojson is not a GeoJSON FeatureCollection');
    expect(problem.detail).not.toContain('foncier-import-');
    const run = await runOf(problem.importRunId);
    expect(run).toMatchObject({ kind: 'communes', status: 'failed', dryRun: false, created: 0, updated: 0 });
    expect(run.error).toContain('communes.geojson is not a GeoJSON FeatureCollection');
    expect(run.source).toContain('POST /imports by import admin');
  });

  it('records a CSV that breaks off mid-file (inside the import transaction) as failed', async () => {
    const header = (await (await t.get('/exports/cnig/site-eco.csv')).text()).split('\n')[0];
    const res = await post('kind=site-eco', `${header}\n"unterminated;quote\n`, admin);
    expect(res.status).toBe(422);
    const problem = await res.json();
    const run = await runOf(problem.importRunId);
    expect(run).toMatchObject({ kind: 'site-eco', status: 'failed' });
    expect(run.error).toMatch(/quote/i);
    expect(run.report).toMatchObject({ kind: 'site-eco', file: 'site-eco.csv', written: false });
  });

  it('records an all-or-nothing import that rejected a row as rolled back', async () => {
    const body = nowhereCommune('99999');
    const res = await post('kind=communes', body, admin, 'application/geo+json');
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report).toMatchObject({ written: false });
    expect(await runOf(report.id)).toMatchObject({ status: 'rolled_back', rejected: 1, error: null });
  });
});
