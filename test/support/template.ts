// The seeded template every test file copies: built once per run by the global setup.
// Embedded: a PGlite data directory; PostgreSQL: a template database next to DATABASE_URL's.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPGlite, openPostgres, type DatabaseHandle, type PostgresOptions } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';

export function databaseUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function templateName(url: string): string {
  return `${new URL(url).pathname.slice(1) || 'foncier'}_template`;
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Builds the template; returns where it is (a directory or a database name). */
export async function buildTemplate(): Promise<string> {
  const url = databaseUrl();
  if (url) {
    const name = templateName(url);
    await admin(url, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    });
    const handle = openPostgres(withDatabase(url, name));
    await migrateToLatest(handle.db);
    await seedDemoData(handle.db);
    await handle.close();
    return name;
  }
  const dir = mkdtempSync(join(tmpdir(), 'foncier-template-'));
  const handle = await openPGlite(dir);
  await migrateToLatest(handle.db);
  await seedDemoData(handle.db);
  await handle.close();
  return dir;
}

export async function dropTemplate(location: string): Promise<void> {
  const url = databaseUrl();
  if (url) await admin(url, (client) => client.query(`DROP DATABASE IF EXISTS "${location}" WITH (FORCE)`));
  else rmSync(location, { recursive: true, force: true });
}

/** Options for the PostgreSQL pool of a copy (the embedded database has no pool). */
export interface CopyOptions extends PostgresOptions {
  poolMax?: number;
}

/** A private, seeded copy of the template for one test file. */
export async function openCopy(
  location: string,
  options: CopyOptions = {},
): Promise<DatabaseHandle & { url?: string }> {
  const url = databaseUrl();
  if (url) {
    const name = `foncier_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin(url, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${location}"`));
    const { poolMax = 4, ...postgres } = options;
    const handle = openPostgres(withDatabase(url, name), poolMax, postgres);
    return {
      ...handle,
      url: withDatabase(url, name),
      close: async () => {
        await handle.close();
        await admin(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'foncier-test-'));
  cpSync(location, dir, { recursive: true });
  const handle = await openPGlite(dir);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A seeded copy for a child process (a server started by a test): its environment, a way to open it here,
 *  and to drop it. */
export interface TemplateCopy {
  env: Record<string, string>;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

export async function copyTemplate(location: string): Promise<TemplateCopy> {
  const url = databaseUrl();
  if (url) {
    const name = `foncier_child_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin(url, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${location}"`));
    const childUrl = withDatabase(url, name);
    return {
      env: { DATABASE_URL: childUrl },
      open: async () => openPostgres(childUrl, 2),
      drop: () =>
        admin(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'foncier-child-'));
  cpSync(location, dir, { recursive: true });
  return {
    env: { FONCIER_DATA_DIR: dir, DATABASE_URL: '' },
    open: () => openPGlite(dir),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
