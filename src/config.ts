// Configuration from the environment, parsed once by each entry point (never at module load).
import { z } from 'zod';
import { type LogLevel, logLevels } from './logger.js';
import { defaultMaxBodyBytes } from './http/body-limit.js';
import type { DatabaseLimits } from './db/limits.js';
import { defaultSpoolDir } from './importers/spool.js';
import { defaultMaxUploadBytes } from './labelling/evidence.js';
import type { CorsPolicy } from './http/cors.js';

/** IGN's Plan IGN vector style (Géoplateforme): French, public, no key. */
export const defaultBasemapStyleUrl =
  'https://data.geopf.fr/annexes/ressources/vectorTiles/styles/PLAN.IGN/standard.json';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

// A time limit: 0 would mean "none" to PostgreSQL and pg, so every limit is at least 1 ms.
const milliseconds = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(86_400_000).default(fallback));
// A comma-separated list of origins (scheme://host[:port], as a browser sends in Origin).
const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((origin) => URL.canParse(origin) && new URL(origin).origin === origin, {
        message: 'expected origins like https://carto.example.fr, comma-separated',
      }),
    ),
  );

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

const configSchema = z.object({
  DATABASE_URL: z.preprocess(emptyToUndefined, postgresUrl.optional()),
  // Streaming replicas of DATABASE_URL, comma-separated: reads go there (src/db/replicas.ts).
  DATABASE_READ_URL: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? value.split(',').map((u) => u.trim()) : undefined),
    z.array(postgresUrl).optional(),
  ),
  DATABASE_POOL_MAX: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(10)),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(15_000),
  DATABASE_LONG_STATEMENT_TIMEOUT_MS: milliseconds(600_000),
  DATABASE_LOCK_TIMEOUT_MS: milliseconds(5_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: milliseconds(60_000),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds(1_500),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8787)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  FONCIER_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
  FONCIER_DEMO_DATA: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true')),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(logLevels).default('info')),
  FONCIER_TURNKEY_TARGET: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(50)),
  FONCIER_TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')),
  FONCIER_TODAY: z.preprocess(emptyToUndefined, z.iso.date().optional()),
  // At least 64 KiB: below that ordinary writes would not fit.
  FONCIER_MAX_BODY_BYTES: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(65_536).default(defaultMaxBodyBytes),
  ),
  FONCIER_SPOOL_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  FONCIER_CORS_READ_ORIGINS: z.preprocess(emptyToUndefined, z.union([z.literal('*'), originList]).default('*')),
  FONCIER_CORS_WRITE_ORIGINS: z.preprocess(emptyToUndefined, originList.optional()),
  // IGN's Plan IGN by default (a French public basemap, no key); `none`: the project's own tiles alone.
  FONCIER_BASEMAP_STYLE_URL: z.preprocess(
    emptyToUndefined,
    z.union([z.literal('none'), z.url({ protocol: /^https?$/ })]).default(defaultBasemapStyleUrl),
  ),
  // At least 64 KiB; evidence documents (labelling) past it are refused with 413.
  FONCIER_MAX_UPLOAD_BYTES: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(65_536).default(defaultMaxUploadBytes),
  ),
  // A tile built for a request goes out plain, not gzipped, while the machine's CPU is at least
  // this busy (percent; 100: always gzip). Cached hits stay gzipped.
  FONCIER_TILE_GZIP_MAX_CPU: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100).default(90)),
  // 32 characters at least: the HMAC key of every session cookie.
  FONCIER_SESSION_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(32, { message: 'at least 32 characters (e.g. openssl rand -base64 32)' }).optional(),
  ),
});

export interface Config {
  /** PostgreSQL + PostGIS connection string; unset means the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Streaming replicas that serve reads, with read-your-writes for the writer. */
  databaseReadUrls: string[];
  databasePoolMax: number;
  /** Time limits of the server's database sessions (PostgreSQL). */
  databaseLimits: DatabaseLimits;
  port: number;
  host: string;
  /** Directory of the embedded database. */
  dataDir: string;
  /** Load the demo data into an empty embedded database at first start. */
  demoData: boolean;
  logLevel: LogLevel;
  /** Turnkey sites the programme aims to label ("about 50"). */
  turnkeyTarget: number;
  /** Behind a reverse proxy that sets X-Forwarded-For. */
  trustProxy: boolean;
  /** Pins the app's clock to this date (YYYY-MM-DD): reproducible rankings and exports. */
  today: string | undefined;
  /** Largest JSON request body, in bytes. */
  maxBodyBytes: number;
  /** Where POST /imports spools bodies; swept at start (importers/spool.ts). */
  spoolDir: string;
  /** Cross-origin access: who may read (any origin by default) and who may write (none). */
  cors: CorsPolicy;
  /** MapLibre style drawn under the HTML pages' maps; undefined (`none`), they draw the project's tiles alone. */
  basemapStyleUrl: string | undefined;
  /** Signs the web session cookies; unset, a random per-process secret (sessions end at restart). */
  sessionSecret: string | undefined;
  /** Largest evidence document of a labelling dossier, in bytes. */
  maxUploadBytes: number;
  /** Share of the machine's CPU (0–1) from which tiles just built are sent plain (1: never). */
  tileGzipMaxCpu: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  if (c.DATABASE_READ_URL && !c.DATABASE_URL)
    throw new ConfigError('invalid configuration: DATABASE_READ_URL: replicas of what? DATABASE_URL is not set');
  return {
    databaseUrl: c.DATABASE_URL,
    databaseReadUrls: c.DATABASE_READ_URL ?? [],
    databasePoolMax: c.DATABASE_POOL_MAX,
    databaseLimits: {
      statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
      longStatementTimeoutMs: c.DATABASE_LONG_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: c.DATABASE_LOCK_TIMEOUT_MS,
      idleInTransactionTimeoutMs: c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    },
    port: c.PORT,
    host: c.HOST,
    dataDir: c.FONCIER_DATA_DIR,
    demoData: c.FONCIER_DEMO_DATA === 'true',
    logLevel: c.LOG_LEVEL,
    turnkeyTarget: c.FONCIER_TURNKEY_TARGET,
    trustProxy: c.FONCIER_TRUST_PROXY === 'true',
    today: c.FONCIER_TODAY,
    maxBodyBytes: c.FONCIER_MAX_BODY_BYTES,
    spoolDir: c.FONCIER_SPOOL_DIR ?? defaultSpoolDir(),
    cors: { readOrigins: c.FONCIER_CORS_READ_ORIGINS, writeOrigins: c.FONCIER_CORS_WRITE_ORIGINS ?? [] },
    basemapStyleUrl: c.FONCIER_BASEMAP_STYLE_URL === 'none' ? undefined : c.FONCIER_BASEMAP_STYLE_URL,
    sessionSecret: c.FONCIER_SESSION_SECRET,
    maxUploadBytes: c.FONCIER_MAX_UPLOAD_BYTES,
    tileGzipMaxCpu: c.FONCIER_TILE_GZIP_MAX_CPU / 100,
  };
}
