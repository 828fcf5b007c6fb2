// Web sessions (web/session.ts): the API key entered once at /connexion for a signed cookie,
// checked again against the key on every request, and the CSRF token its unsafe requests carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { createApiKey } from '../../src/auth/keys.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
import { fixedClock } from '../../src/clock.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { testClock } from '../support/clock.js';
import { bearer, createKeys, fingerprint, squareIn, type Keys } from '../support/writes.js';

const IN = 'ti-8401';
const SECRET = 'a-test-secret-of-at-least-32-characters';
const ORIGIN = 'http://localhost';
let t: TestContext;
let app: App;
let keys: Keys;
let siteId: string;

const appAt = (clock = testClock, limiter = new FailureLimiter({ maxFailures: 1_000_000, windowMs: 60_000 })) =>
  createApp({ clock, db: t.handle.db, backend: t.handle.kind, failureLimiter: limiter, sessionSecret: SECRET });

beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, IN, 'ti-4407');
  siteId = (await squareIn(t.handle.db, IN)).siteId;
  app = appAt();
});
afterAll(async () => t?.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = (cookie?: string) => ({
  'content-type': 'application/x-www-form-urlencoded',
  origin: ORIGIN,
  ...(cookie ? { cookie } : {}),
});

async function signIn(key: string, on: App = app, url = `${ORIGIN}/connexion`) {
  return on.request(url, { method: 'POST', headers: formHeaders(), body: form({ cle: key, suivant: '/audit' }) });
}

/** The `name=value` of the session cookie a response sets. */
function sessionCookie(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  const match = /foncier_session=([^;]*)/.exec(set);
  expect(match, set).not.toBeNull();
  return `foncier_session=${match![1]}`;
}

async function csrfTokenOf(cookie: string): Promise<string> {
  const html = await (await app.request(`${ORIGIN}/connexion`, { headers: { cookie } })).text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

const label = (cookie: string, on: App = app) => on.request(`${ORIGIN}/sites/${siteId}/label`, { headers: { cookie } });

describe('sign-in', () => {
  it('GET /connexion is a French form with a password field and its label', async () => {
    const res = await app.request(`${ORIGIN}/connexion?suivant=/sites`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toMatch(/<label for="cle">Clé d’API<\/label>/);
    expect(html).toMatch(/<input id="cle" name="cle" type="password"/);
    expect(html).toContain('name="suivant" value="/sites"');
  });

  it('a valid key sets an HttpOnly, SameSite=Strict, Path=/ cookie of 2 h that holds no secret, and redirects', async () => {
    const res = await signIn(keys.labeller);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/audit');
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(set).toMatch(/Max-Age=7200/);
    expect(set).not.toMatch(/Secure/);
    // fnc_<8-character prefix>_<secret>: the secret is base64url and may itself hold '_'.
    const secret = /^fnc_[a-z0-9]{8}_(.+)$/.exec(keys.labeller)![1]!;
    expect(secret).toHaveLength(27);
    expect(set).not.toContain(secret);
    expect(set).not.toContain(keys.labeller);
    // The cookie stands for the key on a restricted read.
    expect((await label(sessionCookie(res))).status).toBe(200);
  });

  it('the cookie is Secure when the request is https', async () => {
    const res = await app.request('https://localhost/connexion', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://localhost' },
      body: form({ cle: keys.labeller }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('a session never outlives its key: a key expiring in 30 min gives a cookie of 30 min at most', async () => {
    // Expiry checked on real time by the key and on the app's clock by the session: one far in
    // the future for the key, so that only the session's own arithmetic is under test.
    const far = new Date(Date.now() + 30 * 60_000);
    const { key } = await createApiKey(t.handle.db, { name: 'short labeller', role: 'labeller', expiresAt: far });
    const res = await signIn(key, appAt(fixedClock(new Date(far.getTime() - 30 * 60_000).toISOString())));
    const maxAge = Number(/Max-Age=(\d+)/.exec(res.headers.get('set-cookie')!)![1]);
    expect(maxAge).toBeGreaterThan(29 * 60);
    expect(maxAge).toBeLessThanOrEqual(30 * 60);
  });

  it('a wrong key is 401 with the form again and no cookie', async () => {
    const res = await signIn('fnc_zzzzzzzz_bbbbbbbbbbbbbbbbbbbbbbbbbbb');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Clé invalide ou expirée.');
    expect((await signIn(keys.revoked)).status).toBe(401);
    expect((await signIn(keys.expired)).status).toBe(401);
  });

  it('wrong keys count in the failed-authentication limiter: the third is 429', async () => {
    const limited = appAt(testClock, new FailureLimiter({ maxFailures: 2, windowMs: 60_000 }));
    expect((await signIn('fnc_zzzzzzzz_bbbbbbbbbbbbbbbbbbbbbbbbbbb', limited)).status).toBe(401);
    expect((await signIn('fnc_zzzzzzzz_bbbbbbbbbbbbbbbbbbbbbbbbbbb', limited)).status).toBe(401);
    const third = await signIn('fnc_zzzzzzzz_bbbbbbbbbbbbbbbbbbbbbbbbbbb', limited);
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toBe('application/problem+json');
    // A valid key is never refused by the limiter.
    expect((await signIn(keys.labeller, limited)).status).toBe(303);
  });

  it('a sign-in form posted from another origin is 403', async () => {
    const res = await app.request(`${ORIGIN}/connexion`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: form({ cle: keys.labeller }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('suivant only leads to a path of this site', async () => {
    const res = await app.request(`${ORIGIN}/connexion`, {
      method: 'POST',
      headers: formHeaders(),
      body: form({ cle: keys.labeller, suivant: '//evil.example/x' }),
    });
    expect(res.headers.get('location')).toBe('/labellisation');
  });
});

describe('the session cookie', () => {
  it('tampered (another key id, another expiry, another signature) is anonymous: 401 on a restricted read', async () => {
    const cookie = sessionCookie(await signIn(keys.labeller));
    const [keyId, expiry, nonce, mac] = cookie.slice('foncier_session='.length).split('.') as [
      string,
      string,
      string,
      string,
    ];
    const adminId = (
      await t.handle.db.selectFrom('apiKeys').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()
    ).id;
    for (const forged of [
      `${adminId}.${expiry}.${nonce}.${mac}`,
      `${keyId}.${Number(expiry) + 3_600_000}.${nonce}.${mac}`,
      `${keyId}.${expiry}.${nonce}.${mac.slice(0, -2)}AA`,
      'garbage',
    ]) {
      const res = await label(`foncier_session=${forged}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('a cookie signed with another secret is refused', async () => {
    const other = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      sessionSecret: 'x'.repeat(40),
    });
    const cookie = sessionCookie(await signIn(keys.labeller, other));
    expect((await label(cookie)).status).toBe(401);
  });

  it('expires after 2 h on the app clock', async () => {
    const cookie = sessionCookie(await signIn(keys.labeller));
    const start = testClock.now().getTime();
    const at = (ms: number) => appAt(fixedClock(new Date(start + ms).toISOString()));
    expect((await label(cookie, at(2 * 3_600_000 - 1000))).status).toBe(200);
    expect((await label(cookie, at(2 * 3_600_000 + 1000))).status).toBe(401);
  });

  it('ends when its key is revoked', async () => {
    const { key, id } = await createApiKey(t.handle.db, { name: 'to revoke', role: 'labeller' });
    const cookie = sessionCookie(await signIn(key));
    expect((await label(cookie)).status).toBe(200);
    await t.handle.db.updateTable('apiKeys').set({ revokedAt: new Date() }).where('id', '=', id).execute();
    const res = await label(cookie);
    expect(res.status).toBe(401);
    // The stale cookie is dropped.
    expect(res.headers.get('set-cookie')).toMatch(/foncier_session=;.*Max-Age=0/);
  });

  it('a Bearer key still works beside it, and wins over a cookie', async () => {
    const cookie = sessionCookie(await signIn(keys.labeller));
    const res = await app.request(`${ORIGIN}/audit?limit=1`, { headers: { ...bearer(keys.editorIn), cookie } });
    expect(res.status).toBe(403);
    expect((await app.request(`${ORIGIN}/audit?limit=1`, { headers: bearer(keys.admin) })).status).toBe(200);
  });
});

describe('CSRF', () => {
  const move = (cookie: string, headers: Record<string, string> = {}) =>
    app.request(`${ORIGIN}/sites/${siteId}/label/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, ...headers },
      body: JSON.stringify({ to: 'draft' }),
    });

  it('a signed-in write without the token, or with a wrong one, is 403 and changes nothing', async () => {
    const cookie = sessionCookie(await signIn(keys.editorIn));
    const before = await fingerprint(t.handle.db);
    for (const res of [await move(cookie), await move(cookie, { 'x-csrf-token': 'wrong' })]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toMatch(/CSRF token/);
    }
    expect(await fingerprint(t.handle.db)).toBe(before);
  });

  it("another session's token is refused; the session's own is accepted", async () => {
    const cookie = sessionCookie(await signIn(keys.editorIn));
    const other = await csrfTokenOf(sessionCookie(await signIn(keys.editorIn)));
    expect((await move(cookie, { 'x-csrf-token': other })).status).toBe(403);
    const res = await move(cookie, { 'x-csrf-token': await csrfTokenOf(cookie) });
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it('a Bearer write needs no token', async () => {
    const { siteId: other } = await squareIn(t.handle.db, IN, 120, 1);
    const res = await app.request(`${ORIGIN}/sites/${other}/label/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys.admin) },
      body: JSON.stringify({ to: 'draft' }),
    });
    expect(res.status).toBe(200);
  });

  it('a signed-in form of a role the route refuses is a 403 for the role, its body not read', async () => {
    // Authorization first: the body is over the form limit and has no token, and neither is said.
    const cookie = sessionCookie(await signIn(keys.labeller));
    const res = await app.request(`${ORIGIN}/sites`, {
      method: 'POST',
      headers: formHeaders(cookie),
      body: form({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).detail).not.toMatch(/CSRF|limited/);
  });

  it('every unsafe operation of /openapi.json refuses a signed-in form without its token', async () => {
    // The form's token is checked by the route guards: an unsafe route without a guard (or
    // without its own check) would let a cross-site form through. Side-effect-free computations
    // and the sign-in form (its Origin is checked) are the exceptions, named here.
    const exceptions = new Set(['POST /connexion', 'POST /zan/simulate']);
    const cookie = sessionCookie(await signIn(keys.admin));
    const document = await (await app.request(`${ORIGIN}/openapi.json`)).json();
    const checked: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of ['post', 'put', 'patch', 'delete']) {
        if (!item[method]) continue;
        const name = `${method.toUpperCase()} ${path}`;
        if (exceptions.has(name)) continue;
        const url = path.replace(/\{[^}]+\}/g, siteId);
        const res = await app.request(`${ORIGIN}${url}`, {
          method: method.toUpperCase(),
          headers: formHeaders(cookie),
          body: form({ name: 'x' }),
        });
        expect(res.status, name).toBe(403);
        expect((await res.json()).detail, name).toMatch(/CSRF token/);
        checked.push(name);
      }
    }
    expect(checked.length).toBeGreaterThan(10);
  });

  it('sign-out: 403 without the token; with it, the cookie is dropped', async () => {
    const cookie = sessionCookie(await signIn(keys.labeller));
    const refused = await app.request(`${ORIGIN}/deconnexion`, {
      method: 'POST',
      headers: formHeaders(cookie),
      body: '',
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const token = await csrfTokenOf(cookie);
    const crossSite = await app.request(`${ORIGIN}/deconnexion`, {
      method: 'POST',
      headers: { ...formHeaders(cookie), origin: 'https://evil.example' },
      body: form({ _csrf: token }),
    });
    expect(crossSite.status).toBe(403);
    const res = await app.request(`${ORIGIN}/deconnexion`, {
      method: 'POST',
      headers: formHeaders(cookie),
      body: form({ _csrf: token }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/connexion');
    expect(res.headers.get('set-cookie')).toMatch(/foncier_session=;.*Max-Age=0/);
  });
});
