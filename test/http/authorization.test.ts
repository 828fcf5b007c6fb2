// The authorization matrix, generated from /openapi.json so that a new route cannot escape
// it: every write route and every restricted read (an operation that declares `security`) ×
// every kind of caller. Each refusal is a problem and leaves the database unchanged; callers
// the route's guard refuses get the same answer whatever else the request carries (an unknown
// query parameter, no If-Match, a body that never ends), because nothing else is read.
import { testClock } from '../support/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLimiter, invalidKeyMessage } from '../../src/auth/middleware.js';
import { createApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import type { Role } from '../../src/auth/viewer.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, fingerprint, newSiteBody, squareIn, type Keys } from '../support/writes.js';
import { tinyPdf } from '../support/documents.js';

const IN = 'ti-8401';
const OUT = 'ti-4407';
/** The matrix app's JSON body limit: small, so that a body past it is cheap to send. */
const BODY_LIMIT = 64 * 1024;
let t: TestContext;
let app: App;
let keys: Keys & { malformed: string; unknown: string };

beforeAll(async () => {
  t = await openTestApp();
  keys = {
    ...(await createKeys(t.handle.db, IN, OUT)),
    malformed: 'not-an-api-key',
    unknown: 'fnc_zzzzzzzz_bbbbbbbbbbbbbbbbbbbbbbbbbbb',
  };
  app = createApp({
    clock: testClock,
    db: t.handle.db,
    backend: t.handle.kind,
    failureLimiter: new FailureLimiter({ maxFailures: 1_000_000, windowMs: 60_000 }),
    maxBodyBytes: BODY_LIMIT,
  });
});
afterAll(async () => t?.close());

const send = (path: string, init?: RequestInit) => app.request(`http://localhost${path}`, init);

// The routes, read from the document the API publishes (no database needed for it).
interface Operation {
  security?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
}
const spec = (await (
  await createApp({ db: {} as never, backend: 'unknown' }).request('http://localhost/openapi.json')
).json()) as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
    .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), op })),
);
/**
 * Writes (every method but GET) and restricted reads: a GET declaring security without the empty
 * requirement `{}`. A read whose key is optional (`[{}, { bearerAuth: [] }]`: an admin's key
 * shows more, anyone may read) is public and tested in personal-data.test.ts.
 */
const keyOptional = (security: unknown[] | undefined) =>
  (security ?? []).some(
    (requirement) => typeof requirement === 'object' && requirement !== null && Object.keys(requirement).length === 0,
  );
const guarded = operations.filter(
  (o) => o.method !== 'GET' || ((o.op.security?.length ?? 0) > 0 && !keyOptional(o.op.security)),
);
const jsonBodied = operations.filter((o) => o.op.requestBody?.content?.['application/json']);

const callers = [
  'anonymous',
  'malformed',
  'unknown',
  'revoked',
  'expired',
  'labeller',
  'decider',
  'editorOut',
  'editorIn',
  'admin',
] as const;
type Caller = (typeof callers)[number];
const badKeys: Caller[] = ['malformed', 'unknown', 'revoked', 'expired'];
const keyOf = (caller: Caller) => (caller === 'anonymous' ? undefined : keys[caller]);

async function plotBody(siteId: string) {
  const { geometry } = await squareIn(t.handle.db, IN, 60);
  return {
    siteId,
    landControl: 'commune',
    developmentStage: 'viabilisé et aménagé',
    marketingStage: 'en vente',
    occupation: 'inoccupé',
    landUse: 'espace agricole',
    geometry,
  };
}

