// Cross-origin access (Fetch standard, CORS): reads are open to the configured origins (any by
// default, so a MapLibre page or a notebook elsewhere can load styles, TileJSON, tiles and OGC
// features), writes only to the configured write origins (none by default), preflights are
// answered here before authentication. The headers go on every response, errors and 304s
// included, and `Vary: Origin` is added whenever the answer depends on the Origin, so a cache
// in front never hands one origin's headers to another next to the same ETag.
import type { MiddlewareHandler } from 'hono';
import { AppError, problemResponse } from './errors.js';

export interface CorsPolicy {
  /** Origins that may read (GET, HEAD); `'*'` for any. */
  readOrigins: '*' | string[];
  /** Origins that may write (POST, PUT, PATCH, DELETE) besides the API's own. */
  writeOrigins: string[];
}

export const defaultCorsPolicy: CorsPolicy = { readOrigins: '*', writeOrigins: [] };

const readMethods = ['GET', 'HEAD'];
const writeMethods = ['POST', 'PUT', 'PATCH', 'DELETE'];
// Request headers a client of this API sends: keys, conditional requests, bodies, negotiation.
const allowedHeaders = ['authorization', 'content-type', 'accept', 'if-match', 'if-none-match', 'accept-language'];
// Response headers a script may read beyond the CORS-safelisted ones.
const exposedHeaders = ['etag', 'location', 'link', 'content-disposition', 'retry-after', 'x-tile-cache'];
/** Preflight lifetime in seconds (Chromium caps it at 7200). */
const preflightMaxAge = 7200;

/** Append tokens to a Vary value without repeating any. */
export function appendVary(current: string | null, ...tokens: string[]): string {
  if (current?.trim() === '*') return '*';
  const present = (current ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const lower = new Set(present.map((t) => t.toLowerCase()));
  for (const token of tokens) if (!lower.has(token.toLowerCase())) present.push(token);
  return present.join(', ');
}

export function cors(policy: CorsPolicy = defaultCorsPolicy): MiddlewareHandler {
  const readsFromAnywhere = policy.readOrigins === '*';
  const readOrigins = new Set(policy.readOrigins === '*' ? [] : policy.readOrigins);
  const writeOrigins = new Set(policy.writeOrigins);
  const decorate = corsHeaders(policy);

  return async (c, next) => {
    const origin = c.req.header('origin');
    const ownOrigin = new URL(c.req.url).origin;
    const method = c.req.method;
    const requested = method === 'OPTIONS' ? c.req.header('access-control-request-method')?.toUpperCase() : undefined;

    if (origin !== undefined && requested !== undefined) {
      const isWrite = writeMethods.includes(requested);
      const allowed = isWrite
        ? writeOrigins.has(origin) || origin === ownOrigin
        : readMethods.includes(requested) && (readsFromAnywhere || readOrigins.has(origin));
      const vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
      if (!allowed) {
        const refused = isWrite
          ? `writes are not accepted from ${origin}`
          : readMethods.includes(requested)
            ? `reads are not open to ${origin}`
            : `method ${requested} is not served`;
        const res = problemResponse(c, new AppError('forbidden', `cross-origin request refused: ${refused}`));
        res.headers.set('vary', vary);
        return res;
      }
      const asked = (c.req.header('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const unknown = asked.filter((h) => !allowedHeaders.includes(h));
      if (unknown.length > 0) {
        const res = problemResponse(
          c,
          new AppError('forbidden', `cross-origin request refused: header ${unknown.join(', ')} is not accepted`),
        );
        res.headers.set('vary', vary);
        return res;
      }
      return c.body(null, 204, {
        'access-control-allow-origin': isWrite || !readsFromAnywhere ? origin : '*',
        'access-control-allow-methods': (isWrite ? [...readMethods, ...writeMethods] : readMethods).join(', '),
        'access-control-allow-headers': allowedHeaders.join(', '),
        'access-control-max-age': String(preflightMaxAge),
        vary,
      });
    }

    // A write from a page of another origin that is not trusted for writes: refused before it
    // runs (a simple cross-origin POST needs no preflight, so the browser would send it).
    if (origin !== undefined && writeMethods.includes(method) && origin !== ownOrigin && !writeOrigins.has(origin)) {
      throw new AppError('forbidden', `cross-origin request refused: writes are not accepted from ${origin}`);
    }

    await next();
    decorate(c.res.headers, method, origin, ownOrigin);
  };
}

/** What corsHeaders writes into: a response's Headers, or a plain record behind the same three calls. */
export type HeaderTarget = Pick<Headers, 'get' | 'has' | 'set'>;

/**
 * The cross-origin headers of an answer (not a preflight) under `policy`, set on `headers`:
 * what cors() adds after the handler, for an answer given before it (src/tiles/fast-path.ts).
 */
export function corsHeaders(
  policy: CorsPolicy = defaultCorsPolicy,
): (headers: HeaderTarget, method: string, origin: string | undefined, ownOrigin: string) => void {
  const readsFromAnywhere = policy.readOrigins === '*';
  const readOrigins = new Set(policy.readOrigins === '*' ? [] : policy.readOrigins);
  const exposed = exposedHeaders.join(', ');
  return (headers, method, origin, ownOrigin) => {
    if (writeMethods.includes(method)) {
      headers.set('vary', appendVary(headers.get('vary'), 'Origin'));
      if (origin !== undefined && origin !== ownOrigin) headers.set('access-control-allow-origin', origin);
    } else if (readsFromAnywhere) {
      headers.set('access-control-allow-origin', '*');
    } else {
      headers.set('vary', appendVary(headers.get('vary'), 'Origin'));
      if (origin !== undefined && readOrigins.has(origin)) headers.set('access-control-allow-origin', origin);
    }
    if (headers.has('access-control-allow-origin')) headers.set('access-control-expose-headers', exposed);
  };
}
