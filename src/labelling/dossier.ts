// What every part of a labelling dossier reads: the site with its catalogue facts (locked for a
// move), who may see it, its assessments and flag overrides under its grid, and its history
// from the audit log.
import { sql, type Kysely } from 'kysely';
import { requireRole, requireTerritoryScope, type Viewer } from '../auth/viewer.js';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../http/errors.js';
import type { LabelState } from '../sites/vocabulary.js';
import { measurePlots, plotTotals } from '../zan/repository.js';
import { brownfieldShareOfSite } from '../programme/site-sql.js';
import { ruleSet } from '../zan/rule-sets.js';
import type { Assessment, Evidence, FlagOverride, SiteFacts } from './readiness.js';
import { allowedMoves, type WorkflowState } from './workflow.js';

export interface SiteLabelRow extends Omit<SiteFacts, 'zan'> {
  id: string;
  name: string;
  version: number;
  labelStatus: LabelState | null;
  labelDate: string | null;
  turnkeyProgramme: string | null;
  territories: string[];
}

export async function loadSite(db: Kysely<Database>, id: string, lock = false): Promise<SiteLabelRow> {
  const { rows } = await sql<SiteLabelRow>`
    SELECT s.id, s.name, s.version, s.label_status, s.label_date, s.turnkey_programme,
           s.power_mw, s.network_electricity, s.network_drinking_water, s.network_sewerage, s.network_gas,
           s.network_fibre, s.motorway_interchange_km, s.rail_siding, s.port_km, s.available_from, s.usable_area_ha,
           (SELECT max(p.area_ha) FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL) AS largest_plot_ha,
           ${brownfieldShareOfSite} AS brownfield_share,
           coalesce(
             (SELECT array_agg(DISTINCT p.planning_zone ORDER BY p.planning_zone)
              FROM plots p
              WHERE p.site_id = s.id AND p.deleted_at IS NULL AND p.planning_zone IS NOT NULL),
             '{}') AS planning_zones,
           coalesce(
             (SELECT array_agg(te.territory_id ORDER BY te.territory_id)
              FROM territory_epci te
              WHERE te.epci_siren = s.epci_siren),
             '{}') AS territories
    FROM sites s WHERE s.id = ${id} AND s.deleted_at IS NULL
    ${lock ? sql`FOR UPDATE OF s` : sql``}`.execute(db);
  const row = rows[0];
  if (!row) throw new NotFoundError('site', id);
  return row;
}

/** Editors of the site's territory, labellers, deciders and admins may read a labelling file. */
export function requireFileAccess(viewer: Viewer, site: SiteLabelRow): void {
  requireRole(viewer, 'editor', 'labeller', 'decider', 'admin');
  requireTerritoryScope(viewer, site.territories);
}

// Who may assess (and upload evidence) in which state: the territory team while it prepares the
// dossier, the labellers while they instruct it; admins always. Deciders never: they judge.
const assessableStates: Record<'editor' | 'labeller', WorkflowState[]> = {
  editor: ['draft', 'changes_requested'],
  labeller: ['submitted', 'under_review'],
};

/** 403 for a role that never assesses, 409 for a state this role does not assess in. */
export function requireAssessable(viewer: Viewer, state: WorkflowState): void {
  requireRole(viewer, 'editor', 'labeller', 'admin');
  if (viewer.role === 'admin') return;
  if (!assessableStates[viewer.role as 'editor' | 'labeller'].includes(state))
    throw new ConflictError(`a ${viewer.role} cannot assess or add evidence to a dossier that is ${state}`, {
      currentState: state,
      allowedMoves: allowedMoves(state).map((m) => m.to),
    });
}

export async function assessmentRows(db: Kysely<Database>, siteId: string, gridVersion: string) {
  return db
    .selectFrom('labelAssessments')
    .selectAll()
    .where('siteId', '=', siteId)
    .where('gridVersion', '=', gridVersion)
    .orderBy('criterionId')
    .execute();
}

export async function assessments(db: Kysely<Database>, siteId: string, gridVersion: string): Promise<Assessment[]> {
  return (await assessmentRows(db, siteId, gridVersion)).map((r) => ({
    criterionId: r.criterionId,
    status: r.status,
    evidence: r.evidence as Evidence[],
    comment: r.comment,
    assessedAt: r.assessedAt.toISOString(),
    assessedBy: r.assessedBy,
  }));
}

export async function flagOverrides(
  db: Kysely<Database>,
  siteId: string,
  gridVersion: string,
): Promise<FlagOverride[]> {
  const rows = await db
    .selectFrom('labelFlagOverrides')
    .selectAll()
    .where('siteId', '=', siteId)
    .where('gridVersion', '=', gridVersion)
    .execute();
  return rows.map((r) => ({
    criterionId: r.criterionId,
    flag: r.flag,
    reason: r.reason,
    byName: r.byName,
    at: r.at.toISOString(),
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

export async function siteFacts(db: Kysely<Database>, site: SiteLabelRow): Promise<SiteFacts> {
  return { ...site, zan: await zanFacts(db, site.id) };
}

const dossierActions = [
  'label_transition',
  'label_assessment',
  'label_document',
  'label_comment',
  'label_flag_override',
] as const;

/** The dossier's history: its entries of the audit log, oldest first. */
export async function dossierHistory(db: Kysely<Database>, siteId: string) {
  const rows = await db
    .selectFrom('auditLog')
    .select(['id', 'at', 'actorName', 'actorRole', 'action', 'before', 'after', 'reason'])
    .where('entity', '=', 'site')
    .where('entityId', '=', siteId)
    .where('action', 'in', dossierActions)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
