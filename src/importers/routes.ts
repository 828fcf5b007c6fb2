// /imports: the CLI importers over HTTP, for admins, and for editors their territories' CNIG
// files (site-eco, terrain-eco): a row outside the key's territories is rejected with its
// reason (cnig-upsert.ts), so nothing outside them is touched. The request body is the file itself
// (CSV, GeoJSON or GeoJSON Lines). It is streamed to a spool file (spool.ts) while its bytes are
// counted, so memory stays flat whatever its size, with or without Content-Length, and a
// body past the limit is cut off with 413 as soon as it passes it; the importers then stream
// the file exactly as they stream a file on disk. The response is the import report; the run
// is recorded in import_runs whatever its outcome, and an importer that throws (unreadable
// file, a row the database refuses) answers 422 naming the recorded run.
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { allow } from '../auth/guard.js';
import { AppError, databaseProblem } from '../http/errors.js';
import { problemResponses } from '../http/schemas.js';
import type { ImportReport } from './import-report.js';
import { recordFailedImportRun, recordImportRun, startImportRun } from './import-transaction.js';
import { defaultSpoolDir, spoolDirectory } from './spool.js';
import { importers } from './registry.js';

/** What an editor's key may import: its territories' CNIG rows; reference data is the admins'. */
const editorKinds = new Set(['site-eco', 'terrain-eco']);

/** Larger files go through the CLI, which streams from disk without an HTTP body in between. */
export const maxImportBytes = 100 * 1024 * 1024;

/** An importer's error as the run records it: long messages cut, no temporary path. */
const MAX_ERROR_LENGTH = 1000;

const booleanFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

const importQuery = z
  .object({
    kind: z
      .enum(Object.keys(importers) as [string, ...string[]])
      .openapi({ description: 'What the file holds', example: 'terrain-eco' }),
    dryRun: booleanFlag.openapi({ description: 'Validate and count, write nothing' }),
    partial: booleanFlag.openapi({ description: 'Write the valid rows even when some are rejected' }),
    vintage: z.string().max(60).optional(),
    srid: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'EPSG code of the coordinates when they cannot be detected (e.g. 2154)' }),
    indexes: z.enum(['auto', 'keep', 'rebuild']).optional().openapi({
      description:
        "CNIG imports: 'auto' rebuilds the table's indexes once for a file large next to the table (its readers wait until it commits), 'rebuild' also its foreign keys whatever the size (an initial load), 'keep' never does",
    }),
    filename: z
      .string()
      .regex(/^[\w.-]{1,120}$/)
      .optional()
      .openapi({ description: 'Original file name; its extension selects CSV or GeoJSON', example: 'terrain-eco.csv' }),
  })
  .strict();

const reportSchema = z.record(z.string(), z.any()).openapi('ImportReport');

// Plain OpenAPI schemas, not zod: a zod schema on a JSON media type makes the validator parse
// the whole body in memory before the handler runs (and refuse GeoJSON Lines).
const fileSchema = { type: 'string', format: 'binary' } as const;

const tooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', `import bodies are limited to ${maxBytes} bytes; use the CLI for larger files`, {
    maxBytes,
  });

/** The body's chunks, failing with 413 at the first byte past `maxBytes`. */
async function* limited(body: ReadableStream<Uint8Array> | null, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      yield value;
    }
  } finally {
    // Past the limit (or when the disk fails) stop the upload rather than drain it.
    await reader.cancel().catch(() => undefined);
  }
}

export interface ImportRouteOptions {
  /** Largest body accepted, in bytes (default maxImportBytes). */
  maxBytes?: number;
  /** Where bodies are spooled (default spool.ts's defaultSpoolDir()); swept at start. */
  spoolDir?: string;
}

