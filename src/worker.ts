// Cloudflare Workers entry: the same app, built per request from the Worker's bindings.
// Workers reach PostgreSQL through a Hyperdrive binding (or DATABASE_URL); the embedded
// database and migrations stay on Node (`foncier migrate` runs as a deploy step).
import { createApp } from './app.js';
import { FailureLimiter } from './auth/middleware.js';
import { openPostgres } from './db/open.js';
import { createLogger, type Logger } from './logger.js';
import { loadConfig } from './config.js';

export interface WorkerBindings {
  DATABASE_URL?: string;
  HYPERDRIVE?: { connectionString: string };
  LOG_LEVEL?: string;
}

// Module scope lives as long as the isolate: failed authentications are counted across
// requests (per isolate; a fleet-wide limit would need a Durable Object).
const failureLimiter = new FailureLimiter();

/**
 * Closes the pool once a streamed body (exports, search downloads) is fully sent or
 * abandoned, not when the handler returns; `done` settles then, for ctx.waitUntil.
 */
function closeAfterBody(response: Response, close: () => Promise<void>): { response: Response; done: Promise<void> } {
  if (!response.body) return { response, done: close() };
  const relay = new TransformStream<Uint8Array, Uint8Array>();
  const done = response.body.pipeTo(relay.writable).then(close, close);
  return { response: new Response(relay.readable, response), done };
}

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
    const config = loadConfig({ DATABASE_URL: env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL, LOG_LEVEL: env.LOG_LEVEL });
    if (!config.databaseUrl) return new Response('DATABASE_URL or a HYPERDRIVE binding is required', { status: 500 });
    const logger: Logger = createLogger(config.logLevel, (line) => console.log(line));
    // Connections may not outlive a request on Workers: one small pool per request.
    const handle = openPostgres(config.databaseUrl, 1);
    const app = createApp({ db: handle.db, backend: 'postgres', logger, failureLimiter });
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= handle.close());
    try {
      const { response, done } = closeAfterBody(await app.fetch(request), close);
      ctx.waitUntil(done);
      return response;
    } catch (error) {
      await close();
      throw error;
    }
  },
};
