// Migrations are the numbered plain SQL files in sql/, frozen once landed. This provider
// feeds them to Kysely's Migrator, which records them in kysely_migration and holds an
// advisory lock while it runs, on PostgreSQL and on PGlite alike.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

/** The sql/ directory of this checkout; resolved on use, not at module load (a Worker has no file URL to resolve). */
export function sqlDirectory(): string {
  return fileURLToPath(new URL('../../sql/', import.meta.url));
}

const migrationFile = /^(\d{3})_[a-z0-9_-]+\.sql$/;

export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly directory: string = sqlDirectory()) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const names = (await readdir(this.directory)).filter((name) => migrationFile.test(name)).sort();
    const migrations: Record<string, Migration> = {};
    for (const name of names) {
      const text = await readFile(`${this.directory}/${name}`, 'utf8');
      migrations[name.replace(/\.sql$/, '')] = {
        // No parameters: both drivers run the file as one multi-statement script.
        up: async (db: Kysely<any>) => {
          await sql.raw(text).execute(db);
        },
      };
    }
    return migrations;
  }
}

export function createMigrator(
  db: Kysely<any>,
  provider: MigrationProvider = new SqlFileMigrationProvider(),
): Migrator {
  // Features developed side by side take their numbers in advance, so a database may have
  // applied 006 before 002 lands: apply the missing ones rather than refuse to start.
  return new Migrator({ db, provider, allowUnorderedMigrations: true });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies every pending migration; throws with the failing file's name. */
export async function migrateToLatest(db: Kysely<any>, provider?: MigrationProvider): Promise<string[]> {
  const { error, results }: MigrationResultSet = await createMigrator(db, provider).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export async function migrationStatus(db: Kysely<any>, provider?: MigrationProvider): Promise<MigrationStatus> {
  const migrations = await createMigrator(db, provider).getMigrations();
  return {
    applied: migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
