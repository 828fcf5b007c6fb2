// The labelling grid is data (table labelling_grids, seeded by sql/006 and sql/013): a version,
// and its criteria with a group, a title, whether an unmet criterion blocks the label and, from
// version 2, the legal or programme reference and the kinds of evidence each expects. A dossier
// keeps the grid it was opened under (label_dossiers): publishing a new version changes nothing
// of a dossier already started.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';

export const criterionSchema = z.object({
  id: z.string(),
  group: z.string(),
  title: z.string(),
  blocking: z.boolean(),
  hint: z.string(),
  /** The text it rests on ("Code de l'environnement, art. L.562-1"); absent from the 2024 grid. */
  reference: z.string().optional(),
  /** The documents that show it ("rapport de diagnostic des sols"). */
  evidenceKinds: z.array(z.string()).optional(),
  /** Network power the criterion asks for (electricity), checked against the catalogue. */
  minPowerMw: z.number().positive().optional(),
});
export type Criterion = z.infer<typeof criterionSchema>;

export interface Grid {
  version: string;
  title: string;
  publishedOn: string;
  criteria: Criterion[];
}

type GridRow = { version: string; title: string; publishedOn: string; criteria: unknown };

const toGrid = (row: GridRow): Grid => ({
  version: row.version,
  title: row.title,
  publishedOn: row.publishedOn,
  criteria: z.array(criterionSchema).parse(row.criteria),
});

/** The current grid: the most recently published version. */
export async function currentGrid(db: Kysely<Database>): Promise<Grid> {
  const row = await db
    .selectFrom('labellingGrids')
    .selectAll()
    .orderBy('publishedOn', 'desc')
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  return toGrid(row);
}

/** Every published version, newest first. */
export async function allGrids(db: Kysely<Database>): Promise<Grid[]> {
  const rows = await db.selectFrom('labellingGrids').selectAll().orderBy('publishedOn', 'desc').execute();
  return rows.map(toGrid);
}

/** The grid a site's dossier is assessed against: the one it was opened under, else the current one. */
export async function dossierGrid(db: Kysely<Database>, siteId: string): Promise<Grid> {
  const row = await db
    .selectFrom('labelDossiers')
    .innerJoin('labellingGrids', 'labellingGrids.version', 'labelDossiers.gridVersion')
    .select(['labellingGrids.version', 'labellingGrids.title', 'labellingGrids.publishedOn', 'labellingGrids.criteria'])
    .where('labelDossiers.siteId', '=', siteId)
    .executeTakeFirst();
  return row ? toGrid(row) : currentGrid(db);
}
