// Writes of sites and plots: create, update (If-Match), soft delete. Each write runs in one
// transaction that checks role, territory scope, geometry and version, changes the row,
// bumps its version and appends before/after to the audit log; the change feed hears of it
// only after the commit. A refused write changes nothing.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { recordAudit, snapshot } from '../audit/repository.js';
import { canSeePersonalData, requireRole, requireTerritoryScope, type Viewer } from '../auth/viewer.js';
import type { ChangeFeed } from '../changes.js';
import type { Database } from '../db/schema.js';
import { asGeoJson } from '../db/postgis.js';
import { AppError, ConflictError, invalidParam, NotFoundError } from '../http/errors.js';
import { checkVersion } from '../http/preconditions.js';
import { checkGeometry, type PolygonalGeometry } from '../geometry/input.js';
import { parcelsUnion } from '../importers/admin-upsert.js';
import type { PlotInput, PlotPatch, SiteInput, SitePatch } from './inputs.js';

export interface WriteContext {
  db: Kysely<Database>;
  viewer: Viewer;
  changes: ChangeFeed;
  /** The day written as updatedOn/identifiedOn (the app's clock). */
  today: string;
}

type Entity = 'site' | 'plot';
const tables = { site: 'sites', plot: 'plots' } as const;

const geomFrom = (g: PolygonalGeometry) => sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), 4326))`;
const areaHaOf = (g: PolygonalGeometry) =>
  sql<number>`ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), 4326)::geography) / 10000`;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

async function communeTerritories(db: Kysely<Database>, insee: string) {
  const { rows } = await sql<{ epciSiren: string | null; territories: string[] }>`
    SELECT c.epci_siren, coalesce(array_agg(te.territory_id ORDER BY te.territory_id) FILTER (WHERE te.territory_id IS NOT NULL), '{}') AS territories
    FROM communes c LEFT JOIN territory_epci te ON te.epci_siren = c.epci_siren
    WHERE c.insee = ${insee} GROUP BY c.epci_siren`.execute(db);
  return rows[0];
}

/** The territories a geometry must lie in: those of its commune that the writer may act in. */
async function requireInsideTerritories(
  db: Kysely<Database>,
  viewer: Viewer,
  geometry: PolygonalGeometry,
  territories: string[],
): Promise<void> {
  const allowed = viewer.role === 'editor' ? territories.filter((t) => viewer.territories.includes(t)) : territories;
  if (allowed.length === 0) return;
  const { rows } = await sql<{ inside: boolean }>`
    SELECT coalesce(bool_or(ST_CoveredBy(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), t.geom)), false) AS inside
    FROM territories t WHERE t.id IN (${sql.join(allowed)})`.execute(db);
  if (!rows[0]?.inside)
    throw new AppError('unprocessable', `the geometry does not lie inside the territory ${allowed.join(' or ')}`, {
      invalidParams: [{ in: 'body', name: 'geometry', message: 'outside the territory' }],
    });
}

async function afterCommit(
  ctx: WriteContext,
  entity: Entity,
  id: string,
  action: 'create' | 'update' | 'delete',
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
) {
  ctx.changes.publish({
    entity,
    id,
    action,
    before: (before?.geometry as PolygonalGeometry | undefined) ?? null,
    after: (after?.geometry as PolygonalGeometry | undefined) ?? null,
  });
  if (entity === 'site' && before && after && before.epciSiren !== after.epciSiren) {
    // Another EPCI puts the site's plots in other territories: their `?territory=` tiles change
    // though the plots did not move (other instances hear it from sql/020).
    const plots = await ctx.db
      .selectFrom('plots')
      .select((eb) => ['id', asGeoJson(eb.ref('geom')).as('geometry')])
      .where('siteId', '=', id)
      .where('deletedAt', 'is', null)
      .execute();
    for (const plot of plots) {
      const geometry = plot.geometry as PolygonalGeometry;
      ctx.changes.publish({ entity: 'plot', id: plot.id, action: 'update', before: geometry, after: geometry });
    }
  }
  if (entity === 'plot') {
    // A plot write changes its site's offer (sql/012 triggers): the site is drawn with it.
    const siteIds = [...new Set([before?.siteId, after?.siteId].filter((v): v is string => typeof v === 'string'))];
    const sites = await ctx.db
      .selectFrom('sites')
      .select((eb) => ['id', asGeoJson(eb.ref('geom')).as('geometry')])
      .where('id', 'in', siteIds)
      .execute();
    for (const site of sites) {
      const geometry = site.geometry as PolygonalGeometry;
      ctx.changes.publish({ entity: 'site', id: site.id, action: 'update', before: geometry, after: geometry });
    }
  }
}

interface LockedRow {
  version: number;
  territories: string[];
  siteId: string | null;
  communeInsee: string | null;
}

/** Locks the live row and checks scope and version; returns its territories. */
async function lockForWrite(trx: Kysely<Database>, ctx: WriteContext, entity: Entity, id: string, ifMatch: string) {
  const table = tables[entity];
  const { rows } = await sql<LockedRow>`
    SELECT r.version, ${entity === 'plot' ? sql`r.site_id` : sql`NULL::uuid`} AS site_id, ${entity === 'site' ? sql`r.commune_insee` : sql`NULL::text`} AS commune_insee,
           coalesce((SELECT array_agg(te.territory_id ORDER BY te.territory_id) FROM territory_epci te WHERE te.epci_siren = s.epci_siren), '{}') AS territories
    FROM ${sql.table(table)} r JOIN sites s ON s.id = ${entity === 'plot' ? sql`r.site_id` : sql`r.id`}
    WHERE r.id = ${id} AND r.deleted_at IS NULL
    FOR UPDATE OF r`.execute(trx);
  const row = rows[0];
  if (!row) throw new NotFoundError(entity, id);
  requireTerritoryScope(ctx.viewer, row.territories);
  checkVersion(entity, id, row.version, ifMatch);
  return row;
}

type Row = Record<string, unknown>;

/** Inserts a row, audits it, announces it after the commit. */
async function insertAudited(
  ctx: WriteContext,
  entity: Entity,
  id: string,
  insert: (trx: Kysely<Database>) => Promise<unknown>,
  cnigId: string | undefined,
): Promise<void> {
  const after = await ctx.db
    .transaction()
    .execute(async (trx) => {
      await insert(trx);
      const after = await snapshot(trx, tables[entity], id);
      await recordAudit(trx, ctx.viewer, { action: 'create', entity, entityId: id, after });
      return after;
    })
    .catch(rethrowDuplicate(entity, cnigId));
  await afterCommit(ctx, entity, id, 'create', undefined, after);
}

/**
 * Changes a live row at the version If-Match names. `prepare` runs inside the transaction,
 * after the lock and the scope and version checks, and returns the columns to set.
 */
async function updateAudited(
  ctx: WriteContext,
  entity: Entity,
  id: string,
  ifMatch: string,
  prepare: (trx: Kysely<Database>, current: LockedRow) => Promise<Row>,
  cnigId: string | undefined,
  /** Why, for the audit log (a delete's reason). */
  reason?: string,
): Promise<void> {
  const table = tables[entity];
  const [before, after] = await ctx.db
    .transaction()
    .execute(async (trx) => {
      const current = await lockForWrite(trx, ctx, entity, id, ifMatch);
      const changes = await prepare(trx, current);
      const before = await snapshot(trx, table, id);
      await sql`UPDATE ${sql.table(table)} SET ${sql.join(
        Object.entries({
          ...changes,
          version: sql`version + 1`,
          updatedAt: sql`now()`,
          ...(changes.deletedAt ? {} : { updatedOn: sql`${ctx.today}::date` }),
        }).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
      )} WHERE id = ${id}`.execute(trx);
      const after = await snapshot(trx, table, id);
      await recordAudit(trx, ctx.viewer, {
        action: changes.deletedAt ? 'delete' : 'update',
        entity,
        entityId: id,
        before,
        after,
        ...(reason ? { reason } : {}),
      });
      return [before, after] as const;
    })
    .catch(rethrowDuplicate(entity, cnigId));
  await afterCommit(ctx, entity, id, actionOf(after), before, after);
}

const actionOf = (after: Row | undefined): 'update' | 'delete' => (after?.deletedAt ? 'delete' : 'update');

function rethrowDuplicate(entity: Entity, cnigId: string | undefined) {
  return (error: unknown): never => {
    if (isUniqueViolation(error))
      throw new ConflictError(`a ${entity} with cnigId ${JSON.stringify(cnigId)} already exists`);
    throw error;
  };
}

export async function createSite(ctx: WriteContext, input: SiteInput): Promise<string> {
  requireRole(ctx.viewer, 'editor', 'admin');
  const commune = await communeTerritories(ctx.db, input.communeInsee);
  if (!commune?.epciSiren)
    throw invalidParam(
      'body',
      'communeInsee',
      `commune ${input.communeInsee} is not in the catalogue or belongs to no EPCI`,
    );
  requireTerritoryScope(ctx.viewer, commune.territories);
  await checkGeometry(ctx.db, input.geometry);
  await requireInsideTerritories(ctx.db, ctx.viewer, input.geometry, commune.territories);
  const id = randomUUID();
  const { geometry, ...fields } = input;
  await insertAudited(
    ctx,
    'site',
    id,
    (trx) =>
      trx
        .insertInto('sites')
        .values({
          ...fields,
          id,
          cnigId: input.cnigId ?? `${input.communeInsee}_SITE-ECO_${id.slice(0, 8).toUpperCase()}`,
          epciSiren: commune.epciSiren!,
          grossAreaHa: areaHaOf(geometry),
          identifiedOn: input.identifiedOn ?? ctx.today,
          updatedOn: ctx.today,
          geom: geomFrom(geometry),
        })
        .execute(),
    input.cnigId,
  );
  return id;
}

export async function updateSite(ctx: WriteContext, id: string, ifMatch: string, patch: SitePatch): Promise<void> {
  requireRole(ctx.viewer, 'editor', 'admin');
  const { geometry, ...fields } = patch;
  await updateAudited(
    ctx,
    'site',
    id,
    ifMatch,
    async (trx, current) => {
      let epciSiren: string | undefined;
      let territories = current.territories;
      if (patch.communeInsee && patch.communeInsee !== current.communeInsee) {
        const commune = await communeTerritories(trx, patch.communeInsee);
        if (!commune?.epciSiren)
          throw invalidParam(
            'body',
            'communeInsee',
            `commune ${patch.communeInsee} is not in the catalogue or belongs to no EPCI`,
          );
        requireTerritoryScope(ctx.viewer, commune.territories);
        epciSiren = commune.epciSiren;
        territories = commune.territories;
      }
      if (geometry) {
        await checkGeometry(trx, geometry);
        await requireInsideTerritories(trx, ctx.viewer, geometry, territories);
      } else if (epciSiren) {
        // A new commune may put the site in another territory: its geometry must lie there too.
        const { rows } = await sql<{
          geometry: PolygonalGeometry;
        }>`SELECT ST_AsGeoJSON(geom)::json AS geometry FROM sites WHERE id = ${id}`.execute(trx);
        await requireInsideTerritories(trx, ctx.viewer, rows[0]!.geometry, territories);
      }
      return {
        ...fields,
        ...(epciSiren ? { epciSiren } : {}),
        ...(geometry ? { geom: geomFrom(geometry), grossAreaHa: areaHaOf(geometry) } : {}),
      };
    },
    patch.cnigId,
  );
}

export async function deleteSite(ctx: WriteContext, id: string, ifMatch: string, reason?: string): Promise<void> {
  requireRole(ctx.viewer, 'editor', 'admin');
  await updateAudited(
    ctx,
    'site',
    id,
    ifMatch,
    async (trx) => {
      const live = await trx
        .selectFrom('plots')
        .where('siteId', '=', id)
        .where('deletedAt', 'is', null)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (live.n > 0)
        throw new ConflictError(`the site still has ${live.n} plots: delete them first`, { plots: live.n });
      return { deletedAt: sql`now()` };
    },
    undefined,
    reason,
  );
}

async function siteForPlot(db: Kysely<Database>, siteId: string) {
  const { rows } = await sql<{ territories: string[] }>`
    SELECT coalesce((SELECT array_agg(te.territory_id ORDER BY te.territory_id) FROM territory_epci te WHERE te.epci_siren = s.epci_siren), '{}') AS territories
    FROM sites s WHERE s.id = ${siteId} AND s.deleted_at IS NULL`.execute(db);
  return rows[0];
}

/** The commune a plot lies in: the one holding its point on surface. */
const communeOf = (g: PolygonalGeometry) =>
  sql<string>`(SELECT c.insee FROM communes c WHERE ST_Intersects(c.geom, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), 4326))) ORDER BY c.insee LIMIT 1)`;

const parties = [
  { flag: 'ownerIsNaturalPerson', name: 'ownerName', party: 'owner' },
  { flag: 'buyerIsNaturalPerson', name: 'buyerName', party: 'buyer' },
] as const;

/**
 * Only an admin may declare that an owner or buyer is not a natural person: that makes the
 * name public (plots/representation.ts), so an editor saying so is a 403 naming the field.
 */
export function requireNaturalPersonRights(
  viewer: Viewer,
  fields: Pick<PlotPatch, 'ownerIsNaturalPerson' | 'buyerIsNaturalPerson'>,
): void {
  if (canSeePersonalData(viewer)) return;
  for (const { flag, party } of parties) {
    if (fields[flag] === false) {
      throw new AppError(
        'forbidden',
        `only an admin may declare that the ${party} is not a natural person (${flag}: false)`,
        {
          invalidParams: [{ in: 'body', name: flag, message: 'only an admin may set it to false' }],
        },
      );
    }
  }
}

/** A name given by someone who may not declare it a legal person's is presumed a natural person's. */
function presumedNaturalPersons(
  viewer: Viewer,
  given: Pick<PlotPatch, 'ownerName' | 'buyerName'>,
  current?: Partial<Record<'ownerName' | 'buyerName', string | null>>,
): Row {
  if (canSeePersonalData(viewer)) return {};
  const flags: Row = {};
  for (const { flag, name } of parties) {
    if (given[name] && given[name] !== current?.[name]) flags[flag] = true;
  }
  return flags;
}

/** A plot given by its cadastral parcels: their union, from the cadastre table. */
async function outlineOfParcels(db: Kysely<Database>, refs: string[]): Promise<PolygonalGeometry> {
  if (refs.length === 0)
    throw invalidParam('body', 'geometry', 'a geometry, or cadastralRefs whose union becomes the outline, is required');
  const union = await parcelsUnion(db, refs);
  if (union.missing.length > 0)
    throw invalidParam(
      'body',
      'cadastralRefs',
      `unknown parcels (import them with foncier import cadastre): ${union.missing.join(', ')}`,
    );
  return JSON.parse(union.geojson!) as PolygonalGeometry;
}

export async function createPlot(ctx: WriteContext, input: PlotInput): Promise<string> {
  requireRole(ctx.viewer, 'editor', 'admin');
  requireNaturalPersonRights(ctx.viewer, input);
  const site = await siteForPlot(ctx.db, input.siteId);
  if (!site) throw invalidParam('body', 'siteId', `site ${input.siteId} does not exist`);
  requireTerritoryScope(ctx.viewer, site.territories);
  const { geometry: drawn, ...fields } = input;
  const geometry = drawn ?? (await outlineOfParcels(ctx.db, input.cadastralRefs ?? []));
  await checkGeometry(ctx.db, geometry);
  await requireInsideTerritories(ctx.db, ctx.viewer, geometry, site.territories);
  const id = randomUUID();
  await insertAudited(
    ctx,
    'plot',
    id,
    (trx) =>
      trx
        .insertInto('plots')
        .values({
          ...fields,
          ...presumedNaturalPersons(ctx.viewer, input),
          id,
          cnigId: input.cnigId ?? `TERRAIN-ECO_${id.slice(0, 8).toUpperCase()}`,
          grossAreaHa: areaHaOf(geometry),
          identifiedOn: input.identifiedOn ?? ctx.today,
          updatedOn: ctx.today,
          communeInsee: communeOf(geometry),
          geom: geomFrom(geometry),
        })
        .execute(),
    input.cnigId,
  );
  return id;
}

export async function updatePlot(ctx: WriteContext, id: string, ifMatch: string, patch: PlotPatch): Promise<void> {
  requireRole(ctx.viewer, 'editor', 'admin');
  requireNaturalPersonRights(ctx.viewer, patch);
  const { geometry, ...fields } = patch;
  await updateAudited(
    ctx,
    'plot',
    id,
    ifMatch,
    async (trx, current) => {
      if (geometry) {
        await checkGeometry(trx, geometry);
        await requireInsideTerritories(trx, ctx.viewer, geometry, current.territories);
      }
      const names =
        patch.ownerName || patch.buyerName
          ? await trx
              .selectFrom('plots')
              .select(['ownerName', 'buyerName'])
              .where('id', '=', id)
              .executeTakeFirstOrThrow()
          : undefined;
      return {
        ...fields,
        ...presumedNaturalPersons(ctx.viewer, patch, names),
        ...(geometry
          ? { geom: geomFrom(geometry), grossAreaHa: areaHaOf(geometry), communeInsee: communeOf(geometry) }
          : {}),
      };
    },
    patch.cnigId,
  );
}

/** A soft delete; `reason` (why the plot is gone: sold off, merged, drawn twice) goes to the audit log. */
export async function deletePlot(ctx: WriteContext, id: string, ifMatch: string, reason?: string): Promise<void> {
  requireRole(ctx.viewer, 'editor', 'admin');
  await updateAudited(ctx, 'plot', id, ifMatch, async () => ({ deletedAt: sql`now()` }), undefined, reason);
}
