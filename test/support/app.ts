// Per-file test harness: a private copy of the seeded database and the app over it.
import { testClock } from './clock.js';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
import { SqlFileMigrationProvider } from '../../src/db/migrate.js';
import type { DatabaseHandle } from '../../src/db/open.js';
import { openCopy, type CopyOptions } from './template.js';

export interface TestContext {
  /** `url`: the copy's connection string on PostgreSQL. */
  handle: DatabaseHandle & { url?: string };
  app: App;
  /** `app.request` with an absolute URL so that generated links are complete. */
  get(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** `database`: the PostgreSQL pool's size and limits (ignored by the embedded database). */
export async function openTestApp(database: CopyOptions = {}): Promise<TestContext> {
  const handle = await openCopy(inject('templateLocation'), database);
  // Many tests fail authentication on purpose from the same 'client'; the limiter itself
  // is tested on its own app.
  const failureLimiter = new FailureLimiter({ maxFailures: 1_000_000, windowMs: 60_000 });
  const app = createApp({
    clock: testClock,
    db: handle.db,
    backend: handle.kind,
    migrations: new SqlFileMigrationProvider(),
    failureLimiter,
  });
  return {
    handle,
    app,
    get: async (path, init) => app.request(`http://localhost${path}`, init),
    close: () => handle.close(),
  };
}

export const backendName = () => (process.env.DATABASE_URL ? 'postgres' : 'pglite');

/** The first live site by CNIG id: the same site on every copy of the template. */
export const firstLiveSite = (t: TestContext) =>
  t.handle.db
    .selectFrom('sites')
    .select(['id', 'name'])
    .where('deletedAt', 'is', null)
    .orderBy('cnigId')
    .executeTakeFirstOrThrow();
