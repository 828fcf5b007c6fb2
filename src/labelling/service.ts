// The labelling file of a site and its moves: transitions, assessments, overrides of catalogue
// flags and comments, each checked (role, territory, state, the rules of issue #15) and audited
// in one transaction. The rules: nothing is submitted incomplete or with an open flag; a decision
// is taken under four eyes and names the instructor and the assessors; the reasons a move needs.
import { sql, type Kysely } from 'kysely';
import type { Geometry } from 'geojson';
import { recordAudit } from '../audit/repository.js';
import type { ChangeFeed } from '../changes.js';
import { requireRole, requireTerritoryScope, type Viewer } from '../auth/viewer.js';
import type { Database } from '../db/schema.js';
import { AppError, ConflictError, ValidationError } from '../http/errors.js';
import { checkVersion } from '../http/preconditions.js';
import { TURNKEY_PROGRAMME, type LabelState } from '../sites/vocabulary.js';
import {
  assessmentRows,
  assessments,
  dossierHistory,
  flagOverrides,
  loadSite,
  requireAssessable,
  requireFileAccess,
  siteFacts,
  type SiteLabelRow,
} from './dossier.js';
import { listDocuments } from './evidence.js';
import { currentGrid, dossierGrid, type Grid } from './grid.js';
import { catalogueFlag, readiness, type Assessment, type Evidence } from './readiness.js';
import { allowedMoves, findMove, type WorkflowState } from './workflow.js';

async function dossierReadiness(db: Kysely<Database>, site: SiteLabelRow, grid: Grid) {
  return readiness(
    grid.criteria,
    await assessments(db, site.id, grid.version),
    await siteFacts(db, site),
    await flagOverrides(db, site.id, grid.version),
  );
}

export async function labellingFile(db: Kysely<Database>, viewer: Viewer, siteId: string) {
  const site = await loadSite(db, siteId);
  requireFileAccess(viewer, site);
  const grid = await dossierGrid(db, siteId);
  const state: WorkflowState = site.labelStatus ?? 'none';
  const comments = await db
    .selectFrom('labelComments')
    .select(['id', 'criterionId', 'body', 'authorName', 'at'])
    .where('siteId', '=', siteId)
    .orderBy('id')
    .execute();
  return {
    site: { id: site.id, name: site.name, version: site.version, territories: site.territories },
    programme: site.turnkeyProgramme,
    state,
    labelDate: site.labelDate,
    grid: { version: grid.version, title: grid.title, publishedOn: grid.publishedOn },
    readiness: await dossierReadiness(db, site, grid),
    documents: await listDocuments(db, siteId, grid.version),
    comments: comments.map((c) => ({ ...c, at: c.at.toISOString() })),
    history: await dossierHistory(db, siteId),
    allowedMoves: allowedMoves(state, viewer.role).map((m) => ({ to: m.to, reasonRequired: m.reasonRequired })),
  };
}

interface Person {
  keyId: string | null;
  name: string;
}

