// Cloudflare Workers entry: the same app, built per request from the Worker's bindings.
// Workers reach PostgreSQL through a Hyperdrive binding (or DATABASE_URL); the embedded
// database and migrations stay on Node (`foncier migrate` runs as a deploy step).
import { createApp } from './app.js';
import { fixedClock, systemClock } from './clock.js';
import { FailureLimiter } from './auth/middleware.js';
import { ephemeralSessionSecret } from './web/session.js';
import { openPostgres } from './db/open.js';
import { AppError, problemDocument, problemMediaType } from './http/errors.js';
import { createLogger, type Logger } from './logger.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { manifestPath, useBuiltAssets, type BuiltAssets } from './web/assets.js';

export interface WorkerBindings {
  DATABASE_URL?: string;
  HYPERDRIVE?: { connectionString: string };
  LOG_LEVEL?: string;
  FONCIER_TURNKEY_TARGET?: string;
  FONCIER_TODAY?: string;
  FONCIER_MAX_BODY_BYTES?: string;
  FONCIER_CORS_READ_ORIGINS?: string;
  FONCIER_CORS_WRITE_ORIGINS?: string;
  FONCIER_BASEMAP_STYLE_URL?: string;
  /** The static files of src/web/build.ts (wrangler.toml `[assets]`). */
  ASSETS?: { fetch(input: string): Promise<Response> };
  /** A Worker secret (wrangler secret put): without it, sessions last as long as the isolate. */
  FONCIER_SESSION_SECRET?: string;
  FONCIER_MAX_UPLOAD_BYTES?: string;
}

// Module scope lives as long as the isolate: failed authentications are counted across
// requests (per isolate; a fleet-wide limit would need a Durable Object).
const failureLimiter = new FailureLimiter();
// The isolate's own session secret when none is bound, made (and warned about) once, not per request.
let isolateSessionSecret: string | undefined;
function isolateSecret(logger: Logger): string {
  if (!isolateSessionSecret) isolateSessionSecret = ephemeralSessionSecret(logger);
  return isolateSessionSecret;
}

// POST /imports writes its body to /tmp, which on Workers is memory counted against the
// isolate's 128 MB (shared by concurrent requests); a 20 MB import grew local workerd by
// about 65 MB. Larger files go through the CLI.
const maxImportBytes = 16 * 1024 * 1024;

// The pages link the files the build wrote: their manifest is read once per isolate.
let builtAssets: Promise<void> | undefined;
async function linkBuiltAssets(assets: NonNullable<WorkerBindings['ASSETS']>): Promise<void> {
  const response = await assets.fetch(`https://assets.invalid${manifestPath}`);
  if (!response.ok) throw new Error(`no ${manifestPath} among the static assets (run src/web/build.ts)`);
  useBuiltAssets((await response.json()) as BuiltAssets);
}

/** A misconfigured Worker answers every request with this, before any app exists. */
function configurationProblem(request: Request, detail: string): Response {
  const body = problemDocument(new AppError('internal_error', detail), new URL(request.url).pathname);
  return new Response(JSON.stringify(body), { status: 500, headers: { 'content-type': problemMediaType } });
}

/**
 * The request as the app expects it from a client, from what Cloudflare tells the Worker:
 * - Accept-Encoding: every Worker gets `br, gzip`; the client's own is in
 *   `request.cf.clientAcceptEncoding` ('' when it sent none), so the app negotiates gzip
 *   (compress(), tile ETags per encoding) as it does on Node;
 * - the client address: a Worker has no socket, so without it every client would share one
 *   failed-authentication counter (and one client could lock every key holder out).
 *   Cloudflare sets CF-Connecting-IP, which clients cannot forge; it becomes the only
 *   X-Forwarded-For hop, read with trustProxy.
 */
function clientRequest(request: Request): Request {
  const headers = new Headers(request.headers);
  const sent = (request as Request & { cf?: { clientAcceptEncoding?: string } }).cf?.clientAcceptEncoding;
  if (typeof sent === 'string') {
    if (sent) headers.set('accept-encoding', sent);
    else headers.delete('accept-encoding');
  }
  const address = request.headers.get('cf-connecting-ip');
  if (address) headers.set('x-forwarded-for', address);
  else headers.delete('x-forwarded-for');
  return new Request(request, { headers });
}

