// GET /: the JSON landing for API clients, the investor home page for a browser (Accept text/html).
// The page's parameters are GET /sites's own (src/search/brief.ts), validated by the same schema,
// and its list is the API's first page for them. The form without script may send empty fields and
// a place typed by name (`lieu`): the page answers with a redirect to the same search under the
// API's parameters only, so that every shared URL reads like a GET /sites query.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { AppEnv } from '../../app-env.js';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { mediaTypes, wantsHtml } from '../../http/media.js';
import { landingDocument } from '../../http/openapi.js';
import { problemResponses } from '../../http/schemas.js';
import { zodIssuesToParams } from '../../http/validation.js';
import { briefQuery } from '../../search/brief.js';
import { searchJsonPage } from '../../search/listing.js';
import { placeParams } from '../../territories/place-kinds.js';
import { findPlace, suggestPlaces, type Place } from '../../territories/places.js';
import { frenchProblem, placeText, type InvalidParam } from './filters.js';
import { homePage } from './home.js';

const landingSchema = z
  .object({
    title: z.string(),
    description: z.string(),
    links: z.array(z.object({ rel: z.string(), href: z.string(), type: z.string().optional() })),
  })
  .openapi('Landing');

interface PageSearch {
  /** The search under the API's parameters (plus `lieu` when no place has that name). */
  params: URLSearchParams;
  place: Place | null;
  problems: InvalidParam[];
}

/** The request's parameters as a search: empty fields dropped, a place name resolved to its parameter. */
async function pageSearch(db: Kysely<Database>, given: URLSearchParams): Promise<PageSearch> {
  const params = new URLSearchParams();
  // f chooses the landing's encoding, never the page's list.
  for (const [name, value] of given)
    if (value.trim() !== '' && name !== placeText && name !== 'f') params.append(name, value);
  const named = placeParams.find((p) => params.has(p));
  let place = named ? await findPlace(db, named, params.get(named) ?? '') : null;
  const problems: InvalidParam[] = [];
  const typed = given.get(placeText)?.trim();
  // The form always sends the name it shows: only a name other than the chosen place's is a new place.
  if (typed !== undefined && typed !== place?.name) {
    for (const p of placeParams) params.delete(p);
    place = typed ? ((await suggestPlaces(db, typed, 1))[0] ?? null) : null;
    if (place) params.set(place.param, place.value);
    else if (typed) {
      params.set(placeText, typed);
      problems.push({ name: placeText, message: `no place matches ${JSON.stringify(typed)}` });
    }
  }
  return { params, place, problems };
}

async function renderHome(c: Context<AppEnv>, basemapStyleUrl: string | undefined): Promise<Response> {
  const url = new URL(c.req.url);
  const search = await pageSearch(c.var.db, url.searchParams);
  if (search.params.toString() !== url.searchParams.toString()) {
    const query = search.params.toString();
    return c.redirect(query ? `/?${query}` : '/', 303);
  }
  const apiParams = new URLSearchParams(search.params);
  apiParams.delete(placeText);
  const apiQuery = apiParams.toString();
  const apiUrl = `/sites${apiQuery ? `?${apiQuery}` : ''}`;
  const problems = [...search.problems];
  let results: Awaited<ReturnType<typeof searchJsonPage<'site'>>> | null = null;
  const parsed = briefQuery.safeParse(Object.fromEntries(apiParams));
  if (!parsed.success) problems.push(...zodIssuesToParams(parsed.error, 'query'));
  else if (problems.length === 0) {
    try {
      results = await searchJsonPage(c, 'site', parsed.data, `${url.origin}${apiUrl}`);
    } catch (error) {
      // A cursor the API refuses is a problem of the parameters too.
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.invalidParams);
    }
  }
  const html = homePage({
    values: Object.fromEntries(search.params),
    place: search.place,
    // The items are siteItem's JSON shape, which the page reads as a client of GET /sites would.
    results,
    problems: problems.map(frenchProblem),
    apiUrl,
    styleUrl: `${url.origin}/tiles/style.json`,
    basemapStyleUrl,
  });
  return c.html(html, problems.length > 0 ? 400 : 200, { vary: 'accept' });
}

export function investorRoutes(options: { basemapStyleUrl?: string } = {}) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['search'],
      summary: 'Landing: links to the API (JSON); for a browser (Accept text/html), the investor search page',
      description:
        'A browser gets the French search page: its query parameters are those of GET /sites (the brief), ' +
        'and its list is the first page of GET /sites for them. `lieu` (a place by name) and empty fields ' +
        'are answered with a 303 to the same search under the API parameters. `f=json` forces the JSON landing.',

      responses: {
        200: {
          description: 'The landing document, or the search page',
          content: {
            'application/json': { schema: landingSchema },
            [mediaTypes.html]: { schema: z.string().openapi({ description: 'the investor search page' }) },
          },
        },
        303: {
          description: 'The same search under the API parameters (a place by name resolved, empty fields dropped)',
        },
        400: {
          description: 'The page, with the parameters GET /sites would refuse explained in French',
          content: { [mediaTypes.html]: { schema: z.string() } },
        },
        503: problemResponses[503],
      },
    }),
    async (c) => {
      const f = new URL(c.req.url).searchParams.get('f') ?? undefined;
      if (f === 'json' || !wantsHtml(c, undefined)) return c.json(landingDocument(), 200, { vary: 'accept' });
      return renderHome(c, options.basemapStyleUrl);
    },
  );
  return app;
}
