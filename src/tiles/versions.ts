// The data version and extent behind Foncier's tiles: what TileJSON URLs carry (?v=) so that
// clients may keep a tile for a day, what the cache stamps its entries with, and the bounds.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * The data version: the last write to a site or plot (a soft delete is a write too) in
 * milliseconds (indexed by sql/003_tiles.sql), plus the reference-layer counter that every
 * statement writing brownfields, land cover or PENE perimeters bumps (sql/007_zan_cache.sql):
 * brownfields have no timestamp. Both only grow, so the sum grows whenever either does.
 */
export async function dataVersionMs(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ ms: number | null }>`
    SELECT coalesce(
             floor(extract(epoch FROM greatest(
                     (SELECT max(updated_at) FROM sites),
                     (SELECT max(updated_at) FROM plots))) * 1000),
             0)::float8
      + coalesce((SELECT version FROM zan_reference_version), 0) AS ms`.execute(db);
  return Math.round(rows[0]?.ms ?? 0);
}

/** The data version carried by TileJSON tile URLs: dataVersionMs in base 36. */
export async function dataVersion(db: Kysely<Database>): Promise<string> {
  return (await dataVersionMs(db)).toString(36);
}

/**
 * A URL's ?v= back to milliseconds. A version is a time of the data (plus a small counter):
 * one that is not a number, or lies more than a day ahead (a hand-made URL), counts as 0, any
 * version, so that it cannot make every request miss the cache.
 */
export function parseDataVersion(v: string, now = Date.now()): number {
  const ms = parseInt(v, 36);
  return Number.isFinite(ms) && ms <= now + 86_400_000 ? ms : 0;
}

/** [west, south, east, north] of the data a source shows: all territories, or one. */
export async function dataBounds(
  db: Kysely<Database>,
  territory?: string,
): Promise<[number, number, number, number] | null> {
  const { rows } = await sql<{ w: number | null; s: number | null; e: number | null; n: number | null }>`
    SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (
      SELECT ST_Extent(geom)::geometry AS b
      FROM territories
      ${territory === undefined ? sql`` : sql`WHERE id = ${territory}`}
    ) x`.execute(db);
  const r = rows[0];
  if (!r || r.w === null || r.s === null || r.e === null || r.n === null) return null;
  const round = (v: number, up: boolean) => (up ? Math.ceil(v * 1e4) : Math.floor(v * 1e4)) / 1e4;
  return [round(r.w, false), round(r.s, false), round(r.e, true), round(r.n, true)];
}

export async function territoryExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('territories').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
