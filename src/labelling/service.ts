// The labelling file of a site: its state, the assessments against the current grid, the
// readiness summary, and the moves: transitions and assessments, each audited.
import { sql, type Kysely } from 'kysely';
import type { Geometry } from 'geojson';
import { recordAudit } from '../audit/repository.js';
import type { ChangeFeed } from '../changes.js';
import { requireRole, requireTerritoryScope, type Viewer } from '../auth/viewer.js';
import type { Database } from '../db/schema.js';
import { AppError, ConflictError, NotFoundError } from '../http/errors.js';
import { checkVersion } from '../http/preconditions.js';
import { TURNKEY_PROGRAMME, type LabelState } from '../sites/vocabulary.js';
import { measurePlots, plotTotals } from '../zan/repository.js';
import { ruleSet } from '../zan/rule-sets.js';
import { currentGrid } from './grid.js';
import { readiness, type Assessment, type Evidence, type SiteFacts } from './readiness.js';
import { allowedMoves, findMove, type WorkflowState } from './workflow.js';

interface SiteLabelRow extends Omit<SiteFacts, 'zan'> {
  id: string;
  name: string;
  version: number;
  labelStatus: LabelState | null;
  labelDate: string | null;
  turnkeyProgramme: string | null;
  territories: string[];
}

async function loadSite(db: Kysely<Database>, id: string, lock = false): Promise<SiteLabelRow> {
  const { rows } = await sql<SiteLabelRow>`
    SELECT s.id, s.name, s.version, s.label_status, s.label_date, s.turnkey_programme,
           s.power_mw, s.network_electricity, s.network_drinking_water, s.network_sewerage, s.network_gas, s.network_fibre,
           s.motorway_interchange_km, s.rail_siding, s.port_km, s.available_from, s.usable_area_ha,
           (SELECT max(p.area_ha) FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL) AS largest_plot_ha,
           (SELECT sum(p.area_ha) FILTER (WHERE p.occupation = 'friche') / nullif(sum(p.area_ha), 0) FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL) AS brownfield_share,
           coalesce((SELECT array_agg(DISTINCT p.planning_zone ORDER BY p.planning_zone) FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL AND p.planning_zone IS NOT NULL), '{}') AS planning_zones,
           coalesce((SELECT array_agg(te.territory_id ORDER BY te.territory_id) FROM territory_epci te WHERE te.epci_siren = s.epci_siren), '{}') AS territories
    FROM sites s WHERE s.id = ${id} AND s.deleted_at IS NULL
    ${lock ? sql`FOR UPDATE OF s` : sql``}`.execute(db);
  const row = rows[0];
  if (!row) throw new NotFoundError('site', id);
  return row;
}

/** Editors of the site's territory, labellers and admins may read a labelling file. */
function requireFileAccess(viewer: Viewer, site: SiteLabelRow): void {
  requireRole(viewer, 'editor', 'labeller', 'admin');
  requireTerritoryScope(viewer, site.territories);
}

async function assessments(db: Kysely<Database>, siteId: string, gridVersion: string): Promise<Assessment[]> {
  const rows = await db
    .selectFrom('labelAssessments')
    .selectAll()
    .where('siteId', '=', siteId)
    .where('gridVersion', '=', gridVersion)
    .orderBy('criterionId')
    .execute();
  return rows.map((r) => ({
    criterionId: r.criterionId,
    status: r.status,
    evidence: r.evidence as Evidence[],
    comment: r.comment,
    assessedAt: r.assessedAt.toISOString(),
    assessedBy: r.assessedBy,
  }));
}

/** The ZAN figures of the plots still to develop, under the default rule set; null without plots. */
async function zanFacts(db: Kysely<Database>, siteId: string): Promise<SiteFacts['zan']> {
  const rules = ruleSet();
  const plots = await measurePlots(db, rules, { siteIds: [siteId], pipelineOnly: true });
  if (plots.length === 0) return null;
  const totals = plotTotals(plots);
  return {
    ruleSet: rules.id,
    nafConsumptionHa: totals.nafConsumptionHa,
    consumptionHa: totals.consumptionHa,
    urbanisedShare: totals.areaHa > 0 ? 1 - totals.nafConsumptionHa / totals.areaHa : null,
  };
}

async function siteFacts(db: Kysely<Database>, site: SiteLabelRow): Promise<SiteFacts> {
  return { ...site, zan: await zanFacts(db, site.id) };
}

export async function labellingFile(db: Kysely<Database>, viewer: Viewer, siteId: string) {
  const site = await loadSite(db, siteId);
  requireFileAccess(viewer, site);
  const grid = await currentGrid(db);
  const state: WorkflowState = site.labelStatus ?? 'none';
  return {
    site: { id: site.id, name: site.name, version: site.version, territories: site.territories },
    programme: site.turnkeyProgramme,
    state,
    labelDate: site.labelDate,
    grid: { version: grid.version, title: grid.title, publishedOn: grid.publishedOn },
    readiness: readiness(grid.criteria, await assessments(db, siteId, grid.version), await siteFacts(db, site)),
    allowedMoves: allowedMoves(state, viewer.role).map((m) => ({ to: m.to, reasonRequired: m.reasonRequired })),
  };
}

