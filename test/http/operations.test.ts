import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, backendName, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

describe('operations', () => {
  it('GET /healthz answers while the process is up', async () => {
    const res = await t.get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports the database reachable and every migration applied', async () => {
    const res = await t.get('/readyz');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.database).toEqual({ backend: backendName(), reachable: true });
    expect(body.migrations.current).toBe(true);
    expect(body.migrations.applied).toContain('001_catalogue');
  });

  it('GET /readyz answers 503 when a migration is missing', async () => {
    await sql`DELETE FROM kysely_migration WHERE name = '001_catalogue'`.execute(t.handle.db);
    const res = await t.get('/readyz');
    expect(res.status).toBe(503);
    expect((await res.json()).migrations.pending).toContain('001_catalogue');
    await sql`INSERT INTO kysely_migration (name, timestamp)
      VALUES ('001_catalogue', ${new Date().toISOString()})`.execute(t.handle.db);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of every route', async () => {
    const doc = await (await t.get('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/territories',
      '/territories/{id}',
      '/territories/{id}/boundary',
      '/sites/{id}',
      '/plots/{id}',
      '/healthz',
      '/readyz',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.components.schemas).toHaveProperty('Problem');
  });

  it('GET /docs is the Scalar reference over /openapi.json, its script served by the project', async () => {
    const res = await t.get('/docs');
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Scalar.createApiReference');
    expect(html).toContain('"url": "/openapi.json"');
    expect([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1])).toEqual(['/docs/api-reference.js']);
    const script = await t.get('/docs/api-reference.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(await script.text()).toContain('createApiReference');
  });

  it('compresses JSON when the client accepts gzip', async () => {
    const res = await t.get('/territories', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });
});
