// `foncier import <kind> <file> [--dry-run] [--partial] [--vintage V]`: runs one importer of
// the registry with a progress bar, prints its report, and exits 1 when rows were rejected.
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { formatReport } from './import-report.js';
import { recordImportRun } from './import-transaction.js';
import { importers } from './registry.js';

export const importUsage = `  import KIND FILE [--dry-run] [--partial] [--vintage V] [--srid N] [--json]
                               import reference data; KIND is one of ${Object.keys(importers).join(', ')}.
                               All-or-nothing unless --partial; every rejected row is reported`;

export async function runImportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean' }, partial: { type: 'boolean' }, vintage: { type: 'string' }, srid: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [kind, file] = positionals;
  const importer = kind ? importers[kind] : undefined;
  if (!importer || !file) {
    console.error(`foncier import: usage\n${importUsage}`);
    return 2;
  }
  const srid = values.srid === undefined ? undefined : Number(values.srid);
  if (srid !== undefined && !Number.isInteger(srid)) {
    console.error('foncier import: --srid must be an EPSG code, e.g. 2154');
    return 2;
  }
  const config = loadConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const bar = new SingleBar({ format: `${kind} {value} rows read`, clearOnComplete: true }, Presets.shades_classic);
  try {
    await migrateToLatest(handle.db);
    if (process.stderr.isTTY) bar.start(0, 0);
    const startedAt = new Date();
    const report = await importer(handle.db, file, {
      dryRun: values['dry-run'],
      partial: values.partial,
      vintage: values.vintage,
      srid,
      onProgress: (n) => (n % 500 === 0 ? bar.update(n) : undefined),
    });
    bar.stop();
    await recordImportRun(handle.db, report, file, startedAt);
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.rejected.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
    await handle.close();
  }
}
