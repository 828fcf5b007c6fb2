// Rendering a search: a JSON page with the score explained per result, a GeoJSON
// FeatureCollection, or CNIG CSV. JSON is always one page (limit, cursor, next link,
// total, exact up to TOTAL_CAP or on count=exact). GeoJSON and CSV without `limit` export every match, streamed chunk by chunk
// from a database cursor so that memory stays flat; with `limit` they are one page too.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { mediaTypes } from '../http/media.js';
import { featureText as geoJsonFeatureText } from '../http/features.js';
import { cnigCsvHeader, cnigCsvLines } from '../cnig/write.js';
import { round } from '../round.js';
import { toBrief, type BriefQuery } from './brief.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  cnigClassOf,
  countMatches,
  featureExportStatement,
  searchChunks,
  searchPage,
  searchStatement,
  type SearchOutput,
} from './repository.js';
import { explainScore, type ComponentDefinition, type Facts, type SearchKind } from './score.js';
import { textStream } from '../http/stream.js';

// The search's CSV is a download for people: a UTF-8 byte order mark makes Excel (French
// locale included, where ';' is the list separator) read the accents right. The CNIG exports
// under /exports/cnig keep the standard's bare UTF-8 (README, "CSV files").
const spreadsheetBom = '\uFEFF';

const parsed = (text: unknown) => (typeof text === 'string' ? (JSON.parse(text) as unknown) : null);

export function siteItem(f: Facts, definition: ComponentDefinition[]) {
  return {
    id: f.id as string,
    cnigId: f.cnigId as string,
    name: f.name as string,
    siteType: f.siteType as string,
    mainVocation: f.mainVocation as string,
    state: f.state as string,
    location: {
      epci: { siren: f.epciSiren as string, name: f.epciName as string },
      commune: { insee: f.communeInsee as string, name: f.communeName as string, department: f.department as string },
      inTerritory: f.inTerritory as boolean,
      point: parsed(f.point),
    },
    areas: {
      areaHa: round(f.areaHa as number | null, 2),
      usableAreaHa: round(f.usableAreaHa as number | null, 2),
      availableAreaHa: round(f.availableAreaHa as number | null, 2),
      maxPlotAreaHa: round(f.maxPlotAreaHa as number | null, 2),
    },
    utilities: {
      electricity: f.networkElectricity as boolean | null,
      powerMw: f.powerMw as number | null,
      gas: f.networkGas as boolean | null,
      drinkingWater: f.networkDrinkingWater as boolean | null,
      sewerage: f.networkSewerage as boolean | null,
      fibre: f.networkFibre as boolean | null,
    },
    access: {
      railSiding: f.railSiding as boolean | null,
      riverQuay: f.riverQuay as boolean | null,
      motorwayInterchangeKm: f.motorwayInterchangeKm as number | null,
      freightStationKm: f.freightStationKm as number | null,
      portKm: f.portKm as number | null,
    },
    turnkey: { programme: f.turnkeyProgramme as string | null, labelStatus: f.labelStatus as string | null },
    lowestPriceEurM2: f.priceEurM2 as number | null,
    brownfield: f.brownfield as boolean,
    availableFrom: f.availableFrom as string | null,
    distanceKm: round(f.distanceKm as number | null, 3),
    score: explainScore(definition, f),
  };
}

export function plotItem(f: Facts, definition: ComponentDefinition[]) {
  return {
    id: f.id as string,
    cnigId: f.cnigId as string,
    site: { id: f.siteId as string, cnigId: f.siteCnigId as string, name: f.siteName as string },
    communeInsee: f.communeInsee as string | null,
    point: parsed(f.point),
    areaHa: round(f.areaHa as number | null, 4),
    landControl: f.landControl as string,
    developmentStage: f.developmentStage as string,
    marketingStage: f.marketingStage as string,
    occupation: f.occupation as string,
    planningZone: f.planningZone as string | null,
    turnkey: f.turnkey as boolean | null,
    priceEurM2: f.priceEurM2 as number | null,
    availableFrom: f.availableFrom as string | null,
    brownfield: f.brownfield as boolean,
    siteUtilities: {
      electricity: f.networkElectricity as boolean | null,
      powerMw: f.powerMw as number | null,
      railSiding: f.railSiding as boolean | null,
    },
    siteAccess: { motorwayInterchangeKm: f.motorwayInterchangeKm as number | null },
    distanceKm: round(f.distanceKm as number | null, 3),
    score: explainScore(definition, f),
  };
}

