// Node entry: parse the configuration, open the database, serve the app.
import { randomUUID } from 'node:crypto';
import { createApp } from './app.js';
import { startChangeRelay } from './change-relay.js';
import { ChangeFeed } from './changes.js';
import { fixedClock, systemClock } from './clock.js';
import { loadConfig } from './config.js';
import { bootstrapDatabase } from './db/bootstrap.js';
import { SqlFileMigrationProvider } from './db/migrate.js';
import { machineCpuLoad, shedAbove } from './http/cpu-load.js';
import { createNodeServer, listen } from './http/node-server.js';
import { recoverInterruptedImports } from './importers/recovery.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Named so that this server skips its own writes on the shared change feed (sql/015).
  const instance = `foncier-${randomUUID().slice(0, 8)}`;
  const handle = await bootstrapDatabase(config, logger, { applicationName: instance });
  const changes = new ChangeFeed();
  // Other instances' writes (and CLI imports) on PostgreSQL reach this process's tile cache.
  const relay = config.databaseUrl
    ? await startChangeRelay({ connectionString: config.databaseUrl, feed: changes, instance, logger })
    : undefined;
  // Before serving: runs a killed import left 'running' become failed, its spool goes.
  await recoverInterruptedImports(handle.db, { spoolDir: config.spoolDir, logger });
  const app = createApp({
    db: handle.db,
    backend: handle.kind,
    changes,
    replayPosition: handle.replayPosition,
    migrations: new SqlFileMigrationProvider(),
    logger,
    turnkeyTarget: config.turnkeyTarget,
    trustProxy: config.trustProxy,
    spoolDir: config.spoolDir,
    maxBodyBytes: config.maxBodyBytes,
    clock: config.today ? fixedClock(config.today) : systemClock,
    cors: config.cors,
    basemapStyleUrl: config.basemapStyleUrl,
    sessionSecret: config.sessionSecret,
    maxUploadBytes: config.maxUploadBytes,
    shedTileGzip: shedAbove(machineCpuLoad(), config.tileGzipMaxCpu),
  });
  const server = createNodeServer(app.fetch, logger);
  const info = await listen(server, config.port, config.host);
  logger.info('listening', { url: `http://localhost:${info.port}`, docs: `http://localhost:${info.port}/docs` });
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    server.close(() => void Promise.all([relay?.close(), handle.close()]).then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `foncier: ${error.message}` : error);
  process.exit(1);
});