/** Who instructed the dossier (the last move to under_review) and who assessed its criteria. */
async function dossierWitnesses(db: Kysely<Database>, siteId: string, gridVersion: string) {
  const instruction = await db
    .selectFrom('auditLog')
    .select(['actorKeyId', 'actorName'])
    .where('entity', '=', 'site')
    .where('entityId', '=', siteId)
    .where('action', '=', 'label_transition')
    .where(sql<boolean>`after->>'labelStatus' = 'under_review'`)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const assessors = new Map<string, Person>();
  for (const row of await assessmentRows(db, siteId, gridVersion))
    assessors.set(row.assessedByKeyId ?? row.assessedBy, { keyId: row.assessedByKeyId, name: row.assessedBy });
  return {
    instructedBy: instruction ? { keyId: instruction.actorKeyId, name: instruction.actorName } : null,
    assessedBy: [...assessors.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Four eyes: the one who decides is neither the instructor nor an assessor (by key). */
function requireOtherEyes(viewer: Viewer, witnesses: Awaited<ReturnType<typeof dossierWitnesses>>, to: LabelState) {
  const same = (p: Person | null) => p !== null && p.keyId !== null && p.keyId === viewer.keyId;
  const roles = [
    ...(same(witnesses.instructedBy) ? ['instructed the dossier'] : []),
    ...(witnesses.assessedBy.some(same) ? ['assessed criteria of the dossier'] : []),
  ];
  if (roles.length > 0)
    throw new AppError(
      'forbidden',
      `four eyes: this key ${roles.join(' and ')}; moving it to ${to} is for someone else ` +
        '(a decider who took no part in the instruction)',
      { rule: 'four_eyes' },
    );
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
  requireRole(viewer, 'editor', 'labeller', 'decider', 'admin');
  const result = await db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    requireTerritoryScope(viewer, site.territories);
    if (ifMatch !== undefined) checkVersion('site', siteId, site.version, ifMatch);
    const from: WorkflowState = site.labelStatus ?? 'none';
    const move = findMove(from, to);
    const allowedForAnyone = allowedMoves(from).map((m) => m.to);
    if (!move) {
      throw new ConflictError(
        `the site is ${from}: it cannot move to ${to}; ` +
          `allowed moves from ${from}: ${allowedForAnyone.join(', ') || 'none'}`,
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
      throw new ValidationError([{ in: 'body', name: 'reason', message: `required to move to ${to}` }]);
    // Opening the dossier fixes its grid: the current one.
    const grid = from === 'none' ? await currentGrid(trx) : await dossierGrid(trx, siteId);
    if (to === 'submitted') {
      const summary = await dossierReadiness(trx, site, grid);
      if (!summary.complete || summary.flags.length > 0)
        throw new AppError(
          'unprocessable',
          [
            summary.complete
              ? null
              : `${summary.missing.length} of ${summary.total} criteria are not assessed ` +
                `(or not applicable without a justification): ${summary.missing.join(', ')}`,
            summary.flags.length > 0
              ? `the catalogue contradicts ${summary.flags.join(', ')}: ` +
                'fix the data or have a labeller override the flag'
              : null,
          ]
            .filter(Boolean)
            .join('; '),
          { currentState: from, missing: summary.missing, flags: summary.flags },
        );
    }
    let decision: { decidedBy: Person; instructedBy: Person | null; assessedBy: Person[] } | undefined;
    if (move.decision) {
      const witnesses = await dossierWitnesses(trx, siteId, grid.version);
      requireOtherEyes(viewer, witnesses, to);
      decision = { decidedBy: { keyId: viewer.keyId, name: viewer.name }, ...witnesses };
    }
    if (to === 'labelled') {
      const summary = await dossierReadiness(trx, site, grid);
      if (!summary.ready)
        throw new ConflictError(
          'the site cannot be labelled while blocking criteria are not met or flags are open: ' +
            [...summary.blocking, ...summary.flags].join(', '),
          { currentState: from, blocking: summary.blocking, flags: summary.flags },
        );
    }
    if (from === 'none')
      await trx
        .insertInto('labelDossiers')
        .values({ siteId, gridVersion: grid.version })
        .onConflict((oc) => oc.column('siteId').doNothing())
        .execute();
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
      after: { labelStatus: to, gridVersion: grid.version, ...(decision ? { decision } : {}) },
      reason: reason?.trim() || null,
    });
    const { rows } = await sql<{
      geometry: Geometry;
    }>`SELECT ST_AsGeoJSON(geom, 6)::json AS geometry FROM sites WHERE id = ${siteId}`.execute(trx);
    return { from, to, version: site.version + 1, decision, geometry: rows[0]!.geometry };
  });
  // The label status is drawn on the map: tiles showing the site must be rebuilt.
  changes.publish({ entity: 'site', id: siteId, action: 'update', before: result.geometry, after: result.geometry });
  return {
    from: result.from,
    to: result.to,
    version: result.version,
    ...(result.decision ? { decision: result.decision } : {}),
  };
}

async function criterionOf(db: Kysely<Database>, siteId: string, criterionId: string) {
  const grid = await dossierGrid(db, siteId);
  const criterion = grid.criteria.find((c) => c.id === criterionId);
  if (!criterion)
    throw new AppError(
      'not_found',
      `the grid ${grid.version} has no criterion ${JSON.stringify(criterionId)}; ` +
        `its criteria: ${grid.criteria.map((c) => c.id).join(', ')}`,
      { resource: 'criterion', id: criterionId },
    );
  return { grid, criterion };
}

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
    const { grid } = await criterionOf(trx, siteId, criterionId);
    requireAssessable(viewer, site.labelStatus ?? 'none');
    if (input.status === 'met' && input.evidence.length === 0) {
      // Met on evidence: a document referenced in the body, or one uploaded for the criterion.
      const uploaded = await trx
        .selectFrom('labelDocuments')
        .select('id')
        .where('siteId', '=', siteId)
        .where('gridVersion', '=', grid.version)
        .where('criterionId', '=', criterionId)
        .executeTakeFirst();
      if (!uploaded)
        throw new ValidationError([
          {
            in: 'body',
            name: 'evidence',
            message: 'a criterion is met on evidence: give at least one document or upload one for the criterion',
          },
        ]);
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
      comment: input.comment?.trim() || null,
      assessedBy: viewer.name,
      assessedByKeyId: viewer.keyId,
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
        comment: values.comment,
      },
    });
  });
}

