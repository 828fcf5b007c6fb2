// Cloudflare Workers entry: the same app, built per request from the Worker's bindings.
// Workers reach PostgreSQL through a Hyperdrive binding (or DATABASE_URL); the embedded
// database and migrations stay on Node (`foncier migrate` runs as a deploy step).
import { createApp } from './app.js';
import { openPostgres } from './db/open.js';
import { createLogger, type Logger } from './logger.js';
import { loadConfig } from './config.js';

export interface WorkerBindings {
  DATABASE_URL?: string;
  HYPERDRIVE?: { connectionString: string };
  LOG_LEVEL?: string;
}

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
    const config = loadConfig({ DATABASE_URL: env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL, LOG_LEVEL: env.LOG_LEVEL });
    if (!config.databaseUrl) return new Response('DATABASE_URL or a HYPERDRIVE binding is required', { status: 500 });
    const logger: Logger = createLogger(config.logLevel, (line) => console.log(line));
    // Connections may not outlive a request on Workers: one small pool per request.
    const handle = openPostgres(config.databaseUrl, 1);
    const app = createApp({ db: handle.db, backend: 'postgres', logger });
    try {
      return await app.fetch(request);
    } finally {
      ctx.waitUntil(handle.close());
    }
  },
};