export function importRoutes(options: ImportRouteOptions = {}) {
  const maxBytes = options.maxBytes ?? maxImportBytes;
  const spoolDir = options.spoolDir ?? defaultSpoolDir();
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['imports'],
      security: [{ bearerAuth: [] }],
      summary:
        "Import a file: CNIG site-eco / terrain-eco (admins, and editors for their territories' rows), boundaries, epcicom, territories, cadastre, ZAN data (admins)",
      description:
        "An editor's CNIG rows outside its territories (by the site's EPCI, and the stored row's when it updates one) are rejected with row, column and reason; with `dryRun=true` the report says so row by row and nothing is written. Besides rejections, a terrain-eco report lists `warnings` (declared area off the drawn one by more than 10 %, parcels of another commune): the row is kept.",
      // Decided before the query, the media type and the body are looked at; which kinds an
      // editor may import is the query's, checked once it is validated.
      middleware: allow('admin', 'editor'),
      // The body is the raw file, read by the importer; it is documented, not parsed here.
      request: {
        query: importQuery,
        body: {
          required: true,
          content: { 'text/csv': { schema: fileSchema }, 'application/geo+json': { schema: fileSchema } },
        },
      },
      responses: {
        200: {
          description: 'The import report (written: false when rows were rejected and the import was all-or-nothing)',
          content: { 'application/json': { schema: reportSchema } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const viewer = c.var.viewer;
      if (viewer.role === 'editor') {
        if (!editorKinds.has(query.kind))
          throw new AppError(
            'forbidden',
            `an editor key imports site-eco and terrain-eco files; ${query.kind} needs an admin key`,
          );
        // Rebuilding a table's indexes makes every reader wait: an operator's decision.
        if (query.indexes && query.indexes !== 'keep')
          throw new AppError('forbidden', `indexes=${query.indexes} needs an admin key`, { parameter: 'indexes' });
      }
      if (Number(c.req.header('content-length') ?? '0') > maxBytes) throw tooLarge(maxBytes);
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'text/csv' && !/^application\/([a-z.-]+\+)?json$/.test(type)) {
        throw new AppError(
          'unsupported_media_type',
          'send the file as text/csv or application/geo+json (a FeatureCollection or GeoJSON Lines)',
        );
      }
      const extension = query.filename?.match(/\.[a-z]+$/i)?.[0] ?? (type.includes('json') ? '.geojson' : '.csv');
      const dir = await spoolDirectory(spoolDir);
      const path = join(dir, `${query.kind}${extension}`);
      const file = query.filename ?? `${query.kind}${extension}`;
      const source = `POST /imports by ${c.var.viewer.name}`;
      try {
        await pipeline(limited(c.req.raw.body, maxBytes), createWriteStream(path));
        const run = { kind: query.kind, file, dryRun: query.dryRun, partial: query.partial };
        const id = await startImportRun(c.var.db, { ...run, source, startedAt: new Date() });
        c.var.logger.info('import started', { importRunId: id, kind: query.kind, bytes: (await stat(path)).size });
        let report: ImportReport;
        try {
          report = await importers[query.kind]!(c.var.db, path, {
            dryRun: query.dryRun,
            partial: query.partial,
            ...(query.vintage ? { vintage: query.vintage } : {}),
            ...(query.srid ? { srid: query.srid } : {}),
            ...(query.indexes ? { indexes: query.indexes } : {}),
            ...(viewer.role === 'editor' ? { scope: viewer.territories, indexes: 'keep' as const } : {}),
          });
        } catch (error) {
          const message = (error instanceof Error ? error.message : String(error))
            .replaceAll(path, file)
            .slice(0, MAX_ERROR_LENGTH);
          try {
            await recordFailedImportRun(c.var.db, id, { ...run, error: message });
          } catch {
            // The database cannot even take the record: not the file's fault. The original
            // error goes to onError (a 503 when the database failed, else an opaque 500).
            throw error;
          }
          // The database too busy or gone (a timeout, a restart) is not the file's fault: the
          // 503 a client retries, naming the run recorded for it.
          const unavailable = databaseProblem(error);
          if (unavailable)
            throw new AppError(
              unavailable.code,
              unavailable.detail,
              { ...unavailable.extensions, importRunId: id },
              unavailable.headers,
            );
          // The importer's own problem (its status and code), naming the run recorded for it.
          if (error instanceof AppError)
            throw new AppError(error.code, error.detail, { ...error.extensions, importRunId: id }, error.headers);
          throw new AppError('unprocessable', `the ${query.kind} import failed: ${message}`, { importRunId: id });
        }
        await recordImportRun(c.var.db, id, { ...report, file: query.filename ?? report.file });
        // A committed import may touch any number of rows: caches (tiles) start afresh.
        if (report.written && report.inserted + report.updated > 0) c.var.changes.reset(`import ${query.kind}`);
        return c.json({ id, ...report, file: query.filename ?? report.file }, 200);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  return app;
}
