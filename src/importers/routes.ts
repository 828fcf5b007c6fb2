// /imports: the CLI importers over HTTP, for admins. The request body is the file itself
// (CSV, GeoJSON or GeoJSON Lines); it is spooled to a temporary file so that the importers
// stream it exactly as they stream a file on disk. The response is the import report; the
// run is recorded in import_runs whatever its outcome.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app.js';
import { requireRole } from '../auth/viewer.js';
import { AppError } from '../http/errors.js';
import { problemResponses } from '../http/schemas.js';
import { recordImportRun } from './import-transaction.js';
import { importers } from './registry.js';

/** Larger files go through the CLI, which streams from disk without an HTTP body in between. */
export const maxImportBytes = 100 * 1024 * 1024;

const booleanFlag = z.enum(['true', 'false']).optional().transform((v) => v === 'true');

const importQuery = z
  .object({
    kind: z.enum(Object.keys(importers) as [string, ...string[]]).openapi({ description: 'What the file holds', example: 'terrain-eco' }),
    dryRun: booleanFlag.openapi({ description: 'Validate and count, write nothing' }),
    partial: booleanFlag.openapi({ description: 'Write the valid rows even when some are rejected' }),
    vintage: z.string().max(60).optional(),
    srid: z.coerce.number().int().positive().optional().openapi({ description: 'EPSG code of the coordinates when they cannot be detected (e.g. 2154)' }),
    filename: z.string().regex(/^[\w.-]{1,120}$/).optional().openapi({ description: 'Original file name; its extension selects CSV or GeoJSON', example: 'terrain-eco.csv' }),
  })
  .strict();

const reportSchema = z.record(z.string(), z.any()).openapi('ImportReport');

export function importRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['imports'],
      summary: 'Import a file (admins): CNIG site-eco / terrain-eco, boundaries, epcicom, territories, cadastre, ZAN data',
      // The body is the raw file, read by the importer; it is documented, not parsed here.
      request: { query: importQuery, body: { required: true, content: { 'text/csv': { schema: z.string() }, 'application/geo+json': { schema: z.any() } } } },
      responses: {
        200: { description: 'The import report (written: false when rows were rejected and the import was all-or-nothing)', content: { 'application/json': { schema: reportSchema } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      requireRole(c.var.viewer, 'admin');
      const query = c.req.valid('query');
      const length = Number(c.req.header('content-length') ?? '0');
      if (length > maxImportBytes) throw new AppError('payload_too_large', `import bodies are limited to ${maxImportBytes} bytes; use the CLI for larger files`);
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.byteLength > maxImportBytes) throw new AppError('payload_too_large', `import bodies are limited to ${maxImportBytes} bytes`);
      const type = c.req.header('content-type') ?? '';
      const extension = query.filename?.match(/\.[a-z]+$/i)?.[0] ?? (type.includes('json') ? '.geojson' : '.csv');
      const dir = await mkdtemp(join(tmpdir(), 'foncier-import-'));
      const path = join(dir, `${query.kind}${extension}`);
      try {
        await writeFile(path, body);
        const startedAt = new Date();
        const report = await importers[query.kind]!(c.var.db, path, {
          dryRun: query.dryRun,
          partial: query.partial,
          ...(query.vintage ? { vintage: query.vintage } : {}),
          ...(query.srid ? { srid: query.srid } : {}),
        });
        const id = await recordImportRun(c.var.db, { ...report, file: query.filename ?? report.file }, `POST /imports by ${c.var.viewer.name}`, startedAt);
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