const asAdmin = (path: string, method: string, body: unknown) =>
  send(path, {
    method,
    headers: { ...bearer(keys.admin), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A live site of the territory, created by admin so every case starts from a known state. */
async function freshSite(): Promise<string> {
  const res = await asAdmin('/sites', 'POST', await newSiteBody(t.handle.db, IN));
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function freshPlot(): Promise<string> {
  const res = await asAdmin('/plots', 'POST', await plotBody(await freshSite()));
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

/** A fresh site with its dossier opened (draft) by an admin. */
async function draftSite(): Promise<string> {
  const id = await freshSite();
  expect((await asAdmin(`/sites/${id}/label/transitions`, 'POST', { to: 'draft' })).status).toBe(200);
  return id;
}

/** An upload form with a tiny PDF, as a browser sends it. */
function multipartPdf(): { body: string; type: string } {
  const boundary = 'matrixBoundary7MA4YWxkTrZu0gW';
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const body =
    field('kind', 'acte de propriété') +
    field('issuer', 'Étude notariale') +
    field('issuedOn', '2025-03-01') +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="acte.pdf"\r\nContent-Type: application/pdf\r\n\r\n${tinyPdf}\r\n` +
    `--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

const etagOf = async (path: string) => (await send(path)).headers.get('etag')!;

interface Probe {
  path: string;
  body?: unknown;
  raw?: { body: string; type: string };
  ifMatch?: boolean;
  /** Headers the route needs besides the caller's key (a form's Origin). */
  headers?: Record<string, string>;
}

interface Case {
  prepare(): Promise<Probe>;
  ok: number;
  /** Roles the route's guard lets through (before any parameter or body is read). */
  roles: Role[];
  /** Where an editor's territory comes from: the path id (checked by the guard), the body
   * (checked after validation: a create names its commune or site there), or nowhere. */
  scope: 'path' | 'body' | 'none';
  /** Anonymous callers are served (a computation that writes nothing). */
  open?: boolean;
  /** Answers that depend on the request, not on the caller's identity. */
  overrides?: Partial<Record<Caller, number>>;
}

const cases: Record<string, Case> = {
  // The web sign-in takes the key in its form; a Bearer key beside it changes nothing.
  'POST /connexion': {
    prepare: async () => ({
      path: '/connexion',
      raw: { body: new URLSearchParams({ cle: keys.labeller }).toString(), type: 'application/x-www-form-urlencoded' },
      headers: { origin: 'http://localhost' },
    }),
    ok: 303,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'none',
    open: true,
  },
  'POST /deconnexion': {
    prepare: async () => ({ path: '/deconnexion' }),
    ok: 303,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'none',
    open: true,
  },
  'POST /sites': {
    prepare: async () => ({ path: '/sites', body: await newSiteBody(t.handle.db, IN) }),
    ok: 201,
    roles: ['editor', 'admin'],
    scope: 'body',
  },
  'PATCH /sites/{id}': {
    prepare: async () => ({ path: `/sites/${await freshSite()}`, body: { powerMw: 42 }, ifMatch: true }),
    ok: 200,
    roles: ['editor', 'admin'],
    scope: 'path',
  },
  'DELETE /sites/{id}': {
    prepare: async () => ({ path: `/sites/${await freshSite()}`, ifMatch: true }),
    ok: 204,
    roles: ['editor', 'admin'],
    scope: 'path',
  },
  'POST /plots': {
    prepare: async () => ({ path: '/plots', body: await plotBody(await freshSite()) }),
    ok: 201,
    roles: ['editor', 'admin'],
    scope: 'body',
  },
  'PATCH /plots/{id}': {
    prepare: async () => ({ path: `/plots/${await freshPlot()}`, body: { priceEurM2: 31.5 }, ifMatch: true }),
    ok: 200,
    roles: ['editor', 'admin'],
    scope: 'path',
  },
  'DELETE /plots/{id}': {
    prepare: async () => ({ path: `/plots/${await freshPlot()}`, ifMatch: true }),
    ok: 204,
    roles: ['editor', 'admin'],
    scope: 'path',
  },
  'GET /sites/{id}/label': {
    prepare: async () => ({ path: `/sites/${await freshSite()}/label` }),
    ok: 200,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'path',
  },
  'POST /sites/{id}/label/transitions': {
    prepare: async () => ({ path: `/sites/${await freshSite()}/label/transitions`, body: { to: 'draft' } }),
    ok: 200,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'path',
    // Labellers instruct and deciders decide; opening a dossier is the territory team's.
    overrides: { labeller: 403, decider: 403 },
  },
  'PUT /sites/{id}/label/criteria/{criterion}': {
    prepare: async () => {
      const id = await freshSite();
      expect((await asAdmin(`/sites/${id}/label/transitions`, 'POST', { to: 'draft' })).status).toBe(200);
      return {
        path: `/sites/${id}/label/criteria/land_control`,
        body: { status: 'met', evidence: [{ title: 'Acte de vente', date: '2025-03-01', author: 'Notaire' }] },
      };
    },
    ok: 200,
    roles: ['editor', 'labeller', 'admin'],
    scope: 'path',
    // Labellers assess while they review; a draft is the territory team's.
    overrides: { labeller: 409 },
  },
  // The workspace's form of the assessment; JSON too, as PUT.
  'POST /sites/{id}/label/criteria/{criterion}': {
    prepare: async () => ({
      path: `/sites/${await draftSite()}/label/criteria/land_control`,
      raw: {
        body: new URLSearchParams({
          status: 'met',
          evidenceTitle: 'Acte de vente',
          evidenceDate: '2025-03-01',
          evidenceAuthor: 'Notaire',
        }).toString(),
        type: 'application/x-www-form-urlencoded',
      },
    }),
    ok: 200,
    roles: ['editor', 'labeller', 'admin'],
    scope: 'path',
    overrides: { labeller: 409 },
  },
  'POST /sites/{id}/label/criteria/{criterion}/override': {
    prepare: async () => {
      // A fresh site records no gas network: gas marked met is flagged.
      const id = await draftSite();
      const met = await asAdmin(`/sites/${id}/label/criteria/network_gas`, 'PUT', {
        status: 'met',
        evidence: [{ title: 'Attestation GRDF', date: '2025-03-01', author: 'GRDF' }],
      });
      expect(met.status).toBe(200);
      return {
        path: `/sites/${id}/label/criteria/network_gas/override`,
        body: { reason: 'Raccordement posé en 2025' },
      };
    },
    ok: 200,
    roles: ['labeller', 'admin'],
    scope: 'path',
  },
  'POST /sites/{id}/label/comments': {
    prepare: async () => ({ path: `/sites/${await draftSite()}/label/comments`, body: { body: 'Pièce à venir' } }),
    ok: 201,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'path',
  },
  'POST /sites/{id}/label/criteria/{criterion}/documents': {
    prepare: async () => ({
      path: `/sites/${await draftSite()}/label/criteria/land_control/documents`,
      raw: multipartPdf(),
    }),
    ok: 201,
    roles: ['editor', 'labeller', 'admin'],
    scope: 'path',
    // Labellers add evidence while they instruct; a draft is the territory team's.
    overrides: { labeller: 409 },
  },
  'GET /sites/{id}/label/documents/{documentId}': {
    prepare: async () => {
      const id = await draftSite();
      const raw = multipartPdf();
      const res = await send(`/sites/${id}/label/criteria/land_control/documents`, {
        method: 'POST',
        headers: { ...bearer(keys.admin), 'content-type': raw.type },
        body: raw.body,
      });
      expect(res.status).toBe(201);
      return { path: `/sites/${id}/label/documents/${(await res.json()).id}` };
    },
    ok: 200,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'path',
  },
  'GET /audit': {
    prepare: async () => ({ path: '/audit?limit=5' }),
    ok: 200,
    roles: ['labeller', 'admin'],
    scope: 'none',
  },
  'POST /imports': {
    prepare: async () => ({
      path: '/imports?kind=site-eco',
      raw: { body: await (await send('/exports/cnig/site-eco.csv')).text(), type: 'text/csv' },
    }),
    ok: 200,
    // Editors import their territories' CNIG rows; the others are rejected in the report (200).
    roles: ['editor', 'admin'],
    scope: 'none',
  },
  'POST /zan/simulate': {
    prepare: async () => ({
      path: '/zan/simulate',
      body: { geometry: (await squareIn(t.handle.db, IN, 80)).geometry },
    }),
    ok: 200,
    roles: ['editor', 'labeller', 'decider', 'admin'],
    scope: 'none',
    open: true,
  },
};

/** The answer the route's guard gives a caller, before anything of the request is read; undefined when it lets
 *  the caller through. */
function guardAnswer(c: Case, caller: Caller): number | undefined {
  if (badKeys.includes(caller)) return 401;
  if (caller === 'anonymous') return c.open ? undefined : 401;
  const role = caller === 'editorIn' || caller === 'editorOut' ? 'editor' : caller;
  if (!(c.roles as string[]).includes(role)) return 403;
  if (caller === 'editorOut' && c.scope === 'path') return 403;
  return undefined;
}

function expectedAnswer(c: Case, caller: Caller): number {
  const guard = guardAnswer(c, caller);
  if (guard !== undefined) return guard;
  if (c.overrides?.[caller] !== undefined) return c.overrides[caller]!;
  if (caller === 'editorOut' && c.scope === 'body') return 403;
  return c.ok;
}

/** A JSON body that never ends, counting the bytes the server pulls from it. */
function endlessBody(chunkBytes = 16 * 1024) {
  const chunk = new TextEncoder().encode('{"x":"'.padEnd(chunkBytes, 'x'));
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, counter, chunkBytes };
}

const streamed = (init: RequestInit & { body: ReadableStream<Uint8Array> }) =>
  ({ ...init, duplex: 'half' }) as RequestInit;

describe('authorization matrix (generated from /openapi.json)', () => {
  it('covers every write route and restricted read the API publishes, and nothing else', () => {
    expect(guarded.map((o) => o.name).sort()).toEqual(Object.keys(cases).sort());
  });

  for (const { name, method } of guarded) {
    const c = cases[name];
    if (!c) {
      it(`${name} has an authorization case`, () => expect.fail(`no case for ${name}: add it to the matrix`));
      continue;
    }
    for (const caller of callers) {
      const expected = expectedAnswer(c, caller);
      const refusedFirst = guardAnswer(c, caller);
      it(`${name} by ${caller} → ${expected}${expected >= 400 ? ', nothing changes' : ''}`, async () => {
        const probe = await c.prepare();
        const headers: Record<string, string> = { ...bearer(keyOf(caller)), ...probe.headers };
        if (probe.body !== undefined) headers['content-type'] = 'application/json';
        if (probe.raw) headers['content-type'] = probe.raw.type;
        if (probe.ifMatch) headers['if-match'] = await etagOf(probe.path);
        const before = await fingerprint(t.handle.db);
        const body = probe.raw ? probe.raw.body : probe.body === undefined ? undefined : JSON.stringify(probe.body);
        const res = await send(probe.path, { method, headers, body });
        expect(res.status, await res.clone().text()).toBe(expected);
        if (expected >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(await fingerprint(t.handle.db)).toBe(before);
        }
        if (badKeys.includes(caller)) expect((await res.json()).detail).toBe(invalidKeyMessage);

        // The same route with everything else wrong: an unknown query parameter, no If-Match,
        // a body that never ends (writes) and no JSON media type check passed yet.
        const hostileHeaders: Record<string, string> = { ...bearer(keyOf(caller)), 'content-type': 'application/json' };
        const endless = endlessBody();
        const beforeHostile = await fingerprint(t.handle.db);
        const path = `${probe.path}${probe.path.includes('?') ? '&' : '?'}unexpected=1`;
        const hostile = await send(
          path,
          method === 'GET'
            ? { headers: hostileHeaders }
            : streamed({ method, headers: hostileHeaders, body: endless.stream }),
        );
        expect(await fingerprint(t.handle.db)).toBe(beforeHostile);
        if (refusedFirst !== undefined) {
          expect(hostile.status).toBe(refusedFirst);
          expect(hostile.headers.get('content-type')).toBe('application/problem+json');
          // Not a byte of the body was consumed (a stream fills its first chunk on its own).
          expect(endless.counter.pulled).toBeLessThanOrEqual(endless.chunkBytes);
        } else {
          // Past the guard, the request is the route's to judge (a read may ignore the extra
          // parameter); a write it refuses changed nothing (checked above).
          expect(hostile.status).toBeLessThan(500);
        }
      });
    }
  }
});

describe('request bodies', () => {
  for (const { name, method } of jsonBodied) {
    it(`${name}: a JSON body with no length is cut off with 413 soon after ${BODY_LIMIT} bytes`, async () => {
      const path = name
        .split(' ')[1]!
        .replaceAll('{id}', '00000000-0000-4000-8000-000000000000')
        .replaceAll('{criterion}', 'land_control');
      const endless = endlessBody();
      const before = await fingerprint(t.handle.db);
      const res = await send(
        path,
        streamed({
          method,
          headers: { ...bearer(keys.admin), 'content-type': 'application/json', 'if-match': '"x"' },
          body: endless.stream,
        }),
      );
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).maxBytes).toBe(BODY_LIMIT);
      // Read as it arrives: a few chunks past the limit at most, never the rest of the stream.
      expect(endless.counter.pulled).toBeLessThanOrEqual(BODY_LIMIT + 3 * endless.chunkBytes);
      expect(await fingerprint(t.handle.db)).toBe(before);
    });
  }

  it('a chunked body of exactly the limit is read (400: not JSON); one byte more is 413', async () => {
    const chunked = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < bytes; sent += 1000)
            controller.enqueue(new TextEncoder().encode('x'.repeat(Math.min(1000, bytes - sent))));
          controller.close();
        },
      });
    const post = (bytes: number) =>
      send(
        '/sites',
        streamed({
          method: 'POST',
          headers: { ...bearer(keys.admin), 'content-type': 'application/json' },
          body: chunked(bytes),
        }),
      );
    expect((await post(BODY_LIMIT)).status).toBe(400);
    expect((await post(BODY_LIMIT + 1)).status).toBe(413);
  });

  it('a declared Content-Length past the limit is 413 before the body is read', async () => {
    const endless = endlessBody();
    const res = await send(
      '/sites',
      streamed({
        method: 'POST',
        headers: {
          ...bearer(keys.admin),
          'content-type': 'application/json',
          'content-length': String(BODY_LIMIT + 1),
        },
        body: endless.stream,
      }),
    );
    expect(res.status).toBe(413);
    expect(endless.counter.pulled).toBeLessThanOrEqual(endless.chunkBytes);
  });

  it('the default limit takes a site with a 100,000-vertex geometry written at full precision', async () => {
    const { geometry, communeInsee } = await squareIn(t.handle.db, IN, 150);
    const [lon, lat] = geometry.coordinates[0]!.reduce(([x, y], [a, b]) => [x! + a! / 5, y! + b! / 5], [0, 0]);
    // 99,999 points on a 50 m circle and the closing one; no rounding: 17 significant digits.
    const ring = Array.from({ length: 99_999 }, (_, i) => [
      lon! + 0.0006 * Math.cos((2 * Math.PI * i) / 99_999) + 1e-13 * Math.PI,
      lat! + 0.00045 * Math.sin((2 * Math.PI * i) / 99_999) + 1e-13 * Math.E,
    ]);
    const body = JSON.stringify({
      ...(await newSiteBody(t.handle.db, IN)),
      communeInsee,
      geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] },
    });
    expect(body.length).toBeGreaterThan(3_500_000);
    const res = await t.get('/sites', {
      method: 'POST',
      headers: { ...bearer(keys.admin), 'content-type': 'application/json' },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    // PostGIS checks of 100,000 vertices in the embedded (WASM) database took 91 s on a loaded
    // 2-core machine: more room than the suite's 60 s default.
  }, 240_000);
});

