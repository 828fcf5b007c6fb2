// The labelling grid is data (table labelling_grids, seeded by sql/006): a version, and its
// criteria with a group, a title and whether an unmet criterion blocks the label.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';

export const criterionSchema = z.object({
  id: z.string(),
  group: z.string(),
  title: z.string(),
  blocking: z.boolean(),
  hint: z.string(),
});
export type Criterion = z.infer<typeof criterionSchema>;

export interface Grid {
  version: string;
  title: string;
  publishedOn: string;
  criteria: Criterion[];
}

/** The current grid: the most recently published version. */
export async function currentGrid(db: Kysely<Database>): Promise<Grid> {
  const row = await db
    .selectFrom('labellingGrids')
    .selectAll()
    .orderBy('publishedOn', 'desc')
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  return {
    version: row.version,
    title: row.title,
    publishedOn: row.publishedOn,
    criteria: z.array(criterionSchema).parse(row.criteria),
  };
}
