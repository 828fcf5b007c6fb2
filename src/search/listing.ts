// Rendering a search: a JSON page with the score explained per result, a GeoJSON
// FeatureCollection, CNIG CSV, or the spreadsheet of sites (spreadsheet.ts). JSON is always one page
// (limit, cursor, next link, total, exact up to TOTAL_CAP or on count=exact). GeoJSON and the CSVs
// without `limit` export every match, streamed chunk by chunk from a database cursor so that memory
// stays flat; with `limit` they are one page too.

import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { mediaTypes } from '../http/media.js';
import { featureCollectionChunks, featureText as geoJsonFeatureText } from '../http/features.js';
import { cnigCsvHeader, cnigCsvLines } from '../cnig/write.js';
import { toBrief, type BriefQuery } from './brief.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  cnigClassOf,
  countMatches,
  searchChunks,
  searchPage,
  searchStatement,
  type SearchOutput,
} from './repository.js';
import { plotItem, siteItem } from './representation.js';
import type { ComponentDefinition, Facts, SearchKind, SiteFacts } from './score.js';
import { textStream } from '../http/stream.js';
import { placeCode } from '../territories/place-names.js';
import { invalidParam } from '../http/errors.js';
import { sitePageUrl } from '../web/investor/links.js';
import { spreadsheetHeaderLine, spreadsheetLines, territoryNamesByEpci } from './spreadsheet.js';

// The search's CSV is a download for people: a UTF-8 byte order mark makes Excel (French
// locale included, where ';' is the list separator) read the accents right. The CNIG exports
// under /exports/cnig keep the standard's bare UTF-8 (README, "CSV files").
const spreadsheetBom = '\uFEFF';

/** The one shape of a result, per kind: JSON items, and the properties of every GeoJSON Feature, paged or streamed. */
type Item<K extends SearchKind> = ReturnType<K extends 'site' ? typeof siteItem : typeof plotItem>;
const shapers: {
  [K in SearchKind]: (f: Facts<K>, definition: ComponentDefinition<Facts<K>>[]) => Item<K>;
} = {
  site: siteItem,
  plot: plotItem,
};

function featureText<K extends SearchKind>(kind: K, f: Facts<K>, definition: ComponentDefinition<Facts<K>>[]): string {
  const properties: Record<string, unknown> = { ...shapers[kind](f, definition) };
  delete properties.point;
  // The geometry is already GeoJSON text from ST_AsGeoJSON: spliced in, never re-parsed.
  return geoJsonFeatureText({ id: f.id, geometry: String(f.geometry), properties });
}

/** Spreadsheet lines of a chunk of site rows: the page's items, their territories, a link to each site's page. */
async function spreadsheetChunk(
  c: Context<AppEnv>,
  rows: SiteFacts[],
  definition: ComponentDefinition<SiteFacts>[],
): Promise<string> {
  const items = rows.map((row) => siteItem(row, definition));
  const territories = await territoryNamesByEpci(
    c.var.db,
    items.map((item) => item.location.epci.siren),
  );
  const origin = new URL(c.req.url).origin;
  return spreadsheetLines(items, territories, (id) => `${origin}${sitePageUrl(id)}`);
}

function negotiate(c: Context, f: SearchOutput | undefined): SearchOutput {
  if (f) return f;
  const accept = c.req.header('accept') ?? '';
  if (accept.includes(mediaTypes.geojson)) return 'geojson';
  if (accept.includes(mediaTypes.csv)) return 'csv';
  return 'json';
}

function pageLink(base: string, cursor: string | undefined): string {
  const url = new URL(base);
  if (cursor) url.searchParams.set('cursor', cursor);
  else url.searchParams.delete('cursor');
  return url.toString();
}

/** The brief of a query, a region or department named by name read as its code. */
async function briefOf(db: AppEnv['Variables']['db'], query: BriefQuery) {
  return toBrief({
    ...query,
    ...(query.region ? { region: await placeCode(db, 'region', query.region) } : {}),
    ...(query.department ? { department: await placeCode(db, 'department', query.department) } : {}),
  });
}

