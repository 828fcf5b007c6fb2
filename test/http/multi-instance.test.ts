// More than one instance (issue #18): two real servers (`src/server.ts` as children, ports
// 9301 and 9302) on one PostgreSQL database. A write through A, and one made by another
// process straight in the database (as the CLI does), each drop on B exactly the tiles the
// written plot lies in (sql/015's NOTIFY, src/change-relay.ts), and B's unrelated tiles stay
// cached. PostgreSQL only: the embedded database is one process, its in-process feed stays.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import type { DatabaseHandle } from '../../src/db/open.js';
import { tileAt, type TileCoord } from '../../tiles/tile-math.js';
import { copyTemplate, type TemplateCopy } from '../support/template.js';

const PORTS = { a: 9301, b: 9302 };
const root = new URL('../..', import.meta.url).pathname;
const onPostgres = !!process.env.DATABASE_URL;
if (!onPostgres) console.log('multi-instance test skipped: it needs DATABASE_URL (PostgreSQL), PGlite is one process');

let copy: TemplateCopy;
let handle: DatabaseHandle;
let adminKey: string;
const children: ChildProcess[] = [];

function startServer(port: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...copy.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"listening"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server on ${port} exited (${code}): ${lines.join('\n')}`)));
  });
}

interface Plot {
  id: string;
  tile: TileCoord;
}

/** The first live plot (by CNIG id) of the n-th territory, and its z14 tile. */
async function plotOf(territoryOffset: number): Promise<Plot> {
  const { rows } = await sql<{ id: string; lon: number; lat: number }>`
    SELECT p.id, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE p.deleted_at IS NULL
      AND te.territory_id = (SELECT id FROM territories ORDER BY id OFFSET ${territoryOffset} LIMIT 1)
    ORDER BY p.cnig_id LIMIT 1`.execute(handle.db);
  const { id, lon, lat } = rows[0]!;
  return { id, tile: tileAt(lon, lat, 14) };
}

/** The composite tile, or with `query` (e.g. `?territory=`) and `layer` one layer's. */
async function tile(server: keyof typeof PORTS, { z, x, y }: TileCoord, query = '', layer = '') {
  const path = `/tiles/${layer ? `${layer}/` : ''}${z}/${x}/${y}.mvt${query}`;
  const res = await fetch(`http://127.0.0.1:${PORTS[server]}${path}`, {
    headers: { 'accept-encoding': 'identity' },
  });
  expect(res.status).toBe(200);
  return { cache: res.headers.get('x-tile-cache'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Polls until B answers the tile from the database again (its cached copy dropped), 10 s at most. */
async function missOnB(coord: TileCoord, query = '', layer = '') {
  const until = Date.now() + 10_000;
  for (;;) {
    const answer = await tile('b', coord, query, layer);
    if (answer.cache === 'miss' || Date.now() > until) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  if (!onPostgres) return;
  copy = await copyTemplate(inject('templateLocation'));
  handle = await copy.open();
  adminKey = (await createApiKey(handle.db, { name: 'multi-instance', role: 'admin' })).key;
  await Promise.all([startServer(PORTS.a), startServer(PORTS.b)]);
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await handle?.close();
  await copy?.drop();
});

describe.skipIf(!onPostgres)('two servers on one database', () => {
  it("a write through A drops B's cached tile of the plot, and only it", async () => {
    const [written, unrelated] = [await plotOf(0), await plotOf(1)];
    expect(`${unrelated.tile.x}/${unrelated.tile.y}`).not.toBe(`${written.tile.x}/${written.tile.y}`);
    // B caches both tiles.
    const before = await tile('b', written.tile);
    expect((await tile('b', written.tile)).cache).toBe('hit');
    await tile('b', unrelated.tile);
    expect((await tile('b', unrelated.tile)).cache).toBe('hit');

    const current = await fetch(`http://127.0.0.1:${PORTS.a}/plots/${written.id}`);
    const res = await fetch(`http://127.0.0.1:${PORTS.a}/plots/${written.id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${adminKey}`,
        'content-type': 'application/json',
        'if-match': current.headers.get('etag')!,
      },
      body: JSON.stringify({ priceEurM2: 4321.5 }),
    });
    expect(res.status).toBe(200);

    const after = await missOnB(written.tile);
    expect(after.cache).toBe('miss');
    // The tile B now serves carries the new price: it differs from what B had cached.
    expect(after.bytes.equals(before.bytes)).toBe(false);
    expect((await tile('b', unrelated.tile)).cache).toBe('hit');
  });

  it('a write by another process straight in the database (the CLI) is heard by both servers', async () => {
    const [written, unrelated] = [await plotOf(2), await plotOf(3)];
    for (const server of ['a', 'b'] as const) {
      await tile(server, written.tile);
      await tile(server, unrelated.tile);
    }
    await handle.db.updateTable('plots').set({ priceEurM2: 17.25 }).where('id', '=', written.id).execute();
    expect((await missOnB(written.tile)).cache).toBe('miss');
    expect((await tile('a', written.tile)).cache).toBe('miss');
    expect((await tile('a', unrelated.tile)).cache).toBe('hit');
    expect((await tile('b', unrelated.tile)).cache).toBe('hit');
  });

  it("a site carried to another territory by another process drops both servers' territory tiles of its plots (sql/020)", async () => {
    const written = await plotOf(4);
    const { rows } = await sql<{ siteId: string; territory: string; epciSiren: string; elsewhere: string }>`
      SELECT s.id AS site_id, te.territory_id AS territory, s.epci_siren,
        (SELECT o.epci_siren FROM territory_epci o
         WHERE o.epci_siren NOT IN (SELECT epci_siren FROM territory_epci WHERE territory_id = te.territory_id)
         ORDER BY o.epci_siren LIMIT 1) AS elsewhere
      FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE p.id = ${written.id} ORDER BY te.territory_id LIMIT 1`.execute(handle.db);
    const { siteId, territory, epciSiren, elsewhere } = rows[0]!;
    const query = `?territory=${territory}`;
    // Its z12 tile: the plots' clusters, which count every plot however small.
    const clusters = { z: 12, x: written.tile.x >> 2, y: written.tile.y >> 2 };
    const unrelated = await plotOf(1);
    // The plots layer alone: the site's own box (sql/015) drops the composite tiles it meets.
    for (const server of ['a', 'b'] as const) {
      await tile(server, clusters, query, 'plots');
      expect((await tile(server, clusters, query, 'plots')).cache).toBe('hit');
      await tile(server, unrelated.tile);
    }
    // The plots stay where they are; only their site's EPCI changes.
    await sql`UPDATE sites SET epci_siren = ${elsewhere} WHERE id = ${siteId}`.execute(handle.db);
    expect((await missOnB(clusters, query, 'plots')).cache).toBe('miss');
    expect((await tile('a', clusters, query, 'plots')).cache).toBe('miss');
    expect((await tile('b', unrelated.tile)).cache).toBe('hit');
    await sql`UPDATE sites SET epci_siren = ${epciSiren} WHERE id = ${siteId}`.execute(handle.db);
  });

  it("boundaries written by another process (an import of communes) reset both servers' caches (sql/020)", async () => {
    const cached = await plotOf(5);
    for (const server of ['a', 'b'] as const) {
      await tile(server, cached.tile);
      expect((await tile(server, cached.tile)).cache).toBe('hit');
    }
    // A statement that writes no row resets nothing.
    await sql`UPDATE communes SET name = name WHERE insee = 'none'`.execute(handle.db);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await tile('b', cached.tile)).cache).toBe('hit');
    await sql`UPDATE communes SET name = name WHERE insee = (SELECT min(insee) FROM communes)`.execute(handle.db);
    expect((await missOnB(cached.tile)).cache).toBe('miss');
    expect((await tile('a', cached.tile)).cache).toBe('miss');
  });
});
