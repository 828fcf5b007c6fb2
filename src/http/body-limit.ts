// The size limit of request bodies parsed in memory (JSON): counted as the bytes arrive
// (hono/body-limit: a declared Content-Length is refused at once, a chunked body at the first
// chunk past the limit, never read further), answered 413 as a problem. It goes in each
// route's middleware after its guard, so that an unauthorised caller's body is never read.
// POST /imports streams its body to disk under its own, larger limit (importers/routes.ts).
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.js';
import { AppError } from './errors.js';

/** Default: a 100,000-vertex geometry (geometry/input.ts MAX_VERTICES) written with full
 * double precision takes about 4.2 MB; twice that leaves room for the other fields. */
export const defaultMaxBodyBytes = 8 * 1024 * 1024;

export const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const maxSize = c.var.maxBodyBytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('payload_too_large', `request bodies are limited to ${maxSize} bytes`, { maxBytes: maxSize });
    },
  })(c, next);
};
