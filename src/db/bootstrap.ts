// Start-up of a database for serving: open the backend, apply pending migrations, and on
// an empty embedded database load the demo data (first start on a fresh machine).
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { seedDemoData } from '../fixtures/demo.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase, type DatabaseHandle } from './open.js';

export async function isCatalogueEmpty(handle: DatabaseHandle): Promise<boolean> {
  const row = await handle.db
    .selectFrom('territories')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n === 0;
}

/** `applicationName`: the PostgreSQL sessions' (the change feed names writers by it). */
export async function bootstrapDatabase(
  config: Config,
  logger: Logger,
  options: { applicationName?: string } = {},
): Promise<DatabaseHandle> {
  const started = performance.now();
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    limits: config.databaseLimits,
    onConnectionError: (error) => logger.warn('database connection lost', { error: error.message }),
    applicationName: options.applicationName,
    readUrls: config.databaseReadUrls,
    onReplicaError: (error) => logger.warn('read replica failed, read on the primary', { error: error.message }),
  });
  logger.info('database open', {
    backend: handle.kind,
    ...(handle.kind === 'pglite' ? { dataDir: config.dataDir } : { readReplicas: config.databaseReadUrls.length }),
  });
  // Production PostgreSQL is migrated by `foncier migrate` as a deploy step; the embedded
  // database migrates itself so that `npm start` works on a fresh clone.
  if (handle.kind === 'pglite') {
    const applied = await migrateToLatest(handle.db);
    if (applied.length > 0) logger.info('migrations applied', { applied });
    if (config.demoData && (await isCatalogueEmpty(handle))) {
      const summary = await seedDemoData(handle.db);
      logger.info('demo data loaded (synthetic sites and plots)', { ...summary });
    }
  }
  logger.info('database ready', { ms: Math.round(performance.now() - started) });
  return handle;
}
