// Coordinate reference systems of the outputs (OGC API Features Part 2): the CRS a client may
// ask for with `crs` or give its `bbox` in with `bbox-crs`, how each is named (the OGC URIs,
// plus the short spellings GIS users type), and the PostGIS expressions that move geometry in
// and out of the stored EPSG:4326 (longitude first). Every transformation is PostGIS's
// ST_Transform (PROJ), the same on both backends, never JavaScript.
import { z } from '@hono/zod-openapi';
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { CollectionDefinition } from './collections.js';
import { bboxExpression, parseBbox, QueryError } from './filter-sql.js';

export interface CrsDefinition {
  /** The OGC URI, as `crs`, `bbox-crs`, `Content-Crs` and the collections' `crs` lists spell it. */
  uri: string;
  /** Short name for humans and file headers (`EPSG:2154`). */
  code: string;
  title: string;
  srid: number;
  /** EPSG:4326 is latitude, longitude by its definition; CRS84 and the projected ones are x, y. */
  latitudeFirst: boolean;
  /** Decimals written: 6 on degrees (about 0.1 m), 3 on metres (1 mm). */
  decimals: number;
  /** The range a bbox in this CRS must stay in, [minX, minY, maxX, maxY] in its own axis order. */
  range: [number, number, number, number];
}

export const crs84: CrsDefinition = {
  uri: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  code: 'OGC:CRS84',
  title: 'WGS 84 longitude, latitude',
  srid: 4326,
  latitudeFirst: false,
  decimals: 6,
  range: [-180, -90, 180, 90],
};

export const epsg4326: CrsDefinition = {
  uri: 'http://www.opengis.net/def/crs/EPSG/0/4326',
  code: 'EPSG:4326',
  title: 'WGS 84 latitude, longitude',
  srid: 4326,
  latitudeFirst: true,
  decimals: 6,
  range: [-90, -180, 90, 180],
};

export const lambert93: CrsDefinition = {
  uri: 'http://www.opengis.net/def/crs/EPSG/0/2154',
  code: 'EPSG:2154',
  title: 'RGF93 v1 / Lambert-93',
  srid: 2154,
  latitudeFirst: false,
  decimals: 3,
  // The projection's origin is (700 000, 6 600 000); metropolitan France spans about
  // -380 km..1 320 km by 6 005 km..7 236 km (EPSG area of use). Past ±2 000 km of it the
  // conic projection stops meaning anything for French data.
  range: [-1_300_000, 4_600_000, 2_700_000, 8_600_000],
};

export const webMercator: CrsDefinition = {
  uri: 'http://www.opengis.net/def/crs/EPSG/0/3857',
  code: 'EPSG:3857',
  title: 'WGS 84 / Pseudo-Mercator',
  srid: 3857,
  latitudeFirst: false,
  decimals: 3,
  // π × 6 378 137 m: the square of the Web Mercator world.
  range: [-20_037_508.342789244, -20_037_508.342789244, 20_037_508.342789244, 20_037_508.342789244],
};

/** Every CRS of the OGC collections, CRS84 (the default) first. */
export const supportedCrs: CrsDefinition[] = [crs84, epsg4326, lambert93, webMercator];

/** Downloads: CRS84 and the projected CRS. EPSG:4326 would put latitude first, which no GeoJSON
 *  or FlatGeobuf reader expects (GDAL reads both as x = longitude). */
export const downloadCrs: CrsDefinition[] = [crs84, lambert93, webMercator];

/** The CNIG files: CRS84 or the standard's Lambert-93, the two the CNIG importer reads back. */
export const cnigCrs: CrsDefinition[] = [crs84, lambert93];

/** The spellings of a CRS we accept: its URI (http or https), `EPSG:2154`, the safe CURIE
 *  `[EPSG:2154]`, the URN `urn:ogc:def:crs:EPSG::2154`, and `CRS84` alone. */
function spellings(crs: CrsDefinition): string[] {
  const [authority, id] = crs.code.split(':') as [string, string];
  const urn = authority === 'OGC' ? `urn:ogc:def:crs:OGC:1.3:${id}` : `urn:ogc:def:crs:EPSG::${id}`;
  return [
    crs.uri,
    crs.uri.replace(/^http:/, 'https:'),
    crs.code,
    `[${crs.code}]`,
    urn,
    ...(authority === 'OGC' ? [id] : []),
  ].map((s) => s.toLowerCase());
}

export function findCrs(text: string, allowed: CrsDefinition[] = supportedCrs): CrsDefinition | undefined {
  const wanted = text.trim().toLowerCase();
  return allowed.find((crs) => spellings(crs).includes(wanted));
}