/**
 * Closes the pool once a streamed body (exports, search downloads) is fully sent or
 * abandoned, not when the handler returns; `done` settles then, for ctx.waitUntil.
 * A body the app already encoded (Content-Encoding: gzip) is sent as is: by default the
 * runtime would gzip it a second time under the same header (`encodeBody: 'manual'`).
 */
function closeAfterBody(response: Response, close: () => Promise<void>): { response: Response; done: Promise<void> } {
  if (!response.body) return { response, done: close() };
  const relay = new TransformStream<Uint8Array, Uint8Array>();
  const done = response.body.pipeTo(relay.writable).then(close, close);
  const init: ResponseInit & { encodeBody?: 'automatic' | 'manual' } = {
    status: response.status,
    headers: response.headers,
  };
  if (response.headers.has('content-encoding')) init.encodeBody = 'manual';
  return { response: new Response(relay.readable, init), done };
}

export default {
  async fetch(
    request: Request,
    env: WorkerBindings,
    ctx: { waitUntil(promise: Promise<unknown>): void },
  ): Promise<Response> {
    let config: Config;
    try {
      config = loadConfig({
        DATABASE_URL: env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL,
        LOG_LEVEL: env.LOG_LEVEL,
        FONCIER_TURNKEY_TARGET: env.FONCIER_TURNKEY_TARGET,
        FONCIER_TODAY: env.FONCIER_TODAY,
        FONCIER_MAX_BODY_BYTES: env.FONCIER_MAX_BODY_BYTES,
        FONCIER_CORS_READ_ORIGINS: env.FONCIER_CORS_READ_ORIGINS,
        FONCIER_CORS_WRITE_ORIGINS: env.FONCIER_CORS_WRITE_ORIGINS,
        FONCIER_BASEMAP_STYLE_URL: env.FONCIER_BASEMAP_STYLE_URL,
        FONCIER_SESSION_SECRET: env.FONCIER_SESSION_SECRET,
        FONCIER_MAX_UPLOAD_BYTES: env.FONCIER_MAX_UPLOAD_BYTES,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(error.message);
      return configurationProblem(request, "the Worker's configuration is invalid; the error has been logged");
    }
    if (!config.databaseUrl)
      return configurationProblem(request, 'the Worker has no database: bind HYPERDRIVE or set DATABASE_URL');
    const logger: Logger = createLogger(config.logLevel, (line) => console.log(line));
    if (env.ASSETS) {
      builtAssets ??= linkBuiltAssets(env.ASSETS).catch((error: Error) => {
        // Pages then link assets that answer 404 and draw no map; the next request tries again.
        logger.error('static assets', { error: error.message });
        builtAssets = undefined;
      });
      await builtAssets;
    }
    // Connections may not outlive a request on Workers: one small pool per request.
    // Hyperdrive pools in transaction mode, so jit=off is the database's setting there.
    const handle = openPostgres(config.databaseUrl, 1, { startupJitOff: !env.HYPERDRIVE });
    const app = createApp({
      db: handle.db,
      backend: 'postgres',
      logger,
      failureLimiter,
      trustProxy: true,
      maxImportBytes,
      turnkeyTarget: config.turnkeyTarget,
      maxBodyBytes: config.maxBodyBytes,
      clock: config.today ? fixedClock(config.today) : systemClock,
      cors: config.cors,
      basemapStyleUrl: config.basemapStyleUrl,
      sessionSecret: config.sessionSecret ?? isolateSecret(logger),
      maxUploadBytes: config.maxUploadBytes,
    });
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= handle.close());
    try {
      const { response, done } = closeAfterBody(await app.fetch(clientRequest(request)), close);
      ctx.waitUntil(done);
      return response;
    } catch (error) {
      await close();
      throw error;
    }
  },
};
