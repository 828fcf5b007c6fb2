// The `foncier` command line: migrate, seed (demo data), fixtures (large generated data), keys,
// imports, and the PMTiles export of a territory's tiles.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { Kysely } from 'kysely';
import { createApiKey, KeyError, listApiKeys, revokeApiKey } from './auth/keys.js';
import { roles, type Role } from './auth/viewer.js';
import { loadConfig } from './config.js';
import type { Database } from './db/schema.js';
import { isCatalogueEmpty } from './db/bootstrap.js';
import { migrateToLatest } from './db/migrate.js';
import { openDatabase, type DatabaseHandle } from './db/open.js';
import { seedDemoData } from './fixtures/demo.js';
import { generateFixtures } from './fixtures/generate.js';
import { importUsage, runImportCommand } from './importers/cli-import.js';
import { territoryPmtiles } from './tiles/pmtiles-export.js';

const usage = `Usage: foncier <command> [options]

Commands:
  migrate                      apply the pending migrations in sql/
  seed                         load the demo data into an empty catalogue
  fixtures --plots N [--seed S] add N generated plots (and their sites) for benchmarks
  keys create --name NAME --role editor|labeller|decider|admin [--territory ID]... [--expires YYYY-MM-DD]
                               create an API key; it is printed once and stored hashed
  keys list                    list keys (never the keys themselves)
  keys revoke ID|PREFIX        revoke a key
  export pmtiles --territory ID [--out FILE] [--minzoom N] [--maxzoom N]
                               bake a territory's tiles (all layers, z5-z14 by default) into a
                               PMTiles v3 archive for static hosting (FILE: <ID>.pmtiles)
${importUsage}

The database is DATABASE_URL when set, else the embedded database in FONCIER_DATA_DIR (.data/).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(usage);
    return command ? 0 : 2;
  }
  // `import` parses its own options (see src/importers/cli-import.ts).
  if (command === 'import') return runImportCommand(rest);
  const config = loadConfig();
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      plots: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      territory: { type: 'string', multiple: true },
      expires: { type: 'string' },
      out: { type: 'string' },
      minzoom: { type: 'string' },
      maxzoom: { type: 'string' },
    },
    allowPositionals: true,
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
      const bar = new SingleBar(
        { format: 'plots {bar} {value}/{total} {percentage}% | {eta_formatted} left' },
        Presets.shades_classic,
      );
      bar.start(plots, 0);
      const started = performance.now();
      const phases: string[] = [];
      const result = await generateFixtures(handle.db, {
        plots,
        seed: values.seed ? Number(values.seed) : undefined,
        onProgress: (n) => bar.update(n),
        onPhase: (phase, s) => phases.push(`${phase} ${s.toFixed(1)} s`),
      });
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${result.plots} plots in ${result.sites} sites, ` +
          `${seconds.toFixed(1)} s (${Math.round(result.plots / seconds)} plots/s): ${phases.join(', ')}`,
      );
      return 0;
    }
    if (command === 'keys') return await keys(handle.db, positionals, values);
    if (command === 'export' && positionals[0] === 'pmtiles') return await exportPmtiles(handle, values);
    console.error(`foncier: unknown command ${JSON.stringify(command)}\n\n${usage}`);
    return 2;
  } finally {
    await handle.close();
  }
}

async function exportPmtiles(
  handle: DatabaseHandle,
  values: { territory?: string[]; out?: string; minzoom?: string; maxzoom?: string },
): Promise<number> {
  const territory = values.territory?.[0];
  const [minzoom, maxzoom] = [Number(values.minzoom ?? 5), Number(values.maxzoom ?? 14)];
  if (!territory || values.territory!.length > 1) {
    console.error('foncier export pmtiles: --territory ID, once');
    return 2;
  }
  if (![minzoom, maxzoom].every((z) => Number.isInteger(z) && z >= 0 && z <= 16) || minzoom > maxzoom) {
    console.error('foncier export pmtiles: --minzoom and --maxzoom are zooms 0-16, min ≤ max');
    return 2;
  }
  const started = performance.now();
  const archive = await territoryPmtiles(handle.db, handle.kind, territory, { minzoom, maxzoom });
  if (!archive) {
    console.error(`foncier export pmtiles: no territory ${JSON.stringify(territory)}`);
    return 1;
  }
  const out = values.out ?? `${territory}.pmtiles`;
  writeFileSync(out, archive.bytes);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${out}: ${archive.tiles} tiles z${minzoom}-z${maxzoom}, ${archive.bytes.length} bytes, ${seconds} s`);
  return 0;
}

async function keys(
  db: Kysely<Database>,
  [action, target]: string[],
  values: { name?: string; role?: string; territory?: string[]; expires?: string },
): Promise<number> {
  if (action === 'create') {
    const role = values.role as Role | undefined;
    if (!values.name || !role || !roles.includes(role)) {
      console.error(`foncier keys create: --name and --role ${roles.join('|')} are required`);
      return 2;
    }
    const expiresAt = values.expires ? new Date(`${values.expires}T23:59:59Z`) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      console.error('foncier keys create: --expires must be a date YYYY-MM-DD');
      return 2;
    }
    try {
      const created = await createApiKey(db, { name: values.name, role, territories: values.territory, expiresAt });
      console.log(
        `key ${created.id} (prefix ${created.prefix}) created. Store it now; it is not shown again:\n${created.key}`,
      );
      return 0;
    } catch (error) {
      if (error instanceof KeyError) {
        console.error(`foncier keys create: ${error.message}`);
        return 2;
      }
      throw error;
    }
  }
  if (action === 'list') {
    for (const k of await listApiKeys(db)) {
      const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= new Date() ? 'expired' : 'active';
      console.log([k.id, k.keyPrefix, k.role, k.territories.join(',') || '-', state, k.name].join('\t'));
    }
    return 0;
  }
  if (action === 'revoke' && target) {
    const done = await revokeApiKey(db, target);
    console.log(done ? `revoked ${target}` : `no active key ${target}`);
    return done ? 0 : 1;
  }
  console.error('foncier keys: use create, list or revoke ID|PREFIX');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`foncier: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
