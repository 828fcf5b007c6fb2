// The private PostgreSQL clusters of the fault tests (Debian's postgresql-common): which
// PostgreSQL to use or why a test cannot run, and creating and dropping a cluster on a port of
// its own. The shared cluster on 5432 is never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * The newest PostgreSQL with PostGIS and Debian's cluster tools (and the named binaries of that
 * version, e.g. pg_basebackup), or why the test cannot run. It runs in the PostgreSQL pass of
 * the suite, as root; a test that cannot run warns, and throws in CI (FONCIER_REQUIRE_INTEROP=1).
 */
export function clusterVersion(test: string, binaries: string[] = []): { version: string } | { skip: string } {
  const found = findVersion(binaries);
  if ('skip' in found) {
    if (process.env.FONCIER_REQUIRE_INTEROP === '1' && process.env.DATABASE_URL)
      throw new Error(`the ${test} test is required here, but ${found.skip}`);
    console.warn(`skipping the ${test} test: ${found.skip}`);
  }
  return found;
}

function findVersion(binaries: string[]): { version: string } | { skip: string } {
  if (!process.env.DATABASE_URL) return { skip: 'it runs in the PostgreSQL pass of the suite (set DATABASE_URL)' };
  if (!existsSync('/usr/bin/pg_createcluster'))
    return { skip: 'pg_createcluster is missing (apt-get install postgresql-common)' };
  if (process.getuid?.() !== 0) return { skip: 'creating a private cluster needs root' };
  const version = (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [])
    .sort((a, b) => Number(b) - Number(a))
    .find((v) => existsSync(`/usr/share/postgresql/${v}/extension/postgis.control`));
  if (!version) return { skip: 'no PostgreSQL with PostGIS (apt-get install postgresql-15-postgis-3)' };
  const missing = binaries.find((b) => !existsSync(`/usr/lib/postgresql/${version}/bin/${b}`));
  if (missing) return { skip: `${missing} is missing` };
  return { version };
}

/** A new cluster, not started (trust authentication, never started at boot). */
export function createCluster(version: string, name: string, port: number): void {
  execFileSync(
    'pg_createcluster',
    ['--quiet', '--start-conf=manual', '-p', String(port), version, name, '--', '--auth=trust'],
    { stdio: 'pipe' },
  );
}

/** Stops and drops a cluster; one that is not there is nothing to drop. */
export function dropCluster(version: string, name: string): void {
  try {
    execFileSync('pg_dropcluster', ['--stop', version, name], { stdio: 'pipe' });
  } catch {
    // Not there: nothing to drop.
  }
}
