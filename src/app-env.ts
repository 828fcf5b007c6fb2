// The app's environment, apart from the factory so that routes and middleware can name it without
// importing src/app.ts (which imports them all): AppDeps (what an entry point hands createApp) and
// AppEnv (what a handler finds on c.var).
import type { Kysely, MigrationProvider } from 'kysely';
import type { FailureLimiter } from './auth/failure-limiter.js';
import type { Viewer } from './auth/viewer.js';
import type { ChangeFeed } from './changes.js';
import type { Clock } from './clock.js';
import type { BackendKind } from './db/open.js';
import type { Database } from './db/schema.js';
import type { CorsPolicy } from './http/cors.js';
import type { Logger } from './logger.js';
import type { TileCache } from '../tiles/cache.js';

export interface AppDeps {
  db: Kysely<Database>;
  backend: BackendKind | 'unknown';
  /** The migrations the schema should be at; /readyz compares. Absent on Workers (no file system). */
  migrations?: MigrationProvider;
  logger?: Logger;
  /** Failed-authentication limiter; one per process (tests pass their own). */
  failureLimiter?: FailureLimiter;
  /** Count failed authentications per X-Forwarded-For client (only behind a proxy that sets it). */
  trustProxy?: boolean;
  /** Where committed writes are announced (the tile cache listens). */
  changes?: ChangeFeed;
  /** Turnkey sites the programme aims to label (dashboard default). */
  turnkeyTarget?: number;
  /** Bytes of vector tiles kept in memory; 0 turns the tile cache off (benchmarks). */
  tileCacheBytes?: number;
  /** A tile cache of the caller's (tests share one between two apps); tileCacheBytes is then unused. */
  tileCache?: TileCache | null;
  /** Answer cached tiles before the middleware (src/tiles/fast-path.ts; default true). false:
   *  every tile through its route (the tests compare both answers). */
  tileFastPath?: boolean;
  /** Whether a tile built for a request goes out plain even to a gzip client, now (the cores are
   *  saturated: src/http/cpu-load.ts, FONCIER_TILE_GZIP_MAX_CPU); default never. */
  shedTileGzip?: () => boolean;
  /** Largest POST /imports body in bytes (default 100 MB; tests lower it). */
  maxImportBytes?: number;
  /** The app's one clock (src/clock.ts); the system clock unless pinned (FONCIER_TODAY, tests). */
  clock?: Clock;
  /** Largest JSON request body in bytes (default 8 MiB); 413 past it. */
  maxBodyBytes?: number;
  /** Where POST /imports spools bodies (default foncier-spool under the OS temp dir). */
  spoolDir?: string;
  /** Cross-origin access (default: reads from any origin, writes from none but our own). */
  cors?: CorsPolicy;
  /** MapLibre style drawn under the HTML pages' maps (none by default: the pages work offline). */
  basemapStyleUrl?: string;
  /** Signs the web session cookies (FONCIER_SESSION_SECRET); unset, a random per-process secret. */
  sessionSecret?: string;
  /** Largest evidence document a dossier takes, in bytes (FONCIER_MAX_UPLOAD_BYTES, 10 MiB). */
  maxUploadBytes?: number;
  /** With read replicas (DATABASE_READ_URL): the primary's WAL position, returned after a write
   *  for read-your-writes (src/db/replicas.ts). */
  replayPosition?: () => Promise<string>;
}

/** A signed-in web session (web/session.ts), as the authenticate middleware puts it on c.var. */
export interface Session {
  keyId: string;
  expiresAt: Date;
  /** The synchronizer token its forms must send back. */
  csrfToken: string;
}

export interface AppEnv {
  Variables: {
    db: Kysely<Database>;
    backend: string;
    migrations: MigrationProvider | undefined;
    logger: Logger;
    viewer: Viewer;
    changes: ChangeFeed;
    clock: Clock;
    maxBodyBytes: number;
    maxUploadBytes: number;
    /** AppDeps.shedTileGzip: send a tile just built without gzip (tiles/routes.ts). */
    shedTileGzip: () => boolean;
    /** The key that signs session cookies and their CSRF tokens (web/session.ts). */
    sessionSecret: string;
    /** The web session of a request signed in by cookie; null for Bearer and anonymous requests. */
    session: Session | null;
    /** Set by authenticate when a signed-in form carries its CSRF token in the body: the guard
     *  reads it after the role check (web/session.ts verifyFormCsrf), under this many bytes. */
    csrfFormLimit?: number;
  };
}
