// The pre-aggregated cluster cells (sql/016) against the clusters built from the members: after
// writes of every kind (insert, geometry and aggregated-column updates, soft delete and restore,
// hard delete, a site's EPCI, a commune's EPCI, a territory's members, a set-based update), the
// cluster tiles read from the cells are byte for byte the tiles aggregated on the fly, national
// and per territory, at every cluster zoom; and the cells the triggers kept equal a full
// recomputation. On both backends (the triggers and the cell SQL are the same on PGlite).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { forSaleStages } from '../../src/plots/vocabulary.js';
import { tileLayers } from '../../src/tiles/layers.js';
import { encoderFor, PostgisLayerSource } from '../../src/tiles/sources.js';
import { tileAt } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let db: Kysely<Database>;
/** Where the writes happened (before and after), and the territories to draw. */
const places: [number, number][] = [];
let territoryIds: string[] = [];

type CopiedTable = 'sites' | 'plots' | 'brownfields';

/** Copies rows of a table with some columns replaced (new ids, moved geometries): an INSERT … SELECT. */
async function copyRows(table: CopiedTable, where: RawBuilder<unknown>, set: Record<string, RawBuilder<unknown>>) {
  const { rows } = await sql<{ name: string }>`
    SELECT column_name AS name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table} AND is_generated = 'NEVER'
    ORDER BY ordinal_position`.execute(db);
  const names = rows.map((r) => r.name);
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((n) => sql.id(n)))})
    SELECT ${sql.join(names.map((n) => set[n] ?? sql.id(n)))} FROM ${sql.table(table)} WHERE ${where}`.execute(db);
}

async function remember(table: CopiedTable, where: RawBuilder<unknown>) {
  const { rows } = await sql<{ lon: number; lat: number }>`
    SELECT ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat FROM ${sql.table(table)} WHERE ${where}`.execute(
    db,
  );
  for (const r of rows) places.push([r.lon, r.lat]);
}

/** A plot, site or brownfield by rank, for writes that must each touch a different one. */
const nth = async (table: CopiedTable, n: number, where: RawBuilder<unknown> = sql`true`) =>
  (
    await sql<{
      id: string;
    }>`SELECT id::text AS id FROM ${sql.table(table)} WHERE ${where} ORDER BY id OFFSET ${n} LIMIT 1`.execute(db)
  ).rows[0]!.id;

beforeAll(async () => {
  t = await openTestApp();
  db = t.handle.db;
  territoryIds = (
    await sql<{ id: string }>`SELECT DISTINCT territory_id AS id FROM territory_epci ORDER BY 1 LIMIT 2`.execute(db)
  ).rows.map((r) => r.id);
  const plot = (n: number) => nth('plots', n, sql`deleted_at IS NULL`);
  const byId = (id: string) => sql`id::text = ${id}`;

  // Inserts: copies of plots nearby, and two copies of one plot far from the others (a cell of
  // two, one of which is then deleted: the cell of one must name the other).
  const copied = await plot(0);
  await copyRows('plots', byId(copied), {
    id: sql`gen_random_uuid()`,
    cnig_id: sql`cnig_id || '-copy'`,
    geom: sql`ST_Translate(geom, 0.05, 0.02)`,
  });
  const lonely = await plot(1);
  for (const suffix of ['-far-1', '-far-2'])
    await copyRows('plots', byId(lonely), {
      id: sql`gen_random_uuid()`,
      cnig_id: sql`cnig_id || ${suffix}`,
      geom: sql`ST_Translate(geom, 0.61, -0.43)`,
    });
  await remember('plots', sql`cnig_id LIKE '%-copy' OR cnig_id LIKE '%-far-_'`);
  await sql`DELETE FROM plots WHERE cnig_id LIKE '%-far-1'`.execute(db);

  // A plot moved, one made for sale, turnkey and a brownfield, one soft-deleted, one
  // soft-deleted and restored, one hard-deleted.
  const moved = await plot(2);
  await remember('plots', byId(moved));
  await sql`UPDATE plots SET geom = ST_Translate(geom, -0.2, 0.15) WHERE id::text = ${moved}`.execute(db);
  await remember('plots', byId(moved));
  const changed = await plot(3);
  await sql`UPDATE plots SET marketing_stage = 'en vente', turnkey = NOT coalesce(turnkey, false), occupation = 'friche'
    WHERE id::text = ${changed}`.execute(db);
  await remember('plots', byId(changed));
  const softDeleted = await plot(4);
  const restored = await plot(5);
  await sql`UPDATE plots SET deleted_at = now() WHERE id::text IN (${softDeleted}, ${restored})`.execute(db);
  await sql`UPDATE plots SET deleted_at = NULL WHERE id::text = ${restored}`.execute(db);
  const hardDeleted = await plot(6);
  await remember('plots', sql`id::text IN (${softDeleted}, ${hardDeleted})`);
  await sql`DELETE FROM plots WHERE id::text = ${hardDeleted}`.execute(db);

  // Sites: a copy, a move, the label and programme, a soft delete, and one carried (with its
  // plots) to an EPCI of another territory.
  const site = (n: number) => nth('sites', n, sql`deleted_at IS NULL`);
  const siteCopied = await site(0);
  await copyRows('sites', byId(siteCopied), {
    id: sql`gen_random_uuid()`,
    cnig_id: sql`cnig_id || '-copy'`,
    geom: sql`ST_Translate(geom, 0.4, 0.1)`,
  });
  await remember('sites', sql`cnig_id LIKE '%-copy'`);
  const siteMoved = await site(1);
  await sql`UPDATE sites SET geom = ST_Translate(geom, 0.5, -0.3), label_status = 'labelled',
      turnkey_programme = coalesce(turnkey_programme, 'clés en main')
    WHERE id::text = ${siteMoved}`.execute(db);
  await remember('sites', byId(siteMoved));
  await sql`UPDATE sites SET deleted_at = now() WHERE id::text = ${await site(2)}`.execute(db);
  const { rows: withPlots } = await sql<{ id: string; epci: string }>`
    SELECT s.id::text AS id, s.epci_siren AS epci FROM sites s
    WHERE EXISTS (SELECT 1 FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL)
    ORDER BY s.id LIMIT 1`.execute(db);
  const other = await sql<{ siren: string }>`
    SELECT epci_siren AS siren FROM territory_epci WHERE epci_siren <> ${withPlots[0]!.epci} ORDER BY 1 LIMIT 1`.execute(
    db,
  );
  await sql`UPDATE sites SET epci_siren = ${other.rows[0]!.siren} WHERE id::text = ${withPlots[0]!.id}`.execute(db);
  await remember('sites', byId(withPlots[0]!.id));

  // Brownfields: a copy, a move with new figures, a delete, and a commune carried to another EPCI.
  const brownfield = (n: number) => nth('brownfields', n);
  const bCopied = await brownfield(0);
  await copyRows('brownfields', byId(bCopied), { id: sql`id || '-copy'`, geom: sql`ST_Translate(geom, 0.1, 0.1)` });
  const bMoved = await brownfield(1);
  await sql`UPDATE brownfields SET geom = ST_Translate(geom, -0.3, 0.2), surface_m2 = coalesce(surface_m2, 0) + 1234.5,
      status = 'friche sans projet'
    WHERE id = ${bMoved}`.execute(db);
  await remember('brownfields', sql`id IN (${bMoved}, ${`${bCopied}-copy`})`);
  await sql`DELETE FROM brownfields WHERE id = ${await brownfield(2)}`.execute(db);
  await sql`UPDATE communes SET epci_siren = ${other.rows[0]!.siren}
    WHERE insee = (SELECT commune_insee FROM brownfields WHERE commune_insee IS NOT NULL ORDER BY id LIMIT 1)`.execute(
    db,
  );
  await remember(
    'brownfields',
    sql`id = (SELECT id FROM brownfields WHERE commune_insee IS NOT NULL ORDER BY id LIMIT 1)`,
  );

  // A territory's members: one EPCI left, another joined (the cells are per EPCI: nothing to keep).
  const { rows: members } = await sql<{ siren: string }>`
    SELECT epci_siren AS siren FROM territory_epci WHERE territory_id = ${territoryIds[0]!} ORDER BY 1`.execute(db);
  if (members.length > 1)
    await sql`DELETE FROM territory_epci WHERE territory_id = ${territoryIds[0]!} AND epci_siren = ${members[0]!.siren}`.execute(
      db,
    );
  await sql`INSERT INTO territory_epci (territory_id, epci_siren)
    SELECT ${territoryIds[0]!}, te.epci_siren FROM territory_epci te
    WHERE te.territory_id <> ${territoryIds[0]!}
      AND te.epci_siren NOT IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryIds[0]!})
    ORDER BY 2 LIMIT 1`.execute(db);

  // A set-based write: every third plot of the first territory marked for sale, in one statement.
  await sql`UPDATE plots SET marketing_stage = 'en vente avec contraintes'
    WHERE site_id IN (SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
      WHERE te.territory_id = ${territoryIds[1] ?? territoryIds[0]!}) AND right(id::text, 1) IN ('0', '5', 'a')`.execute(
    db,
  );
}, 120_000);
afterAll(async () => t?.close());

describe('pre-aggregated cluster cells', () => {
  it('the for-sale stages of the cells are those of plots/vocabulary.ts', async () => {
    const { rows } = await sql<{ columns: string }>`SELECT foncier_cluster_columns('plots') AS columns`.execute(db);
    expect(rows[0]!.columns).toContain(`IN (${forSaleStages.map((s) => `'${s}'`).join(', ')})`);
  });

  it('after writes of every kind, cluster tiles from the cells are byte for byte those built from the members', async () => {
    const encoder = encoderFor(t.handle.kind);
    let compared = 0;
    let nonEmpty = 0;
    for (const layer of tileLayers.filter((l) => l.clusterBelow > 0)) {
      const fromCells = new PostgisLayerSource(db, layer, encoder, 'cells');
      const fromMembers = new PostgisLayerSource(db, layer, encoder, 'members');
      for (let z = layer.minzoom; z < layer.clusterBelow; z++) {
        const tiles = new Map(
          places.map(([lon, lat]) => tileAt(lon, lat, z)).map((tile) => [`${tile.x}/${tile.y}`, tile]),
        );
        for (const [key, { x, y }] of tiles)
          for (const territory of [undefined, ...territoryIds]) {
            const a = await fromCells.tile(z, x, y, { territory });
            const b = await fromMembers.tile(z, x, y, { territory });
            expect(a === null ? null : Buffer.from(a).toString('hex'), `${layer.id} ${z}/${key} ${territory}`).toBe(
              b === null ? null : Buffer.from(b).toString('hex'),
            );
            compared++;
            if (a) nonEmpty++;
          }
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(nonEmpty).toBeGreaterThan(compared / 3);
  }, 120_000);

  it('the cells the triggers kept equal a full recomputation from the base rows, digit for digit', async () => {
    // As text, so that the scale of the coordinate sums counts too (the mean divides at it); the
    // area sums only meet round(…, 2) and keep the scale of whatever was added: their value counts.
    const snapshot = async () =>
      (
        await sql<{ row: string }>`
          SELECT (c.layer, c.level, c.cy, c.cx, c.epci_siren, c.members, c.sum_x, c.sum_y, trim_scale(c.sum_a),
            trim_scale(c.sum_b), c.count_a, c.count_b, c.count_c, c.member_id)::text AS row
          FROM cluster_cells c ORDER BY 1`.execute(db)
      ).rows.map((r) => r.row);
    const kept = await snapshot();
    await sql`SELECT foncier_cluster_cells_rebuild()`.execute(db);
    const rebuilt = await snapshot();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(rebuilt);
    // No cell left empty or unnamed by a statement.
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM cluster_cells WHERE members <= 0 OR (members = 1) <> (member_id IS NOT NULL)`.execute(
      db,
    );
    expect(rows[0]!.n).toBe(0);
  }, 60_000);

  it('every level of cells is the members grouped at that level (sql/022 sums each from the level below)', async () => {
    const cells = async (layer: CopiedTable) =>
      (
        await sql<{ row: string }>`
          SELECT (c.level, c.cy, c.cx, c.epci_siren, c.members, c.sum_x, c.sum_y, trim_scale(c.sum_a),
            trim_scale(c.sum_b), c.count_a, c.count_b, c.count_c, c.member_id)::text AS row
          FROM cluster_cells c WHERE c.layer = ${layer} ORDER BY 1`.execute(db)
      ).rows.map((r) => r.row);
    for (const layer of ['sites', 'plots', 'brownfields'] as const) {
      const { rows } = await sql<{ members: string; lowest: number; highest: number }>`
        SELECT foncier_cluster_members_sql(${layer}, ${layer}, 1) AS members,
          lower(foncier_cluster_levels(${layer})) AS lowest, upper(foncier_cluster_levels(${layer})) - 1 AS highest`.execute(
        db,
      );
      const { members, lowest, highest } = rows[0]!;
      // Each level on its own, straight from the members (the grouping sql/019 did).
      const { rows: grouped } = await sql<{ row: string }>`
        SELECT (g.level, g.cy, g.cx, g.epci_siren, g.members, g.sum_x, g.sum_y, trim_scale(g.sum_a),
          trim_scale(g.sum_b), g.count_a, g.count_b, g.count_c, g.member_id)::text AS row
        FROM (
          SELECT l.level, foncier_cluster_cy(foncier_cluster_my(m.box), l.level) AS cy,
            foncier_cluster_cx(foncier_cluster_mx(m.box), l.level) AS cx, m.epci_siren,
            count(*) AS members,
            sum(foncier_cluster_coordinate(foncier_cluster_mx(m.box))) AS sum_x,
            sum(foncier_cluster_coordinate(foncier_cluster_my(m.box))) AS sum_y,
            sum(m.sum_a) AS sum_a, sum(m.sum_b) AS sum_b,
            sum(m.count_a) AS count_a, sum(m.count_b) AS count_b, sum(m.count_c) AS count_c,
            CASE WHEN count(*) = 1 THEN max(m.id) END AS member_id
          FROM (${sql.raw(members)}) m CROSS JOIN generate_series(CAST(${lowest} AS integer), CAST(${highest} AS integer)) AS l(level)
          GROUP BY 1, 2, 3, 4
        ) g
        ORDER BY 1`.execute(db);
      const levels = new Set(grouped.map((r) => r.row.split(',')[0]));
      expect(levels.size, layer).toBe(highest - lowest + 1);
      expect(await cells(layer), layer).toEqual(grouped.map((r) => r.row));
    }
  }, 60_000);
});
