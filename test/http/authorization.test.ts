// The authorization matrix: every write endpoint × every kind of caller, and nothing
// changes when a write is refused.
import { testClock } from '../support/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/auth/middleware.js';
import { createApp } from '../../src/app.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys, fingerprint, squareIn, type Keys } from '../support/writes.js';

const IN = 'ti-8401';
const OUT = 'ti-4407';
let t: TestContext;
let keys: Keys;

beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, IN, OUT);
});
afterAll(async () => t?.close());

type Caller = 'anonymous' | 'editorIn' | 'editorOut' | 'labeller' | 'admin' | 'revoked' | 'expired';
const callers: Caller[] = ['anonymous', 'editorIn', 'editorOut', 'labeller', 'admin', 'revoked', 'expired'];
const keyOf = (caller: Caller) => (caller === 'anonymous' ? undefined : keys[caller]);

async function newSiteBody() {
  const { geometry, communeInsee } = await squareIn(t.handle.db, IN, 150);
  return { name: 'Parc test', siteType: "zone d'activité économique", mainVocation: 'industrielle', state: 'en projet', usableAreaHa: 2, communeInsee, ownerType: 'epci', geometry };
}

async function plotBody(siteId: string) {
  const { geometry } = await squareIn(t.handle.db, IN, 60);
  return { siteId, landControl: 'commune', developmentStage: 'viabilisé et aménagé', marketingStage: 'en vente', occupation: 'inoccupé', landUse: 'espace agricole', geometry };
}