/** A `crs`-like query parameter, optional, parsed to its definition (CRS84 when absent). */
export function crsQuery(allowed: CrsDefinition[], description: string) {
  const uris = allowed.map((c) => c.uri).join(', ');
  const codes = allowed.map((c) => c.code).join(', ');
  return (
    z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return crs84;
        const found = findCrs(text, allowed);
        if (found) return found;
        ctx.addIssue({
          code: 'custom',
          message: `unsupported CRS ${JSON.stringify(text)}; one of ${uris}`,
        });
        return z.NEVER;
      })
      // No enum: the short forms (EPSG:2154, CRS84) are accepted as well as the URIs.
      .openapi({
        type: 'string',
        description: `${description}: ${uris}, or ${codes}`,
        example: lambert93.uri,
      })
  );
}

/** The `Content-Crs` header (OGC API Features Part 2: the URI in angle brackets). */
export const contentCrs = (crs: CrsDefinition) => ({ 'content-crs': `<${crs.uri}>` });

/**
 * The pre-RFC 7946 `crs` member of a FeatureCollection in a projected CRS: RFC 7946 has no way
 * to say it, and GDAL (and the CNIG importer) read this one, so a Lambert-93 file opens as
 * Lambert-93. None for CRS84, the default, nor for EPSG:4326, which GDAL would read as x = longitude.
 */
export function legacyCrsMember(crs: CrsDefinition): { crs?: { type: 'name'; properties: { name: string } } } {
  if (crs.srid === 4326) return {};
  const [, id] = crs.code.split(':');
  return { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${id}` } } };
}

/** A stored geometry (EPSG:4326, longitude first) in `crs`: transformed, axes swapped for EPSG:4326. */
export function geometryIn(geom: Expression<unknown>, crs: CrsDefinition): RawBuilder<unknown> {
  if (crs.latitudeFirst) return sql`ST_FlipCoordinates(${geom})`;
  if (crs.srid !== 4326) return sql`ST_Transform(${geom}, ${sql.lit(crs.srid)})`;
  return sql`${geom}`;
}

/** GeoJSON text of a stored geometry in `crs`, exterior rings counter-clockwise before any axis
 *  swap. Options 0: ST_AsGeoJSON would otherwise add its own `crs` member to a geometry whose
 *  SRID is not 4326. */
export function geoJsonIn(geom: Expression<unknown>, crs: CrsDefinition): RawBuilder<string> {
  return sql<string>`ST_AsGeoJSON(${geometryIn(sql`ST_ForcePolygonCCW(${geom})`, crs)}, ${sql.lit(crs.decimals)}, 0)`;
}

/** The same geometry as geoJsonIn, as WKB at full precision (the FlatGeobuf download reads it). */
export function wkbIn(geom: Expression<unknown>, crs: CrsDefinition): RawBuilder<Uint8Array> {
  return sql<Uint8Array>`ST_AsBinary(${geometryIn(sql`ST_ForcePolygonCCW(${geom})`, crs)})`;
}

/** `bbox` given in `crs` (`bbox-crs`): 4 or 6 numbers in the CRS's own axis order. */
export function bboxCondition(collection: CollectionDefinition, text: string, crs: CrsDefinition): RawBuilder<boolean> {
  if (crs === crs84) return bboxExpression(collection, parseBbox(text));
  const parts = text.split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !Number.isFinite(p))) {
    throw new QueryError(
      'bbox',
      `expected 4 or 6 numbers in ${crs.code} ` +
        `(${crs.latitudeFirst ? 'minLat,minLon,maxLat,maxLon' : 'minX,minY,maxX,maxY'})`,
    );
  }
  const [a, b, c, d] =
    parts.length === 6 ? [parts[0]!, parts[1]!, parts[3]!, parts[4]!] : (parts as [number, number, number, number]);
  // EPSG:4326 is CRS84 with the axes swapped: the CRS84 checks and condition apply once swapped.
  if (crs.latitudeFirst) return bboxExpression(collection, parseBbox([b, a, d, c].join(',')));
  const [minX, minY, maxX, maxY] = crs.range;
  if (a < minX || c > maxX || b < minY || d > maxY)
    throw new QueryError('bbox', `coordinates out of the ${crs.code} range [${crs.range.join(', ')}]`);
  if (a > c || b > d) throw new QueryError('bbox', 'the lower corner is above or right of the upper corner');
  // A straight edge in metres is a curve in degrees: the box is densified (16 vertices a side)
  // before it is transformed, so the condition follows the box the client drew.
  const step = Math.max(c - a, d - b) / 16 || 1;
  const envelope = sql`ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, ${sql.lit(crs.srid)})`;
  const box = sql`ST_Transform(ST_Segmentize(${envelope}, ${step}), 4326)`;
  const geom = sql.ref(collection.geometryColumn);
  return sql<boolean>`(${geom} && ${box} AND ST_Intersects(${geom}, ${box}))`;
}
