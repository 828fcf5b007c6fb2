// OpenAPI descriptions of the search responses (GET /sites, GET /plots).
import { z } from '@hono/zod-openapi';
import { mediaTypes } from '../http/media.js';
import { problemResponses } from '../http/schemas.js';

export const scoreSchema = z
  .object({
    total: z.number().openapi({ description: '0..100: 100 × Σ(weight × value) / Σ weight' }),
    components: z.array(
      z.object({
        name: z.string(),
        weight: z.number(),
        value: z.number(),
        reason: z.string(),
        reasonFr: z.string().openapi({ description: 'The reason in French, figures written the French way (20,9 ha)' }),
      }),
    ),
  })
  .openapi('MatchScore', { description: 'How well a result answers the brief, and why (see src/search/score.ts)' });

const pageSchema = (name: string) =>
  z
    .object({
      total: z
        .number()
        .int()
        .openapi({
          description:
            'Matches of the brief, all pages: exact up to 1000, else 1000 with totalExact false ' +
            '(count=exact counts them all)',
        }),
      totalExact: z
        .boolean()
        .openapi({ description: 'false when total stopped at the 1000 cap: there are more matches' }),
      returned: z.number().int(),
      sort: z.string(),
      items: z.array(z.record(z.string(), z.any()).and(z.object({ id: z.string(), score: scoreSchema }))),
      links: z.object({ self: z.string(), next: z.string().nullable() }),
    })
    .openapi(name);

export function searchResponses(kind: 'site' | 'plot') {
  const results = kind === 'site' ? 'Sites' : 'Plots';
  return {
    200: {
      description: `${results} matching the brief, ranked; an empty list when nothing matches`,

      content: {
        'application/json': { schema: pageSchema(kind === 'site' ? 'SiteSearchPage' : 'PlotSearchPage') },
        [mediaTypes.geojson]: {
          schema: z
            .record(z.string(), z.any())
            .openapi({ description: 'FeatureCollection; every match, streamed, without limit' }),
        },
        [mediaTypes.csv]: {
          schema: z.string().openapi({
            description: `f=csv: CNIG ${kind === 'site' ? 'site-eco' : 'terrain-eco'} columns, ';'-separated${
              kind === 'site'
                ? "; f=spreadsheet: one line per site with the brief's fields (name, commune, territory, " +
                  'largest available plot, available area, MW, price, availability date, brownfield, rail siding, ' +
                  'motorway km, label status, readiness, score, link to the site page) under French headings, ' +
                  "UTF-8 with BOM, ';', decimal comma"
                : ''
            }. Every match in the search's order, streamed, without limit`,
          }),
        },
      },
    },
    ...problemResponses,
  } as const;
}
