// Web sessions: the pages' sign-in. An API key stays the one credential; a person enters it once
// at /connexion and gets back a session cookie that names the key (its id and the session's
// expiry, signed with HMAC-SHA256) and holds no secret. `authenticate` (auth/middleware.ts) reads
// the cookie when no Bearer key is sent and checks the key again on every request, so a key
// revoked or expired ends its sessions at once. The cookie is HttpOnly, SameSite=Strict, Secure
// on https, Path=/, and lives 2 h at most, never past the key's expiry.
// Every unsafe request a session makes carries a synchronizer token (the `_csrf` field of a form,
// or an X-CSRF-Token header), an HMAC of the session itself, and passes hono's Origin check.
// Bearer-key calls carry no cookie and are not concerned.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Session } from '../app-env.js';
import { clientAddress, type FailureLimiter } from '../auth/failure-limiter.js';
import { authenticateKey, authenticateKeyId } from '../auth/keys.js';
import { requireRole, type Role, type Viewer } from '../auth/viewer.js';
import { AppError } from '../http/errors.js';
import { mediaTypes } from '../http/media.js';
import { problemEntry } from '../http/schemas.js';
import type { Logger } from '../logger.js';
import { SignInPage } from './sign-in-page.js';

export const sessionCookieName = 'foncier_session';
/** Short on purpose: the key is the long-lived credential; a forgotten browser stays open 2 h. */
export const sessionLifetimeMs = 2 * 60 * 60 * 1000;
/** The hidden form field (and the header, for scripts) that carries the synchronizer token. */
export const csrfFieldName = '_csrf';
export const csrfHeaderName = 'x-csrf-token';

/** A per-process secret for when FONCIER_SESSION_SECRET is unset: sessions then end at each
 * restart and do not span instances, which the warning says. */
export function ephemeralSessionSecret(logger: Logger): string {
  logger.warn('FONCIER_SESSION_SECRET is unset: web sessions use a random per-process secret', {
    consequence: 'sessions end when the process restarts and are not valid on other instances',
  });
  return randomBytes(32).toString('base64url');
}

const mac = (secret: string, purpose: string, payload: string) =>
  createHmac('sha256', secret).update(`${purpose}|${payload}`).digest('base64url');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `<key id>.<expiry ms>.<nonce>.<mac>`: the nonce makes each session's CSRF token its own. */
export function signSession(secret: string, keyId: string, expiresAt: Date): string {
  const payload = `${keyId}.${expiresAt.getTime()}.${randomBytes(12).toString('base64url')}`;
  return `${payload}.${mac(secret, 'session', payload)}`;
}

/** The session a cookie value names, if its signature holds and it has not expired at `now`. */
export function readSession(secret: string, value: string, now: Date): Session | null {
  const parts = value.split('.');
  if (parts.length !== 4) return null;
  const [keyId, expiry, nonce, signature] = parts as [string, string, string, string];
  const payload = `${keyId}.${expiry}.${nonce}`;
  if (!sameText(signature, mac(secret, 'session', payload))) return null;
  const expiresAt = new Date(Number(expiry));
  if (!/^\d+$/.test(expiry) || expiresAt.getTime() <= now.getTime()) return null;
  return { keyId, expiresAt, csrfToken: mac(secret, 'csrf', payload) };
}

/**
 * The viewer of a request that carries a session cookie and no Bearer key, or null (no cookie, a
 * bad signature, an expired session, a key revoked or expired since): the request is then
 * anonymous, and the stale cookie is dropped.
 */
export async function sessionViewer(c: Context<AppEnv>): Promise<{ viewer: Viewer; session: Session } | null> {
  const value = getCookie(c, sessionCookieName);
  if (!value) return null;
  const session = readSession(c.var.sessionSecret, value, c.var.clock.now());
  const check = session ? await authenticateKeyId(c.var.db, session.keyId) : null;
  if (!session || !check?.ok) {
    const reason = check && !check.ok ? check.reason : 'bad signature or expired';
    c.var.logger.info('session refused', { reason });
    deleteCookie(c, sessionCookieName, { path: '/' });
    return null;
  }
  return { viewer: check.viewer, session };
}

