// Cross-origin access: reads open to any origin by default, preflights answered before
// authentication, writes only from configured origins, and Vary: Origin wherever the answer
// depends on the Origin (next to the tiles' and entities' ETags).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { appendVary } from '../../src/http/cors.js';
import { tileAt } from '../../tiles/tile-math.js';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

const elsewhere = 'http://carto.example.org:8080';
const trusted = 'https://editeur.example.fr';

let t: TestContext;
/** The same database behind an app that opens reads to `trusted` only and writes to `trusted`. */
let restricted: App;
let tilePath: string;

beforeAll(async () => {
  t = await openTestApp();
  restricted = createApp({
    db: t.handle.db,
    backend: t.handle.kind,
    failureLimiter: new FailureLimiter({ maxFailures: 1_000_000, windowMs: 60_000 }),
    cors: { readOrigins: [trusted], writeOrigins: [trusted] },
  });
  const { x, y } = tileAt(4.9, 45.0, 6);
  tilePath = `/tiles/6/${x}/${y}.mvt`;
});
afterAll(async () => t?.close());

const on = (app: App, path: string, init: RequestInit = {}) => app.request(`http://localhost${path}`, init);
const varyTokens = (res: Response) =>
  (res.headers.get('vary') ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);

describe(`CORS with the default policy (${backendName()})`, () => {
  it('the MapLibre style, TileJSON, tiles and OGC items are readable from any origin', async () => {
    for (const path of [
      '/tiles/style.json',
      '/tiles/composite.json',
      tilePath,
      '/ogc/collections/sites/items?limit=1',
      '/ogc',
    ]) {
      const res = await t.get(path, { headers: { origin: elsewhere } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-expose-headers'), path).toContain('etag');
    }
  });

  it('a 304 and a problem document carry the header too, so the page can read them', async () => {
    const first = await t.get(tilePath, { headers: { origin: elsewhere } });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    const again = await t.get(tilePath, { headers: { origin: elsewhere, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('access-control-allow-origin')).toBe('*');
    const missing = await t.get('/tiles/nothing/1/0/0.mvt', { headers: { origin: elsewhere } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
  });

  it(
    'with reads open to all, the answer does not depend on Origin: no Vary: Origin, ' +
      'the tile still varies on accept-encoding',
    async () => {
      const res = await t.get(tilePath, { headers: { origin: elsewhere } });
      expect(varyTokens(res)).toContain('accept-encoding');
      expect(varyTokens(res)).not.toContain('origin');
    },
  );

  it(
    'OPTIONS preflight of a read with If-None-Match and Authorization ' +
      'is a 204 naming the allowed methods and headers',
    async () => {
      const res = await t.get('/ogc/collections/plots/items', {
        method: 'OPTIONS',
        headers: {
          origin: elsewhere,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, if-none-match',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(res.headers.get('access-control-allow-headers')).toContain('if-none-match');
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(varyTokens(res)).toEqual(['origin', 'access-control-request-method', 'access-control-request-headers']);
    },
  );

  it('a preflight asking for a header the API does not take is refused with a 403 problem', async () => {
    const res = await t.get('/tiles/style.json', {
      method: 'OPTIONS',
      headers: {
        origin: elsewhere,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-custom',
      },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).detail).toContain('x-custom');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a preflight of a write from another origin is refused (403, no Access-Control-Allow-Origin)', async () => {
    const res = await t.get('/sites', {
      method: 'OPTIONS',
      headers: {
        origin: elsewhere,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await res.json()).detail).toContain(elsewhere);
  });

  it(
    'a write sent from another origin is refused before it runs (403, not 401), ' +
      'one from our own origin reaches authentication',
    async () => {
      const foreign = await t.get('/sites', {
        method: 'POST',
        headers: { origin: elsewhere, 'content-type': 'text/plain' },
        body: '{}',
      });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('content-type')).toBe('application/problem+json');
      const own = await t.get('/sites', {
        method: 'POST',
        headers: {
          origin: 'http://localhost',
          authorization: 'Bearer fnc_not-a-key',
          'content-type': 'application/json',
        },
        body: '{}',
      });
      expect(own.status).toBe(401);
    },
  );

  it('OPTIONS without a preflight is not a route (404 problem)', async () => {
    const res = await t.get('/tiles/style.json', { method: 'OPTIONS' });
    expect(res.status).toBe(404);
  });
});

describe('CORS with reads and writes restricted to one origin', () => {
  it(
    'the trusted origin is echoed with Vary: Origin next to the ETag; another origin gets no grant; ' +
      'the ETag is the same',
    async () => {
      const ok = await on(restricted, tilePath, { headers: { origin: trusted } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(trusted);
      expect(varyTokens(ok)).toEqual(expect.arrayContaining(['accept-encoding', 'origin']));
      const other = await on(restricted, tilePath, { headers: { origin: elsewhere } });
      expect(other.status).toBe(200);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(varyTokens(other)).toContain('origin');
      expect(other.headers.get('etag')).toBe(ok.headers.get('etag'));
      // No Origin at all (curl, GDAL): served, and still marked as depending on Origin for caches.
      const plain = await on(restricted, '/ogc/collections', {});
      expect(plain.status).toBe(200);
      expect(varyTokens(plain)).toContain('origin');
    },
  );

  it('a read preflight from an origin not listed is refused', async () => {
    const res = await on(restricted, '/tiles/style.json', {
      method: 'OPTIONS',
      headers: { origin: elsewhere, 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(403);
  });

  it(
    'a write preflight from the write origin is granted with the write methods, ' +
      'and the write itself reaches authentication with the grant',
    async () => {
      const pre = await on(restricted, '/sites/00000000-0000-0000-0000-000000000000', {
        method: 'OPTIONS',
        headers: {
          origin: trusted,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization, content-type, if-match',
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(trusted);
      expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
      const write = await on(restricted, '/sites', {
        method: 'POST',
        headers: { origin: trusted, authorization: 'Bearer fnc_not-a-key', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(write.status).toBe(401);
      expect(write.headers.get('access-control-allow-origin')).toBe(trusted);
      expect(varyTokens(write)).toContain('origin');
    },
  );
});

describe('CORS configuration', () => {
  it('defaults to reads from any origin and writes from none', () => {
    expect(loadConfig({}).cors).toEqual({ readOrigins: '*', writeOrigins: [] });
  });

  it('reads comma-separated origins', () => {
    const config = loadConfig({
      FONCIER_CORS_READ_ORIGINS: `${trusted}, ${elsewhere}`,
      FONCIER_CORS_WRITE_ORIGINS: trusted,
    });
    expect(config.cors).toEqual({ readOrigins: [trusted, elsewhere], writeOrigins: [trusted] });
  });

  it('rejects a value that is not an origin (a path, a trailing slash)', () => {
    expect(() => loadConfig({ FONCIER_CORS_WRITE_ORIGINS: 'https://editeur.example.fr/' })).toThrow(ConfigError);
    expect(() => loadConfig({ FONCIER_CORS_READ_ORIGINS: 'editeur.example.fr' })).toThrow(ConfigError);
  });

  it('appendVary adds a token once, case-insensitively, and keeps *', () => {
    expect(appendVary('accept-encoding', 'Origin')).toBe('accept-encoding, Origin');
    expect(appendVary('Accept-Encoding, origin', 'Origin')).toBe('Accept-Encoding, origin');
    expect(appendVary(null, 'Origin')).toBe('Origin');
    expect(appendVary('*', 'Origin')).toBe('*');
  });
});