describe('API keys', () => {
  it('a malformed Authorization header is a 401, never anonymous access', async () => {
    const res = await t.get('/audit', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('malformed, unknown, revoked and expired keys get one answer; the log says which it was', async () => {
    const lines: string[] = [];
    const logged = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      logger: createLogger('warn', (l) => lines.push(l)),
      failureLimiter: new FailureLimiter({ maxFailures: 100, windowMs: 60_000 }),
    });
    const answers = [];
    for (const caller of badKeys) {
      const res = await logged.request('http://localhost/audit', { headers: bearer(keyOf(caller)) });
      answers.push({ status: res.status, body: (({ instance: _, ...rest }) => rest)(await res.json()) });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 401, body: { detail: invalidKeyMessage } });
    const reasons = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === 'authentication failed')
      .map((l) => l.reason);
    expect(reasons).toEqual(['malformed', 'unknown', 'revoked', 'expired']);
    // The secret is never logged.
    for (const key of [keys.unknown, keys.revoked, keys.expired])
      expect(lines.join('\n')).not.toContain(key.slice('fnc_xxxxxxxx_'.length));
  });

  it('rate-limits failed authentications with 429 and Retry-After', async () => {
    const limited = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 3, windowMs: 60_000 }),
    });
    const attempt = () =>
      limited.request('http://localhost/audit', { headers: bearer('fnc_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbb') });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a valid key from an address locked out by failures still works: failures are throttled, not keys', async () => {
    const limited = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 11, windowMs: 60_000 }),
    });
    const audit = (key: string) => limited.request('http://localhost/audit', { headers: bearer(key) });
    for (let i = 0; i < 11; i++) expect((await audit(keys.unknown)).status).toBe(401);
    expect((await audit(keys.unknown)).status).toBe(429);
    expect((await audit(keys.admin)).status).toBe(200);
    expect((await audit(keys.labeller)).status).toBe(200);
    // ...and the bad keys stay throttled.
    expect((await audit(keys.revoked)).status).toBe(429);
  });

  it('behind a trusted proxy, counts failures per forwarded client', async () => {
    const proxied = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      trustProxy: true,
      failureLimiter: new FailureLimiter({ maxFailures: 2, windowMs: 60_000 }),
    });
    const attempt = (client: string) =>
      proxied.request('http://localhost/audit', {
        headers: { ...bearer('fnc_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbb'), 'x-forwarded-for': client },
      });
    for (let i = 0; i < 2; i++) expect((await attempt('203.0.113.7')).status).toBe(401);
    expect((await attempt('203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect((await attempt('198.51.100.2')).status).toBe(401);
  });
});