/** hono's csrf(): a form posted from another origin (Origin or Sec-Fetch-Site) is a 403 problem. */
async function checkOrigin(c: Context<AppEnv>): Promise<void> {
  try {
    await csrf()(c, async () => {});
  } catch (error) {
    if (!(error instanceof HTTPException)) throw error;
    throw new AppError('forbidden', 'a form may only be posted from this site’s own pages (Origin refused)', {
      origin: c.req.header('origin') ?? null,
    });
  }
}

const formMediaType = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

function refuseToken(presented: string | undefined): never {
  throw new AppError(
    'forbidden',
    `${presented === undefined ? 'missing' : 'wrong'} CSRF token: a signed-in request that changes something ` +
      `must send the page's ${csrfFieldName} field or an ${csrfHeaderName} header`,
    { invalidParams: [{ in: 'body', name: csrfFieldName, message: presented === undefined ? 'missing' : 'wrong' }] },
  );
}

/**
 * The first half of the CSRF check of an unsafe request made with a session, from its headers
 * only (authenticate, before any route): the Origin (hono's csrf(), which looks at form posts)
 * and the X-CSRF-Token header. A form that carries its token in its `_csrf` field is left for
 * `verifyFormCsrf`, which the route guards call once they have checked the caller's role: the
 * body of a request is not read before then (authorization first). Refused with 403 as a
 * problem; nothing happens for Bearer or anonymous requests, which send no cookie.
 */
export async function verifySessionHeaders(c: Context<AppEnv>, maxFormBytes: number): Promise<void> {
  const session = c.var.session;
  if (!session) return;
  await checkOrigin(c);
  const presented = c.req.header(csrfHeaderName);
  if (presented === undefined && formMediaType.test(c.req.header('content-type') ?? '')) {
    c.set('csrfFormLimit', maxFormBytes);
    return;
  }
  if (presented === undefined || !sameText(presented, session.csrfToken)) refuseToken(presented);
}

/**
 * The second half: the `_csrf` field of a signed-in form, read (and cached for the route's form
 * validator) under the form limit. Called by every guard after its role check, and by the
 * unguarded session routes (sign-out); nothing to do when the token came in the header.
 */
export async function verifyFormCsrf(c: Context<AppEnv>): Promise<void> {
  const maxFormBytes = c.var.csrfFormLimit;
  const session = c.var.session;
  if (maxFormBytes === undefined || !session) return;
  let presented: string | undefined;
  await bodyLimit({
    maxSize: maxFormBytes,
    onError: () => {
      throw new AppError('payload_too_large', `form bodies are limited to ${maxFormBytes} bytes`, {
        maxBytes: maxFormBytes,
      });
    },
  })(c, async () => {
    // formData(), not parseBody(): cached where the route's form validator reads it again.
    const field = (await c.req.formData()).get(csrfFieldName);
    presented = typeof field === 'string' ? field : undefined;
  });
  if (presented === undefined || !sameText(presented, session.csrfToken)) refuseToken(presented);
  c.set('csrfFormLimit', undefined);
}

/** The hidden input every form of a signed-in page carries. */
export function csrfField(c: Context<AppEnv>) {
  return { name: csrfFieldName, value: c.var.session?.csrfToken ?? '' };
}

/** Where to go after signing in: a path of this site only (never `//host` or a URL). */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/labellisation';
}

/**
 * The viewer of a page that needs signing in: a signed-out visitor is sent to /connexion and
 * back here afterwards (303); a key of another role gets 403. Returns the viewer otherwise.
 */
export function requirePageViewer(c: Context<AppEnv>, ...roles: Role[]): Viewer {
  const viewer = c.var.viewer;
  if (viewer.role === 'anonymous') {
    const here = new URL(c.req.url);
    const target = `/connexion?suivant=${encodeURIComponent(here.pathname + here.search)}`;
    throw new HTTPException(303, { res: c.redirect(target, 303) });
  }
  if (roles.length > 0) requireRole(viewer, ...roles);
  return viewer;
}