/** GET /sites and GET /plots. */
export async function renderSearch<K extends SearchKind>(
  c: Context<AppEnv>,
  kind: K,
  query: BriefQuery,
): Promise<Response> {
  const db = c.var.db;
  const brief = await briefOf(db, query);
  const sortName = `${brief.sort.reverse ? '-' : ''}${brief.sort.key}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortName) : undefined;
  const output = negotiate(c, query.f);
  const today = c.var.clock.today();
  const chunks = { singleConnection: c.var.backend === 'pglite' };
  // One name per resource, paged or streamed.
  const csvDisposition = `attachment; filename="${kind === 'site' ? 'sites' : 'plots'}-search.csv"`;

  if (output === 'spreadsheet' && kind !== 'site')
    throw invalidParam('query', 'f', 'the spreadsheet lists sites; for plots use csv (CNIG terrain-eco)');
  const spreadsheetHeaders = {
    'content-type': `${mediaTypes.csv}; charset=utf-8`,
    'content-disposition': 'attachment; filename="sites-search-spreadsheet.csv"',
    vary: 'accept',
  };
  const spreadsheetText = (rows: Facts<K>[], definition: ComponentDefinition<Facts<K>>[]) =>
    spreadsheetChunk(c, rows as SiteFacts[], definition as ComponentDefinition<SiteFacts>[]);

  if (output !== 'json' && query.limit === undefined) {
    if (output === 'spreadsheet') {
      const { statement, definition } = searchStatement({ kind, brief, output, cursor, today });
      async function* lines(): AsyncGenerator<string> {
        yield spreadsheetHeaderLine();
        for await (const rows of searchChunks(db, statement, chunks)) yield await spreadsheetText(rows, definition);
      }
      return c.body(textStream(lines()), 200, spreadsheetHeaders);
    }
    if (output === 'geojson') {
      // Each chunk of rows is shaped by the page's own function: the same Features, memory one chunk deep.
      // It costs throughput against Features built as text in SQL (the former export): 3,300 against
      // 9,500 features/s at 20,000 plots on a loaded 2-core machine (npm run bench -- search).
      const { statement, definition } = searchStatement({ kind, brief, output, cursor, today });
      async function* features(): AsyncGenerator<string[]> {
        for await (const rows of searchChunks(db, statement, chunks))
          yield rows.map((row) => featureText(kind, row, definition));
      }
      return c.body(textStream(featureCollectionChunks(features())), 200, {
        'content-type': mediaTypes.geojson,
        vary: 'accept',
      });
    }
    async function* lines(): AsyncGenerator<string> {
      yield spreadsheetBom + cnigCsvHeader(cnigClassOf(kind));
      for await (const rows of searchChunks(
        db,
        searchStatement({ kind, brief, output, cursor, today }).statement,
        chunks,
      ))
        yield cnigCsvLines(cnigClassOf(kind), rows);
    }
    return c.body(textStream(lines()), 200, {
      'content-type': `${mediaTypes.csv}; charset=utf-8`,
      'content-disposition': csvDisposition,
      vary: 'accept',
    });
  }

  if (output === 'json') return c.json(await searchJsonPage(c, kind, query), 200, { vary: 'accept' });
  const limit = query.limit ?? 50;
  const [page, { total, exact: totalExact }] = await Promise.all([
    searchPage(db, { kind, brief, output, cursor, limit, today }),
    countMatches(db, kind, brief, query.count === 'exact'),
  ]);
  const last = page.rows[page.rows.length - 1];
  const next =
    page.more && last ? pageLink(c.req.url, encodeCursor({ sort: sortName, key: last.sortKey, id: last.id })) : null;
  const links = { self: pageLink(c.req.url, query.cursor), next };

  if (output === 'geojson') {
    const features = page.rows.map((row) => featureText(kind, row, page.definition)).join(',');
    // numberMatched is optional in OGC API Features: left out rather than understated.
    const head = JSON.stringify({
      type: 'FeatureCollection',
      numberMatched: totalExact ? total : undefined,
      numberReturned: page.rows.length,
      sort: sortName,
      links,
    });
    return c.body(`${head.slice(0, -1)},"features":[${features}]}`, 200, {
      'content-type': mediaTypes.geojson,
      vary: 'accept',
    });
  }
  if (output === 'csv') {
    const headers: Record<string, string> = {
      'content-type': `${mediaTypes.csv}; charset=utf-8`,
      'content-disposition': csvDisposition,
      vary: 'accept',
    };
    if (next) headers.link = `<${next}>; rel="next"`;
    return c.body(
      spreadsheetBom + cnigCsvHeader(cnigClassOf(kind)) + cnigCsvLines(cnigClassOf(kind), page.rows),
      200,
      headers,
    );
  }
  const headers: Record<string, string> = { ...spreadsheetHeaders };
  if (next) headers.link = `<${next}>; rel="next"`;
  return c.body(spreadsheetHeaderLine() + (await spreadsheetText(page.rows, page.definition)), 200, headers);
}

/**
 * One JSON page of a search, as GET /sites and GET /plots answer it. The investor home page
 * renders the same page (`url`: the /sites URL its links then point to), so that its first list is
 * the API's first page, item for item.
 */
export async function searchJsonPage<K extends SearchKind>(
  c: Context<AppEnv>,
  kind: K,
  query: BriefQuery,
  url: string = c.req.url,
) {
  const brief = await briefOf(c.var.db, query);
  const sortName = `${brief.sort.reverse ? '-' : ''}${brief.sort.key}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortName) : undefined;
  const limit = query.limit ?? 50;
  const [page, { total, exact: totalExact }] = await Promise.all([
    searchPage(c.var.db, { kind, brief, output: 'json', cursor, limit, today: c.var.clock.today() }),
    countMatches(c.var.db, kind, brief, query.count === 'exact'),
  ]);
  const last = page.rows[page.rows.length - 1];
  const next =
    page.more && last ? pageLink(url, encodeCursor({ sort: sortName, key: last.sortKey, id: last.id })) : null;
  const item = shapers[kind] as (f: Facts<K>, definition: ComponentDefinition<Facts<K>>[]) => Item<K>;
  return {
    total,
    totalExact,
    returned: page.rows.length,
    sort: sortName,
    items: page.rows.map((row) => item(row, page.definition)),
    links: { self: pageLink(url, query.cursor), next },
  };
}