/** A live site of the territory, created by admin so every case starts from a known state. */
async function freshSite(): Promise<string> {
  const res = await t.get('/sites', { method: 'POST', headers: { ...bearer(keys.admin), 'content-type': 'application/json' }, body: JSON.stringify(await newSiteBody()) });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function freshPlot(): Promise<string> {
  const siteId = await freshSite();
  const res = await t.get('/plots', { method: 'POST', headers: { ...bearer(keys.admin), 'content-type': 'application/json' }, body: JSON.stringify(await plotBody(siteId)) });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

const etagOf = async (path: string) => (await t.get(path)).headers.get('etag')!;

interface Case {
  name: string;
  prepare(): Promise<{ method: string; path: string; body?: unknown; raw?: { body: string; type: string }; ifMatch?: boolean }>;
  ok: number;
  /** Who may: the others get 401 (no/bad key) or 403. */
  allowed: Caller[];
  /** Callers whose refusal is not about identity (e.g. 409: not in this state). */
  overrides?: Partial<Record<Caller, number>>;
}

const cases: Case[] = [
  { name: 'POST /sites', prepare: async () => ({ method: 'POST', path: '/sites', body: await newSiteBody() }), ok: 201, allowed: ['editorIn', 'admin'] },
  { name: 'PATCH /sites/{id}', prepare: async () => ({ method: 'PATCH', path: `/sites/${await freshSite()}`, body: { powerMw: 42 }, ifMatch: true }), ok: 200, allowed: ['editorIn', 'admin'] },
  { name: 'DELETE /sites/{id}', prepare: async () => ({ method: 'DELETE', path: `/sites/${await freshSite()}`, ifMatch: true }), ok: 204, allowed: ['editorIn', 'admin'] },
  { name: 'POST /plots', prepare: async () => ({ method: 'POST', path: '/plots', body: await plotBody(await freshSite()) }), ok: 201, allowed: ['editorIn', 'admin'] },
  { name: 'PATCH /plots/{id}', prepare: async () => ({ method: 'PATCH', path: `/plots/${await freshPlot()}`, body: { priceEurM2: 31.5 }, ifMatch: true }), ok: 200, allowed: ['editorIn', 'admin'] },
  { name: 'DELETE /plots/{id}', prepare: async () => ({ method: 'DELETE', path: `/plots/${await freshPlot()}`, ifMatch: true }), ok: 204, allowed: ['editorIn', 'admin'] },
  { name: 'POST /sites/{id}/label/transitions (propose)', prepare: async () => ({ method: 'POST', path: `/sites/${await freshSite()}/label/transitions`, body: { to: 'draft' } }), ok: 200, allowed: ['editorIn', 'admin'] },
  {
    name: 'PUT /sites/{id}/label/criteria/{criterion}',
    prepare: async () => {
      const id = await freshSite();
      await t.get(`/sites/${id}/label/transitions`, { method: 'POST', headers: { ...bearer(keys.admin), 'content-type': 'application/json' }, body: JSON.stringify({ to: 'draft' }) });
      return { method: 'PUT', path: `/sites/${id}/label/criteria/land_control`, body: { status: 'met', evidence: [{ title: 'Acte de vente', date: '2025-03-01', author: 'Notaire' }] } };
    },
    ok: 200,
    allowed: ['editorIn', 'admin'],
    // Labellers assess while they review; a draft is the territory team's.
    overrides: { labeller: 409 },
  },
  {
    name: 'POST /imports',
    prepare: async () => ({ method: 'POST', path: '/imports?kind=site-eco', raw: { body: await (await t.get('/exports/cnig/site-eco.csv')).text(), type: 'text/csv' } }),
    ok: 200,
    allowed: ['admin'],
  },
];

describe('authorization matrix', () => {
  for (const c of cases) {
    for (const caller of callers) {
      const expected = c.overrides?.[caller] ?? (c.allowed.includes(caller) ? c.ok : caller === 'anonymous' || caller === 'revoked' || caller === 'expired' ? 401 : 403);
      it(`${c.name} by ${caller} → ${expected}${expected >= 400 ? ', nothing changes' : ''}`, async () => {
        const request = await c.prepare();
        const headers: Record<string, string> = { ...bearer(keyOf(caller)) };
        if (request.body !== undefined) headers['content-type'] = 'application/json';
        if (request.raw) headers['content-type'] = request.raw.type;
        if (request.ifMatch) headers['if-match'] = await etagOf(request.path);
        const before = await fingerprint(t.handle.db);
        const body = request.raw ? request.raw.body : request.body === undefined ? undefined : JSON.stringify(request.body);
        const res = await t.get(request.path, { method: request.method, headers, body });
        expect(res.status).toBe(expected);
        if (expected >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(await fingerprint(t.handle.db)).toBe(before);
        }
      });
    }
  }
});

describe('API keys', () => {
  it('a malformed Authorization header is a 401, never anonymous access', async () => {
    const res = await t.get('/audit', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('the audit log is readable by admins and labellers only', async () => {
    expect((await t.get('/audit')).status).toBe(401);
    expect((await t.get('/audit', { headers: bearer(keys.editorIn) })).status).toBe(403);
    expect((await t.get('/audit', { headers: bearer(keys.labeller) })).status).toBe(200);
    expect((await t.get('/audit', { headers: bearer(keys.admin) })).status).toBe(200);
  });

  it('rate-limits failed authentications with 429 and Retry-After', async () => {
    const app = createApp({ clock: testClock, db: t.handle.db, backend: t.handle.kind, failureLimiter: new FailureLimiter({ maxFailures: 3, windowMs: 60_000 }) });
    const attempt = () => app.request('http://localhost/audit', { headers: bearer('fnc_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbb') });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('behind a trusted proxy, counts failures per forwarded client', async () => {
    const app = createApp({ clock: testClock, db: t.handle.db, backend: t.handle.kind, trustProxy: true, failureLimiter: new FailureLimiter({ maxFailures: 2, windowMs: 60_000 }) });
    const attempt = (client: string) => app.request('http://localhost/audit', { headers: { ...bearer('fnc_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbb'), 'x-forwarded-for': client } });
    for (let i = 0; i < 2; i++) expect((await attempt('203.0.113.7')).status).toBe(401);
    expect((await attempt('203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect((await attempt('198.51.100.2')).status).toBe(401);
  });
});

