// The `foncier` command line: migrate, seed (demo data), fixtures (large generated data).
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from './config.js';
import { isCatalogueEmpty } from './db/bootstrap.js';
import { migrateToLatest } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { seedDemoData } from './fixtures/demo.js';
import { generateFixtures } from './fixtures/generate.js';

const usage = `Usage: foncier <command> [options]

Commands:
  migrate                      apply the pending migrations in sql/
  seed                         load the demo data into an empty catalogue
  fixtures --plots N [--seed S] add N generated plots (and their sites) for benchmarks

The database is DATABASE_URL when set, else the embedded database in FONCIER_DATA_DIR (.data/).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(usage);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const { values } = parseArgs({
    args: rest,
    options: { plots: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrateToLatest(handle.db);
    if (command === 'migrate') {
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      return 0;
    }
    if (command === 'seed') {
      if (!(await isCatalogueEmpty(handle))) {
        console.error('foncier seed: the catalogue already holds territories; seed loads into an empty database only');
        return 1;
      }
      console.log(JSON.stringify(await seedDemoData(handle.db)));
      return 0;
    }
    if (command === 'fixtures') {
      const plots = Number(values.plots);
      if (!Number.isInteger(plots) || plots <= 0) {
        console.error('foncier fixtures: --plots must be a positive integer');
        return 2;
      }
      if (await isCatalogueEmpty(handle)) await seedDemoData(handle.db);
      const bar = new SingleBar({ format: 'plots {bar} {value}/{total} {percentage}% | {eta_formatted} left' }, Presets.shades_classic);
      bar.start(plots, 0);
      const started = performance.now();
      const result = await generateFixtures(handle.db, { plots, seed: values.seed ? Number(values.seed) : undefined, onProgress: (n) => bar.update(n) });
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      console.log(`${result.plots} plots in ${result.sites} sites, ${seconds.toFixed(1)} s (${Math.round(result.plots / seconds)} plots/s)`);
      return 0;
    }
    console.error(`foncier: unknown command ${JSON.stringify(command)}\n\n${usage}`);
    return 2;
  } finally {
    await handle.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`foncier: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