const itemOf = (kind: SearchKind) => (kind === 'site' ? siteItem : plotItem);

function featureText(kind: SearchKind, f: Facts, definition: ComponentDefinition[]): string {
  const properties: Record<string, unknown> = itemOf(kind)(f, definition);
  delete properties.point;
  // The geometry is already GeoJSON text from ST_AsGeoJSON: spliced in, never re-parsed.
  return geoJsonFeatureText({ id: f.id as string, geometry: String(f.geometry), properties });
}

function negotiate(c: Context, f: SearchOutput | undefined): SearchOutput {
  if (f) return f;
  const accept = c.req.header('accept') ?? '';
  if (accept.includes(mediaTypes.geojson)) return 'geojson';
  if (accept.includes(mediaTypes.csv)) return 'csv';
  return 'json';
}

function pageLink(c: Context, cursor: string | undefined): string {
  const url = new URL(c.req.url);
  if (cursor) url.searchParams.set('cursor', cursor);
  else url.searchParams.delete('cursor');
  return url.toString();
}

/** GET /sites and GET /plots. */
export async function renderSearch(c: Context<AppEnv>, kind: SearchKind, query: BriefQuery): Promise<Response> {
  const brief = toBrief(query);
  const sortName = `${brief.sort.reverse ? '-' : ''}${brief.sort.key}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortName) : undefined;
  const output = negotiate(c, query.f);
  const db = c.var.db;
  const today = c.var.clock.today();
  const chunks = { singleConnection: c.var.backend === 'pglite' };
  const fileName = kind === 'site' ? 'sites' : 'plots';

  if (output !== 'json' && query.limit === undefined) {
    if (output === 'geojson') {
      async function* features(): AsyncGenerator<string> {
        yield '{"type":"FeatureCollection","features":[';
        let first = true;
        for await (const rows of searchChunks(
          db,
          featureExportStatement({ kind, brief, output, cursor, today }),
          chunks,
        )) {
          yield (first ? '' : ',') + rows.map((row) => row.feature).join(',');
          first = false;
        }
        yield ']}';
      }
      return c.body(textStream(features()), 200, { 'content-type': mediaTypes.geojson, vary: 'accept' });
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
      'content-disposition': `attachment; filename="${kind === 'site' ? 'site-eco' : 'terrain-eco'}-search.csv"`,
      vary: 'accept',
    });
  }

  const limit = query.limit ?? 50;
  const [page, { total, exact: totalExact }] = await Promise.all([
    searchPage(db, { kind, brief, output, cursor, limit, today }),
    countMatches(db, kind, brief, query.count === 'exact'),
  ]);
  const last = page.rows[page.rows.length - 1];
  const next =
    page.more && last
      ? pageLink(c, encodeCursor({ sort: sortName, key: Number(last.sortKey), id: String(last.id) }))
      : null;
  const links = { self: pageLink(c, query.cursor), next };

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
      'content-disposition': `attachment; filename="${fileName}-search.csv"`,
      vary: 'accept',
    };
    if (next) headers.link = `<${next}>; rel="next"`;
    return c.body(
      spreadsheetBom + cnigCsvHeader(cnigClassOf(kind)) + cnigCsvLines(cnigClassOf(kind), page.rows),
      200,
      headers,
    );
  }
  const item = itemOf(kind);
  return c.json(
    {
      total,
      totalExact,
      returned: page.rows.length,
      sort: sortName,
      items: page.rows.map((row) => item(row, page.definition)),
      links,
    },
    200,
    { vary: 'accept' },
  );
}
