// Authentication middleware: `Authorization: Bearer <key>` → c.var.viewer. No header: the web
// session cookie if there is a valid one (its unsafe requests must pass the CSRF check: headers
// here, a form's token field in the route guard once the role is checked), else
// anonymous; a header with a bad key is a 401 (never silently anonymous), one message
// whatever the reason (the reason goes to the log). Failed attempts are rate-limited per
// client address: after `maxFailures` within `windowMs`, a further bad key is a 429. A valid
// key is never refused by the limiter: behind a proxy without FONCIER_TRUST_PROXY every client
// shares one address, and one client's failures must not lock the others out.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { AppError } from '../http/errors.js';
import { authenticateKey } from './keys.js';
import { anonymousViewer } from './viewer.js';
import { clientAddress, type FailureLimiter } from './failure-limiter.js';
import { sessionViewer, verifySessionHeaders } from '../web/session.js';

export { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';

/** The one answer to a bad key: telling malformed, unknown, revoked and expired apart would
 * tell a caller holding a leaked key whether it was ever valid. */
export const invalidKeyMessage = 'invalid or expired API key';

export interface AuthenticateOptions {
  /** Behind a reverse proxy that sets X-Forwarded-For: count failures per the client it names. */
  trustProxy?: boolean;
  /** Largest form body read to find a session's CSRF token (default: the JSON body limit). */
  maxFormBytes?: number;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(limiter: FailureLimiter, options: AuthenticateOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      // A page's session cookie (web/session.ts), checked again against its key; none is anonymous.
      const signedIn = await sessionViewer(c);
      c.set('viewer', signedIn?.viewer ?? anonymousViewer);
      c.set('session', signedIn?.session ?? null);
      if (signedIn && !safeMethods.has(c.req.method))
        await verifySessionHeaders(c, options.maxFormBytes ?? c.var.maxBodyBytes);
      return next();
    }
    const client = clientAddress(c, options.trustProxy ?? false);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const check = match ? await authenticateKey(c.var.db, match[1]!) : ({ ok: false, reason: 'malformed' } as const);
    if (!check.ok) {
      limiter.refuseOrCount(client);
      // The prefix names the key in listings without revealing it; a malformed key has none.
      const prefix = match ? /^fnc_([a-z0-9]{8})_/.exec(match[1]!)?.[1] : undefined;
      c.var.logger.warn('authentication failed', {
        reason: check.reason,
        ...(prefix ? { keyPrefix: prefix } : {}),
        client,
        method: c.req.method,
        path: c.req.path,
      });
      throw new AppError('unauthorized', invalidKeyMessage);
    }
    c.set('viewer', check.viewer);
    return next();
  };
}