export async function transition(
  db: Kysely<Database>,
  viewer: Viewer,
  changes: ChangeFeed,
  siteId: string,
  to: LabelState,
  reason: string | undefined,
  ifMatch: string | undefined,
  /** The label's date if this move grants it (the app's clock). */
  today: string,
) {
  requireRole(viewer, 'editor', 'labeller', 'admin');
  const result = await db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    requireTerritoryScope(viewer, site.territories);
    if (ifMatch !== undefined) checkVersion('site', siteId, site.version, ifMatch);
    const from: WorkflowState = site.labelStatus ?? 'none';
    const move = findMove(from, to);
    const allowedForAnyone = allowedMoves(from).map((m) => m.to);
    if (!move) {
      throw new ConflictError(
        `the site is ${from}: it cannot move to ${to}; allowed moves from ${from}: ${allowedForAnyone.join(', ') || 'none'}`,
        {
          currentState: from,
          allowedMoves: allowedForAnyone,
        },
      );
    }
    if (!(move.roles as string[]).includes(viewer.role)) {
      throw new AppError('forbidden', `moving a site from ${from} to ${to} needs the role ${move.roles.join(' or ')}`, {
        currentState: from,
        allowedMoves: allowedMoves(from, viewer.role).map((m) => m.to),
      });
    }
    if (move.reasonRequired && !reason?.trim())
      throw new AppError('validation_failed', `moving to ${to} needs a reason`, {
        invalidParams: [{ in: 'body', name: 'reason', message: 'required for this move' }],
      });
    if (to === 'labelled') {
      const grid = await currentGrid(trx);
      const summary = readiness(
        grid.criteria,
        await assessments(trx, siteId, grid.version),
        await siteFacts(trx, site),
      );
      if (!summary.ready)
        throw new ConflictError(
          `the site cannot be labelled while blocking criteria are not met: ${summary.blocking.join(', ')}`,
          { currentState: from, blocking: summary.blocking },
        );
    }
    await trx
      .updateTable('sites')
      .set({
        labelStatus: to,
        ...(to === 'draft' ? { turnkeyProgramme: site.turnkeyProgramme ?? TURNKEY_PROGRAMME } : {}),
        ...(to === 'labelled' ? { labelDate: today } : {}),
        version: sql<number>`version + 1`,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', siteId)
      .execute();
    await recordAudit(trx, viewer, {
      action: 'label_transition',
      entity: 'site',
      entityId: siteId,
      before: { labelStatus: site.labelStatus },
      after: { labelStatus: to },
      reason: reason ?? null,
    });
    const { rows } = await sql<{
      geometry: Geometry;
    }>`SELECT ST_AsGeoJSON(geom, 6)::json AS geometry FROM sites WHERE id = ${siteId}`.execute(trx);
    return { from, to, version: site.version + 1, geometry: rows[0]!.geometry };
  });
  // The label status is drawn on the map: tiles showing the site must be rebuilt.
  changes.publish({ entity: 'site', id: siteId, action: 'update', before: result.geometry, after: result.geometry });
  return { from: result.from, to: result.to, version: result.version };
}

// Who may assess in which state: the territory team while it prepares the file, the
// labellers while they review it; admins always.
const assessableStates: Record<'editor' | 'labeller', WorkflowState[]> = {
  editor: ['draft', 'changes_requested'],
  labeller: ['submitted', 'under_review'],
};

export async function assess(
  db: Kysely<Database>,
  viewer: Viewer,
  siteId: string,
  criterionId: string,
  input: { status: Assessment['status']; evidence: Evidence[]; comment?: string | null },
) {
  requireRole(viewer, 'editor', 'labeller', 'admin');
  return db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    requireTerritoryScope(viewer, site.territories);
    const grid = await currentGrid(trx);
    if (!grid.criteria.some((c) => c.id === criterionId)) {
      throw new AppError(
        'not_found',
        `the grid ${grid.version} has no criterion ${JSON.stringify(criterionId)}; its criteria: ${grid.criteria.map((c) => c.id).join(', ')}`,
        { resource: 'criterion', id: criterionId },
      );
    }
    const state: WorkflowState = site.labelStatus ?? 'none';
    if (viewer.role !== 'admin' && !assessableStates[viewer.role as 'editor' | 'labeller'].includes(state)) {
      throw new ConflictError(`a ${viewer.role} cannot assess a site that is ${state}`, {
        currentState: state,
        allowedMoves: allowedMoves(state).map((m) => m.to),
      });
    }
    const before = await trx
      .selectFrom('labelAssessments')
      .selectAll()
      .where('siteId', '=', siteId)
      .where('gridVersion', '=', grid.version)
      .where('criterionId', '=', criterionId)
      .executeTakeFirst();
    const values = {
      status: input.status,
      evidence: JSON.stringify(input.evidence),
      comment: input.comment ?? null,
      assessedBy: viewer.name,
      assessedAt: sql<Date>`now()`,
    };
    await trx
      .insertInto('labelAssessments')
      .values({ siteId, gridVersion: grid.version, criterionId, ...values })
      .onConflict((oc) => oc.columns(['siteId', 'gridVersion', 'criterionId']).doUpdateSet(values))
      .execute();
    await recordAudit(trx, viewer, {
      action: 'label_assessment',
      entity: 'site',
      entityId: siteId,
      before: before
        ? { criterionId, status: before.status, evidence: before.evidence, comment: before.comment }
        : null,
      after: {
        criterionId,
        gridVersion: grid.version,
        status: input.status,
        evidence: input.evidence,
        comment: input.comment ?? null,
      },
    });
  });
}
