// Helpers for tests of the write side: keys of every kind, geometries, a fingerprint of
// everything a refused write must leave untouched.
import { sql, type Kysely } from 'kysely';
import type { Polygon } from 'geojson';
import { createApiKey } from '../../src/auth/keys.js';
import type { Role } from '../../src/auth/viewer.js';
import type { Database } from '../../src/db/schema.js';
import { forSaleStages } from '../../src/plots/vocabulary.js';
import type { TestContext } from './app.js';

export interface Keys {
  editorIn: string;
  editorOut: string;
  labeller: string;
  decider: string;
  admin: string;
  revoked: string;
  expired: string;
}

export async function createKeys(db: Kysely<Database>, territoryIn: string, territoryOut: string): Promise<Keys> {
  const key = async (name: string, role: Role, territories?: string[], expiresAt?: Date) =>
    (await createApiKey(db, { name, role, territories, expiresAt })).key;
  const revoked = await createApiKey(db, { name: 'revoked editor', role: 'editor', territories: [territoryIn] });
  await db.updateTable('apiKeys').set({ revokedAt: new Date() }).where('id', '=', revoked.id).execute();
  return {
    editorIn: await key('editor in scope', 'editor', [territoryIn]),
    editorOut: await key('editor out of scope', 'editor', [territoryOut]),
    labeller: await key('labeller', 'labeller'),
    decider: await key('decider', 'decider'),
    admin: await key('admin', 'admin'),
    revoked: revoked.key,
    expired: await key('expired editor', 'editor', [territoryIn], new Date(Date.now() - 60_000)),
  };
}

export const bearer = (key: string | undefined): Record<string, string> =>
  key ? { authorization: `Bearer ${key}` } : {};

/** A square of `sideM` metres around a point inside the commune of a live site of the territory. */
export async function squareIn(
  db: Kysely<Database>,
  territoryId: string,
  sideM = 120,
  offset = 0,
): Promise<{ geometry: Polygon; communeInsee: string; siteId: string }> {
  const { rows } = await sql<{ lon: number; lat: number; communeInsee: string; siteId: string }>`
    SELECT ST_X(ST_Centroid(s.geom)) AS lon, ST_Y(ST_Centroid(s.geom)) AS lat, s.commune_insee, s.id AS site_id
    FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territoryId} AND s.deleted_at IS NULL
    ORDER BY s.cnig_id LIMIT 1 OFFSET ${offset}`.execute(db);
  const { lon, lat, communeInsee, siteId } = rows[0]!;
  const dLat = sideM / 2 / 111_000;
  const dLon = sideM / 2 / (111_000 * Math.cos((lat * Math.PI) / 180));
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  const ring = [
    [lon - dLon, lat - dLat],
    [lon + dLon, lat - dLat],
    [lon + dLon, lat + dLat],
    [lon - dLon, lat + dLat],
    [lon - dLon, lat - dLat],
  ].map(([x, y]) => [r(x!), r(y!)]);
  return { geometry: { type: 'Polygon', coordinates: [ring] }, communeInsee, siteId };
}

/** Everything a refused write must not change: catalogue rows, assessments and the audit log. */
export async function fingerprint(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ f: string }>`
    SELECT md5(
      coalesce((
        SELECT string_agg(
          id::text || ':' || version || ':' || coalesce(label_status, '') || ':' || (deleted_at IS NULL)::text,
          ',' ORDER BY id)
        FROM sites), '') || '|' ||
      coalesce((
        SELECT string_agg(id::text || ':' || version || ':' || (deleted_at IS NULL)::text, ',' ORDER BY id)
        FROM plots), '') || '|' ||
      (SELECT count(*) FROM label_assessments)::text || '|' ||
      (SELECT count(*) FROM label_documents)::text || '|' ||
      (SELECT count(*) FROM label_comments)::text || '|' ||
      (SELECT count(*) FROM label_flag_overrides)::text || '|' ||
      (SELECT count(*) FROM audit_log)::text) AS f`.execute(db);
  return rows[0]!.f;
}

/** A valid POST /sites body: a square of `sideM` metres around a live site of the territory. */
export async function newSiteBody(db: Kysely<Database>, territoryId: string, sideM = 150) {
  const { geometry, communeInsee } = await squareIn(db, territoryId, sideM);
  return {
    name: 'Parc test',
    siteType: "zone d'activité économique",
    mainVocation: 'industrielle',
    state: 'en projet',
    usableAreaHa: 2,
    communeInsee,
    ownerType: 'epci',
    geometry,
  };
}

/** `send(method, path, key, body?, headers?)` on the test app: the key as bearer, the body as JSON. */
export const keyedSender =
  (t: TestContext) =>
  (method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.get(path, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
/**
 * Two cadastral parcels side by side (the west and east halves of a square of `sideM` metres
 * inside a site's commune, squareIn), in section `section`: a plot can be made of them.
 */
export async function parcelHalvesIn(
  db: Kysely<Database>,
  territoryId: string,
  sideM: number,
  section: string,
): Promise<{ refs: string[]; communeInsee: string; siteId: string }> {
  const { geometry, communeInsee, siteId } = await squareIn(db, territoryId, sideM);
  const ring = geometry.coordinates[0]!;
  const [west, south] = ring[0]!;
  const [east, north] = ring[2]!;
  const middle = (west! + east!) / 2;
  const refs = [`${communeInsee}000${section}0001`, `${communeInsee}000${section}0002`];
  for (const [id, x0, x1] of [
    [refs[0]!, west!, middle],
    [refs[1]!, middle, east!],
  ] as const)
    await sql`INSERT INTO parcels (id, commune_insee, prefix, section, number, geom)
      VALUES (${id}, ${communeInsee}, '000', ${section}, ${id.slice(-4)}, ST_Multi(ST_MakeEnvelope(${x0}, ${south!}, ${x1}, ${north!}, 4326)))`.execute(
      db,
    );
  return { refs, communeInsee, siteId };
}

/** The live site of the territory with the most live plots for sale (`n`), the same on every copy. */
export async function siteWithMostPlotsForSale(db: Kysely<Database>, territoryId: string) {
  return db
    .selectFrom('sites')
    .innerJoin('territoryEpci', 'territoryEpci.epciSiren', 'sites.epciSiren')
    .innerJoin('plots', 'plots.siteId', 'sites.id')
    .select(['sites.id', 'sites.name', 'sites.powerMw'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('territoryEpci.territoryId', '=', territoryId)
    .where('sites.deletedAt', 'is', null)
    .where('plots.deletedAt', 'is', null)
    .where('plots.marketingStage', 'in', forSaleStages)
    .groupBy(['sites.id', 'sites.name', 'sites.powerMw'])
    .orderBy('n', 'desc')
    .orderBy('sites.cnigId')
    .executeTakeFirstOrThrow();
}
