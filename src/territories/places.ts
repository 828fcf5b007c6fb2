// Places by name, for the search's "where": regions, departments, Territoires d'industrie, EPCI
// and communes, each as the brief parameter and value it sets (region=84, commune=26271), so that
// a person types a name and the page (or any client) writes the API's own parameters.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AppEnv } from '../app-env.js';
import type { Database } from '../db/schema.js';
import { problemResponses } from '../http/schemas.js';
import { likePattern } from '../search/repository.js';
import { placeKinds, placeParams, type PlaceParam } from './place-kinds.js';

export interface Place {
  param: PlaceParam;
  value: string;
  name: string;
  kind: string;
  /** What tells two places of the same name apart: the department of a commune, the region of a territory. */
  detail: string | null;
}

// Regions are known from the regions layer and from the Territoires d'industrie (which carry
// their region's code and name), departments from the departments layer.
const allPlaces = sql`(
  SELECT 'region' AS param, code AS value, name, NULL::text AS detail FROM regions
  UNION
  SELECT DISTINCT 'region', region_code, region_name, NULL FROM territories
  UNION ALL SELECT 'department', code, name, NULL FROM departments
  UNION ALL SELECT 'territory', id, name, region_name FROM territories
  UNION ALL SELECT 'epci', siren, name, NULL FROM epci
  UNION ALL SELECT 'commune', insee, name, department FROM communes
)`;

/** Accents and case folded (foncier_fold), hyphens and apostrophes as spaces: "saint etienne" finds Saint-Étienne. */
const folded = (text: RawBuilder<unknown>) => sql`translate(foncier_fold(${text}), ${"-'’"}, '   ')`;

const rankOf = sql.raw(`CASE param ${placeParams.map((p, i) => `WHEN '${p}' THEN ${i}`).join(' ')} END`);

function toPlace(row: { param: string; value: string; name: string; detail: string | null }): Place {
  const param = row.param as PlaceParam;
  return { param, value: row.value, name: row.name, kind: placeKinds[param], detail: row.detail };
}

/**
 * Places whose name contains the words (accents, case, hyphens and apostrophes ignored), or whose
 * code is them: names that start with them first, then wider places, then shorter names.
 */
export async function suggestPlaces(db: Kysely<Database>, text: string, limit: number): Promise<Place[]> {
  const words = text.trim();
  const { rows } = await sql<{ param: string; value: string; name: string; detail: string | null }>`
    SELECT param, value, name, detail FROM ${allPlaces} AS p
    WHERE ${folded(sql`name`)} LIKE ${folded(sql`${likePattern(words)}`)} OR value = ${words}
    ORDER BY value = ${words} DESC,
      ${folded(sql`name`)} LIKE ${folded(sql`${likePattern(words).slice(1)}`)} DESC,
      ${rankOf}, length(name), name, value
    LIMIT ${limit}::int`.execute(db);
  return rows.map(toPlace);
}

/** The place a brief parameter names (`region`, `84`), for the page to show its name; null when unknown. */
export async function findPlace(db: Kysely<Database>, param: PlaceParam, value: string): Promise<Place | null> {
  const { rows } = await sql<{ param: string; value: string; name: string; detail: string | null }>`
    SELECT param, value, name, detail FROM ${allPlaces} AS p WHERE param = ${param} AND value = ${value}
    LIMIT 1`.execute(db);
  return rows[0] ? toPlace(rows[0]) : null;
}

const placeSchema = z
  .object({
    param: z.enum(placeParams).openapi({ description: 'The GET /sites parameter this place sets' }),
    value: z.string().openapi({ description: 'Its value (INSEE code, SIREN, territory id)', example: '84' }),
    name: z.string().openapi({ example: 'Auvergne-Rhône-Alpes' }),
    kind: z.string().openapi({ description: 'The kind of place, in French', example: 'Région' }),
    detail: z.string().nullable().openapi({ description: 'Department of a commune, region of a territory' }),
  })
  .openapi('Place');

export function placeRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['territories', 'search'],
      summary:
        'Place suggestions by name (regions, departments, Territoires d’industrie, EPCI, communes), ' +
        'each with the search parameter and value it sets',

      request: {
        query: z
          .object({
            q: z
              .string()
              .trim()
              .min(1, { message: 'at least one character' })
              .max(100, { message: 'at most 100 characters' })
              .openapi({ description: 'Words of the name (accents and case ignored), or a code', example: 'rhone' }),
            limit: z.coerce
              .number({ message: 'expected a number' })
              .int({ message: 'expected an integer' })
              .min(1, { message: 'must be between 1 and 50' })
              .max(50, { message: 'must be between 1 and 50' })
              .optional()
              .openapi({ type: 'integer', description: 'At most this many suggestions (default 10)' }),
          })
          .strict(),
      },
      responses: {
        200: {
          description: 'Suggestions, best first',
          content: { 'application/json': { schema: z.object({ items: z.array(placeSchema) }) } },
        },
        400: problemResponses[400],
        503: problemResponses[503],
      },
    }),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      const items = await suggestPlaces(c.var.db, q, limit ?? 10);
      return c.json({ items }, 200, { 'cache-control': 'public, max-age=300' });
    },
  );
  return app;
}
