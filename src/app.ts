// The app factory: every entry point (Node, Workers, tests) builds the same app from deps.
import { OpenAPIHono } from '@hono/zod-openapi';
import { compress } from 'hono/compress';
import type { AppDeps, AppEnv } from './app-env.js';
import { AppError, problemResponse, renderError } from './http/errors.js';
import { defaultHook } from './http/validation.js';
import { defaultMaxBodyBytes } from './http/body-limit.js';
import { cors, defaultCorsPolicy } from './http/cors.js';
import { openApiRoutes } from './http/openapi.js';
import { healthRoutes } from './health/routes.js';
import { ogcRoutes } from './ogc/routes.js';
import { assetRoutes } from './web/assets.js';
import { investorRoutes } from './web/investor/routes.js';
import { placeRoutes } from './territories/places.js';
import { exportRoutes, territoryDownloadRoutes } from './exports/routes.js';
import { importRoutes } from './importers/routes.js';
import { plotRoutes } from './plots/routes.js';
import { authenticate, FailureLimiter } from './auth/middleware.js';
import { anonymousViewer } from './auth/viewer.js';
import { ChangeFeed } from './changes.js';
import { replayPositions } from './db/replicas.js';
import { auditRoutes } from './audit/routes.js';
import { defaultMaxUploadBytes } from './labelling/evidence.js';
import { labellingRoutes } from './labelling/routes.js';
import { qualityRoutes } from './quality/routes.js';
import { territoryPageRoutes } from './web/territory/routes.js';
import { programmeRoutes } from './programme/routes.js';
import { siteRoutes } from './sites/routes.js';
import { territoryRoutes } from './territories/routes.js';
import { tileInvalidations } from './tiles/layers.js';
import { cachedTileHits } from './tiles/fast-path.js';
import { territoryTileRoutes, tileRoutes } from './tiles/routes.js';
import { TileCache } from '../tiles/cache.js';
import { zanRoutes } from './zan/routes.js';
import { territoryListRoutes } from './web/territory/list.js';
import { silentLogger } from './logger.js';
import { systemClock } from './clock.js';
import { ephemeralSessionSecret, sessionRoutes } from './web/session.js';
import { labellingPages } from './web/labelling/routes.js';

export type { AppDeps, AppEnv } from './app-env.js';

const never = () => false;

export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? silentLogger;
  const changes = deps.changes ?? new ChangeFeed();
  const clock = deps.clock ?? systemClock;
  const sessionSecret = deps.sessionSecret ?? ephemeralSessionSecret(logger);
  const failureLimiter = deps.failureLimiter ?? new FailureLimiter();
  const trustProxy = deps.trustProxy ?? false;
  const maxUploadBytes = deps.maxUploadBytes ?? defaultMaxUploadBytes;
  const shedTileGzip = deps.shedTileGzip ?? never;
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key: Authorization: Bearer fnc_…',
  });

  const tileCache =
    deps.tileCache !== undefined
      ? deps.tileCache
      : deps.tileCacheBytes === 0
        ? null
        : new TileCache(deps.tileCacheBytes);
  tileCache?.listen(tileInvalidations(changes));
  app.use('*', async (c, next) => {
    c.set('db', deps.db);
    c.set('backend', deps.backend);
    c.set('migrations', deps.migrations);
    c.set('logger', logger);
    c.set('viewer', anonymousViewer);
    c.set('session', null);
    c.set('sessionSecret', sessionSecret);
    c.set('changes', changes);
    c.set('clock', clock);
    c.set('maxBodyBytes', deps.maxBodyBytes ?? defaultMaxBodyBytes);
    c.set('maxUploadBytes', maxUploadBytes);
    c.set('shedTileGzip', shedTileGzip);
    const started = performance.now();
    await next();
    logger.debug('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  // Around everything that reads: the caller's replay position picks the replicas it may read.
  if (deps.replayPosition) app.use('*', replayPositions(deps.replayPosition));
  // Before authentication: a preflight carries no key.
  app.use('*', cors(deps.cors ?? defaultCorsPolicy));
  // Workers and most runtimes have CompressionStream; Node 20 too.
  app.use('*', compress());
  // A signed-in form (an upload among them) is read up to its own limit to find its CSRF token.
  const maxFormBytes = Math.max(deps.maxBodyBytes ?? defaultMaxBodyBytes, maxUploadBytes + 64 * 1024);
  app.use('*', authenticate(failureLimiter, { trustProxy, maxFormBytes }));

  app.route('/', healthRoutes());
  app.route('/', investorRoutes({ basemapStyleUrl: deps.basemapStyleUrl }));
  app.route('/places', placeRoutes());
  app.route('/', sessionRoutes({ limiter: failureLimiter, trustProxy }));
  app.route('/territories', territoryRoutes());
  app.route('/territories', territoryTileRoutes(tileCache));
  app.route('/territories', territoryDownloadRoutes());
  app.route('/territories', qualityRoutes());
  app.route('/territoire', territoryPageRoutes({ basemapStyleUrl: deps.basemapStyleUrl }));
  app.route('/tiles', tileRoutes(tileCache));
  app.route('/sites', siteRoutes({ basemapStyleUrl: deps.basemapStyleUrl }));
  app.route('/plots', plotRoutes());
  app.route('/', labellingRoutes());
  app.route('/audit', auditRoutes());
  app.route('/programme', programmeRoutes(deps.turnkeyTarget ?? 50));
  app.route('/', labellingPages(deps.turnkeyTarget ?? 50));
  app.route('/ogc', ogcRoutes({ basemapStyleUrl: deps.basemapStyleUrl }));
  app.route('/assets', assetRoutes());
  app.route('/exports', exportRoutes());
  app.route('/imports', importRoutes({ maxBytes: deps.maxImportBytes, spoolDir: deps.spoolDir }));
  // ZAN measures of territories and the simulation register full paths under /territories and /zan.
  app.route('/', zanRoutes({ basemapStyleUrl: deps.basemapStyleUrl }));
  app.route('/', territoryListRoutes());
  openApiRoutes(app);

  app.notFound((c) =>
    problemResponse(c, new AppError('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)),
  );
  app.onError(renderError(logger));
  // Before the router: a cached tile is answered as its route would, without the middleware.
  if (tileCache && deps.tileFastPath !== false) {
    const hit = cachedTileHits(tileCache, { cors: deps.cors ?? defaultCorsPolicy, logger });
    const routed = app.fetch;
    app.fetch = (request, env, executionCtx) => hit(request) ?? routed(request, env, executionCtx);
  }
  return app;
}

export type App = ReturnType<typeof createApp>;
