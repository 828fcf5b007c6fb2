// `foncier import <kind> <file> [--dry-run] [--partial] [--vintage V]`: runs one importer of
// the registry with a progress bar, prints its report, and exits 1 when rows were rejected.
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { formatReport } from './import-report.js';
import { recordFailedImportRun, recordImportRun, startImportRun } from './import-transaction.js';
import { recoverInterruptedImports } from './recovery.js';
import { importers } from './registry.js';

export const importUsage =
  '  import KIND FILE [--dry-run] [--partial] [--vintage V] [--srid N]' +
  ` [--indexes auto|keep|rebuild] [--json]
                               import reference data; KIND is one of ${Object.keys(importers).join(', ')}.
                               All-or-nothing unless --partial; every rejected row is reported.
                               --indexes (CNIG site-eco/terrain-eco): auto rebuilds the table's indexes
                               once for a file large next to the table, rebuild also its foreign keys
                               (initial national load), keep never does`;

const indexModes = ['auto', 'keep', 'rebuild'] as const;

export async function runImportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'dry-run': { type: 'boolean' },
      partial: { type: 'boolean' },
      vintage: { type: 'string' },
      srid: { type: 'string' },
      indexes: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [kind, file] = positionals;
  const importer = kind && Object.hasOwn(importers, kind) ? importers[kind] : undefined;
  if (!kind || !importer || !file) {
    console.error(`foncier import: usage\n${importUsage}`);
    return 2;
  }
  const srid = values.srid === undefined ? undefined : Number(values.srid);
  if (srid !== undefined && !Number.isInteger(srid)) {
    console.error('foncier import: --srid must be an EPSG code, e.g. 2154');
    return 2;
  }
  const indexes = values.indexes ?? 'auto';
  if (!(indexModes as readonly string[]).includes(indexes)) {
    console.error(`foncier import: --indexes must be one of ${indexModes.join(', ')}`);
    return 2;
  }
  const config = loadConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const bar = new SingleBar({ format: `${kind} {value} rows read`, clearOnComplete: true }, Presets.shades_classic);
  try {
    await migrateToLatest(handle.db);
    // A CLI-only deployment (a Worker serving) has no server start to recover a killed import.
    await recoverInterruptedImports(handle.db, { spoolDir: config.spoolDir });
    if (process.stderr.isTTY) bar.start(0, 0);
    const startedAt = new Date();
    const options = { dryRun: values['dry-run'] ?? false, partial: values.partial ?? false };
    const runId = await startImportRun(handle.db, { kind, file, source: file, ...options, startedAt });
    const report = await importer(handle.db, file, {
      ...options,
      vintage: values.vintage,
      srid,
      indexes: indexes as (typeof indexModes)[number],
      onProgress: (n) => (n % 500 === 0 ? bar.update(n) : undefined),
    }).catch(async (error: unknown) => {
      // Recorded like every other run; the error itself still ends the command.
      const message = error instanceof Error ? error.message : String(error);
      await recordFailedImportRun(handle.db, runId, { kind, file, ...options, error: message }).catch(() => undefined);
      throw error;
    });
    bar.stop();
    await recordImportRun(handle.db, runId, report);
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.rejected.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
    await handle.close();
  }
}
