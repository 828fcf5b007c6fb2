// Read replicas (issue #18): a private primary cluster and a streaming replica of it made by
// `pg_basebackup -R` (ports 9310 and 9311), both created and dropped by the test; the shared
// cluster on 5432 is never touched. With the replica's replay paused, a read through the app
// shows what the replica has (so reads go there), while a read bringing the replay position of
// the caller's write shows the write (the primary answers once the replica is late); once replay
// resumes, the replica shows it too.
//
// As root with Debian's postgresql-common and PostGIS, in the PostgreSQL pass (CI's setup);
// anywhere else it skips with the reason.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { createApiKey } from '../../src/auth/keys.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPostgres, type DatabaseHandle } from '../../src/db/open.js';
import { replayPositionHeader } from '../../src/db/replicas.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { clusterVersion, createCluster, dropCluster } from './private-cluster.js';

const PRIMARY = { port: 9310, name: 'foncierprimary9310' };
const REPLICA = { port: 9311, name: 'foncierreplica9311' };
const url = (port: number, db = 'foncier') => `postgres://postgres@127.0.0.1:${port}/${db}`;

const found = clusterVersion('read replica', ['pg_basebackup']);
const version = 'version' in found ? found.version : '';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe' });

async function query<R extends pg.QueryResultRow>(connection: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: connection });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

let handle: DatabaseHandle;
let app: App;
let adminKey: string;
let plotIds: string[];

beforeAll(async () => {
  if ('skip' in found) return;
  for (const c of [REPLICA, PRIMARY]) dropCluster(version, c.name);
  createCluster(version, PRIMARY.name, PRIMARY.port);
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, PRIMARY.name, 'start']);
  await query(url(PRIMARY.port, 'postgres'), 'CREATE DATABASE foncier');
  const primary = openPostgres(url(PRIMARY.port), 2);
  try {
    await migrateToLatest(primary.db);
    await seedDemoData(primary.db);
    adminKey = (await createApiKey(primary.db, { name: 'replica test', role: 'admin' })).key;
    plotIds = (await primary.db.selectFrom('plots').select('id').orderBy('cnigId').limit(2).execute()).map((p) => p.id);
  } finally {
    await primary.close();
  }
  // The replica: a cluster whose data directory is replaced by a base backup of the primary,
  // with standby.signal and primary_conninfo (-R); its own configuration keeps its port. A fast
  // checkpoint: the default spread one waits up to minutes.
  createCluster(version, REPLICA.name, REPLICA.port);
  const dataDir = `/var/lib/postgresql/${version}/${REPLICA.name}`;
  // Emptied, not removed: the directory stays the postgres user's (its parent is root's).
  for (const entry of readdirSync(dataDir)) rmSync(`${dataDir}/${entry}`, { recursive: true, force: true });
  run('runuser', [
    '-u',
    'postgres',
    '--',
    `/usr/lib/postgresql/${version}/bin/pg_basebackup`,
    ...[
      '-h',
      '127.0.0.1',
      '-p',
      String(PRIMARY.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ],
  ]);
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, REPLICA.name, 'start']);
  handle = openPostgres(url(PRIMARY.port), 4, { readUrls: [url(REPLICA.port)] });
  app = createApp({ db: handle.db, backend: 'postgres', replayPosition: handle.replayPosition });
}, 240_000);

afterAll(async () => {
  await handle?.close();
  if (!('skip' in found)) for (const c of [REPLICA, PRIMARY]) dropCluster(version, c.name);
});

const price = async (id: string, headers: Record<string, string> = {}) => {
  const res = await app.request(`http://localhost/plots/${id}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { priceEurM2: number | null }).priceEurM2;
};

describe.skipIf('skip' in found)('reads on a streaming replica, read-your-writes for the writer', () => {
  it('the replica is a standby of the primary', async () => {
    const [standby] = await query<{ recovery: boolean }>(url(REPLICA.port), 'SELECT pg_is_in_recovery() AS recovery');
    expect(standby!.recovery).toBe(true);
  });

  it('reads go to the replica; a read with the writer’s replay position sees the write', async () => {
    const [other, written] = plotIds as [string, string];
    await query(url(REPLICA.port), 'SELECT pg_wal_replay_pause()');
    // Written on the primary behind the app's back: the paused replica still has the old price.
    const otherBefore = await price(other);
    await query(url(PRIMARY.port), 'UPDATE plots SET price_eur_m2 = 111.5 WHERE id = $1', [other]);
    expect(await price(other)).toBe(otherBefore);

    const current = await app.request(`http://localhost/plots/${written}`);
    const res = await app.request(`http://localhost/plots/${written}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${adminKey}`,
        'content-type': 'application/json',
        'if-match': current.headers.get('etag')!,
      },
      body: JSON.stringify({ priceEurM2: 222.5 }),
    });
    expect(res.status).toBe(200);
    const position = res.headers.get(replayPositionHeader)!;
    expect(position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(res.headers.get('set-cookie')).toContain(`foncier_replay_position=${encodeURIComponent(position)}`);

    // With the position (header or cookie): the write, from the primary while the replica is late.
    expect(await price(written, { [replayPositionHeader]: position })).toBe(222.5);
    expect(await price(written, { cookie: `foncier_replay_position=${encodeURIComponent(position)}` })).toBe(222.5);
    // Without it: the replica's copy, from before the write.
    expect(await price(written)).not.toBe(222.5);

    await query(url(REPLICA.port), 'SELECT pg_wal_replay_resume()');
    const until = Date.now() + 10_000;
    while ((await price(written)) !== 222.5 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await price(written)).toBe(222.5);
    expect(await price(other)).toBe(111.5);
  });
});