const signInForm = z.object({
  cle: z.string().max(200).openapi({ description: 'the API key, fnc_…' }),
  suivant: z.string().max(2000).optional().openapi({ description: 'the page to go back to' }),
});

const htmlPage = { [mediaTypes.html]: { schema: z.string().openapi({ description: 'a page' }) } };

export interface SessionRouteOptions {
  /** The authenticate middleware's limiter: a wrong key here counts as a failed authentication. */
  limiter: FailureLimiter;
  trustProxy: boolean;
}

/** GET/POST /connexion, POST /deconnexion. */
export function sessionRoutes(options: SessionRouteOptions) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connexion',
      tags: ['pages'],
      summary: 'Sign-in page of the workspace: the API key entered once, exchanged for a session cookie',
      request: { query: z.object({ suivant: z.string().max(2000).optional() }).strict() },
      responses: { 200: { description: 'The sign-in form', content: htmlPage }, 400: problemEntry('Bad query') },
    }),
    (c) =>
      c.html(
        SignInPage({ next: safeNext(c.req.valid('query').suivant), viewer: c.var.viewer, csrf: csrfField(c) }),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connexion',
      tags: ['pages'],
      summary: 'Sign in: checks the key as Bearer authentication does, then sets the session cookie',
      // Signing someone in from another site (login CSRF) is refused before the form is read.
      middleware: [
        async (c: Context<AppEnv>, next: () => Promise<void>) => {
          await checkOrigin(c);
          await next();
        },
      ] as const,
      request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: signInForm } } } },
      responses: {
        303: { description: 'Signed in: the cookie is set, back to the page asked for' },
        400: problemEntry('Form incomplete'),
        401: { description: 'Invalid or expired key: the form again, with the message', content: htmlPage },
        403: problemEntry('Posted from another origin'),
        429: problemEntry('Too many failed sign-ins from this client'),
      },
    }),
    async (c) => {
      const { cle, suivant } = c.req.valid('form');
      const next = safeNext(suivant);
      const client = clientAddress(c, options.trustProxy);
      const check = await authenticateKey(c.var.db, cle.trim());
      if (!check.ok) {
        options.limiter.refuseOrCount(client);
        c.var.logger.warn('sign-in failed', { reason: check.reason, client });
        return c.html(
          SignInPage({ next, error: 'Clé invalide ou expirée.', viewer: c.var.viewer, csrf: csrfField(c) }),
          401,
        );
      }
      const now = c.var.clock.now();
      const end = new Date(now.getTime() + sessionLifetimeMs);
      const expiresAt = check.expiresAt && check.expiresAt < end ? check.expiresAt : end;
      setCookie(c, sessionCookieName, signSession(c.var.sessionSecret, check.viewer.keyId!, expiresAt), {
        httpOnly: true,
        sameSite: 'Strict',
        secure: new URL(c.req.url).protocol === 'https:',
        path: '/',
        maxAge: Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
      });
      c.var.logger.info('signed in', { keyId: check.viewer.keyId, role: check.viewer.role });
      return c.redirect(next, 303);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/deconnexion',
      tags: ['pages'],
      summary: 'Sign out: the session cookie is dropped (a signed-in request: CSRF token required)',
      middleware: [
        async (c: Context<AppEnv>, next: () => Promise<void>) => {
          await verifyFormCsrf(c);
          await next();
        },
      ] as const,
      responses: {
        303: { description: 'Signed out, back to the sign-in page' },
        403: problemEntry('CSRF token missing or wrong, or posted from another origin'),
      },
    }),
    (c) => {
      deleteCookie(c, sessionCookieName, { path: '/', secure: new URL(c.req.url).protocol === 'https:' });
      return c.redirect('/connexion', 303);
    },
  );

  return app;
}