/**
 * A labeller clears a catalogue flag with a reason (the data is right, the catalogue is late). The
 * override holds for the flag as worded now; 409 when the criterion raises no flag.
 */
export async function overrideFlag(
  db: Kysely<Database>,
  viewer: Viewer,
  siteId: string,
  criterionId: string,
  reason: string,
) {
  requireRole(viewer, 'labeller', 'admin');
  return db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    const { grid, criterion } = await criterionOf(trx, siteId, criterionId);
    const state: WorkflowState = site.labelStatus ?? 'none';
    if (['none', 'labelled', 'rejected', 'withdrawn'].includes(state))
      throw new ConflictError(`flags are overridden while a dossier is open; this one is ${state}`, {
        currentState: state,
      });
    const assessment = (await assessments(trx, siteId, grid.version)).find((a) => a.criterionId === criterionId);
    const flag = assessment ? catalogueFlag(criterion, assessment.status, await siteFacts(trx, site)) : null;
    if (!flag)
      throw new ConflictError(`the catalogue raises no flag on ${criterionId}: there is nothing to override`, {
        criterionId,
      });
    const values = { flag, reason: reason.trim(), byKeyId: viewer.keyId, byName: viewer.name, at: sql<Date>`now()` };
    await trx
      .insertInto('labelFlagOverrides')
      .values({ siteId, gridVersion: grid.version, criterionId, ...values })
      .onConflict((oc) => oc.columns(['siteId', 'gridVersion', 'criterionId']).doUpdateSet(values))
      .execute();
    await recordAudit(trx, viewer, {
      action: 'label_flag_override',
      entity: 'site',
      entityId: siteId,
      after: { criterionId, gridVersion: grid.version, flag },
      reason: values.reason,
    });
  });
}

/** A comment on the dossier (criterionId null) or on one criterion of its grid. */
export async function addComment(
  db: Kysely<Database>,
  viewer: Viewer,
  siteId: string,
  criterionId: string | null,
  body: string,
) {
  requireRole(viewer, 'editor', 'labeller', 'decider', 'admin');
  return db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    requireFileAccess(viewer, site);
    if (criterionId !== null) await criterionOf(trx, siteId, criterionId);
    if ((site.labelStatus ?? 'none') === 'none')
      throw new ConflictError('the site has no dossier yet: open one (draft) before commenting', {
        currentState: 'none',
      });
    const row = await trx
      .insertInto('labelComments')
      .values({ siteId, criterionId, body: body.trim(), authorKeyId: viewer.keyId, authorName: viewer.name })
      .returning(['id', 'criterionId', 'body', 'authorName', 'at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, viewer, {
      action: 'label_comment',
      entity: 'site',
      entityId: siteId,
      after: { commentId: row.id, criterionId, body: row.body },
    });
    return { ...row, at: row.at.toISOString() };
  });
}
