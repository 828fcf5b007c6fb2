// A database a benchmark creates for itself on DATABASE_URL's server, and the only one it may
// drop. Its name is new for each run (`<prefix>_<pid>_<random hex>`), CREATE DATABASE fails
// rather than reuse an existing one, and `drop()` drops that name only: never a database the
// benchmark did not create (issue #13, item 7: `bench import` used to force-drop a fixed name).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  /** DATABASE_URL with the scratch database in place of its own. */
  url: string;
  name: string;
  /** Drops the scratch database (connections to it are ended); a second call does nothing. */
  drop(): Promise<void>;
}

const PREFIX = /^[a-z][a-z0-9_]{0,30}$/;

export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  if (!PREFIX.test(prefix)) throw new Error(`scratch database prefix ${JSON.stringify(prefix)} is not a plain name`);
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      const dropClient = new pg.Client({ connectionString: admin.toString() });
      await dropClient.connect();
      try {
        // The name is the one this function created, not one read back from anywhere.
        await dropClient.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        dropped = true;
      } finally {
        await dropClient.end();
      }
    },
  };
}
