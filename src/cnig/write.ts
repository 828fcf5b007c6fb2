// Writing CNIG rows, the other way from read.ts: a stored site or plot → the values of the
// standard's fields, for every CNIG download (exports/cnig-*.ts) and the search's CSV.
// `cnigSelect` is the one select list: each field of the class, in the standard's order,
// aliased cnig0, cnig1… (aliases the CamelCasePlugin leaves alone), over `s` (sites, joined to
// their EPCI `e` and main commune `c`) or `p` (plots, joined to their site `s`). Derived fields
// are computed there, and so is the one withheld value: a buyer who is a natural person is
// personal data, so terr_acquereur leaves the database empty (plots/representation.ts shows
// it to admins; a file cannot tell who will read it). pole_id is required by the standard: a
// site we hold in no pôle économique is a pôle of one, named by its own site_id (read.ts
// reads that back as no pôle, so the file re-imports unchanged).
// From a selected row: the CSV line (';', 'oui'/'non', parcel refs joined with '|', the surface
// as GeoJSON text), or the Feature (the surface as geometry, the other fields as properties
// typed as the standard's TableSchema declares them).
import { stringify } from 'csv-stringify/sync';
import { sql, type RawBuilder } from 'kysely';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import { snakeCase } from '../db/schema.js';
import { featureText } from '../http/features.js';
import { crs84, geometryIn, type CrsDefinition } from '../ogc/crs.js';
import {
  cnigBoolean,
  cnigExtensions,
  refcadSeparator,
  siteEcoFields,
  terrainEcoFields,
  type CnigClass,
  type CnigField,
} from './fields.js';
import { cnigSchemas } from './table-schema.js';

/** CNIG files are ';'-separated. */
const csvDelimiter = ';';

export type CnigSelectedRow = Record<string, unknown>;

const alias = (i: number) => `cnig${i}`;

/**
 * The fields of a CNIG file in the standard's order, then (`extensions`) Foncier's extension
 * columns (cnig/fields.ts): a strict file is the standard's columns alone.
 */
export function cnigFields(kind: CnigClass, extensions = false): CnigField<string>[] {
  const standard = (kind === 'site-eco' ? siteEcoFields : terrainEcoFields) as CnigField<string>[];
  return extensions ? [...standard, ...cnigExtensions(kind)] : standard;
}

/** The column names of a CNIG file, in the standard's order (then the extension columns). */
export function cnigHeader(kind: CnigClass, extensions = false): string[] {
  return cnigFields(kind, extensions).map((field) => field.name);
}

/**
 * The CNIG fields as a select list (see the header for the aliases it expects). For `csv`,
 * every field, the surface as stored; for `geojson`, the surface with exterior rings
 * counter-clockwise (RFC 7946 §3.1.6) and no site_geompoint (a second geometry, derived from
 * the surface, which the standard's GeoPackage has no column for either). The geometries are in
 * `crs`: CRS84 by default, or Lambert-93 (`x, y` in metres to the millimetre).
 */
export function cnigSelect(
  kind: CnigClass,
  output: 'csv' | 'geojson' = 'csv',
  crs: CrsDefinition = crs84,
  extensions = false,
): RawBuilder<unknown> {
  const table = kind === 'site-eco' ? 's' : 'p';
  const columns = cnigFields(kind, extensions).flatMap((field, i) => {
    const as = sql.id(alias(i));
    if (field.kind === 'geometry') {
      const geom =
        output === 'geojson' ? sql`ST_ForcePolygonCCW(${sql.ref(`${table}.geom`)})` : sql.ref(`${table}.geom`);
      if (crs === crs84) return [sql`ST_AsGeoJSON(${geom}, ${sql.lit(GEOJSON_DECIMALS)}) AS ${as}`];
      // Options 0: no `crs` member inside the geometry (ST_AsGeoJSON adds one off EPSG:4326).
      return [sql`ST_AsGeoJSON(${geometryIn(geom, crs)}, ${sql.lit(crs.decimals)}, 0) AS ${as}`];
    }
    if (field.kind === 'point' && output === 'geojson') return [];
    if (field.column) {
      if (field.name === 'pole_id') return [sql`COALESCE(s.pole_id, s.cnig_id) AS ${as}`];
      if (field.name === 'terr_acquereur')
        return [sql`CASE WHEN p.buyer_is_natural_person THEN NULL ELSE p.buyer_name END AS ${as}`];
      return [sql`${sql.ref(`${table}.${snakeCase(field.column)}`)} AS ${as}`];
    }
    switch (field.name) {
      case 'site_epci_nom':
        return [sql`e.name AS ${as}`];
      case 'site_comm_nom':
        return [sql`c.name AS ${as}`];
      case 'site_geompoint': {
        const point = geometryIn(sql`ST_PointOnSurface(s.geom)`, crs);
        const decimals = sql.lit(crs.decimals);
        return [
          sql`round(ST_X(${point})::numeric, ${decimals}) || ', '
              || round(ST_Y(${point})::numeric, ${decimals}) AS ${as}`,
        ];
      }
      case 'site_id':
        return [sql`s.cnig_id AS ${as}`];
      default:
        return [sql`NULL AS ${as}`];
    }
  });
  return sql.join(columns);
}

/** A field's value as the standard's CSV writes it: '' when missing, 'oui'/'non', refs joined. */
export function cnigText(field: CnigField<string>, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (field.kind === 'boolean') return cnigBoolean(value as boolean);
  if (field.kind === 'refs') return (value as string[]).join(refcadSeparator);
  return String(value);
}

export function cnigCsvHeader(kind: CnigClass, extensions = false): string {
  return stringify([cnigHeader(kind, extensions)], { delimiter: csvDelimiter });
}

/** Selected rows as CSV lines (after cnigCsvHeader, with the same `extensions`). */
export function cnigCsvLines(kind: CnigClass, rows: CnigSelectedRow[], extensions = false): string {
  const fields = cnigFields(kind, extensions);
  return stringify(
    rows.map((row) => fields.map((field, i) => cnigText(field, row[alias(i)]))),
    { delimiter: csvDelimiter },
  );
}

// The TableSchema types numbers as `number` (counts too); dates, years, 'oui'/'non' and
// parcel lists are strings. JSON says the same: numbers as numbers, the rest as the CSV's text.
const numericTypes = new Set(['number', 'integer']);

interface PropertyField {
  name: string;
  index: number;
  field: CnigField<string>;
  numeric: boolean;
}

function propertyFields(kind: CnigClass): PropertyField[] {
  // Extension columns are typed by their kind, as the standard's by its TableSchema.
  const types = new Map<string, string>(cnigSchemas[kind].fields.map((f) => [f.name, f.type]));
  for (const extension of cnigExtensions(kind)) types.set(extension.name, extension.kind);
  return cnigFields(kind, true).flatMap((field, index) =>
    field.kind === 'geometry' || field.kind === 'point'
      ? []
      : [{ name: field.name, index, field, numeric: numericTypes.has(types.get(field.name) ?? '') }],
  );
}

const properties: Record<CnigClass, PropertyField[]> = {
  'site-eco': propertyFields('site-eco'),
  'terrain-eco': propertyFields('terrain-eco'),
};

/**
 * The CNIG properties of a selected row: every field but the geometries, missing ones as
 * null; the extension columns too when the row was selected with them.
 */
export function cnigProperties(
  kind: CnigClass,
  row: CnigSelectedRow,
  extensions = false,
): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  const standard = cnigFields(kind).length;
  for (const { name, index, field, numeric } of properties[kind]) {
    if (!extensions && index >= standard) break;
    const value = row[alias(index)];
    out[name] = value === null || value === undefined ? null : numeric ? Number(value) : cnigText(field, value);
  }
  return out;
}

const geometryIndex = (kind: CnigClass) => cnigFields(kind).findIndex((field) => field.kind === 'geometry');

/**
 * A selected row (cnigSelect(kind, 'geojson')) as a Feature's text. No Feature id: GDAL would
 * read a text id as one more field, and the CNIG id is a property already (site_id, terr_id).
 */
export function cnigFeatureText(kind: CnigClass, row: CnigSelectedRow, extensions = false): string {
  return featureText({
    geometry: String(row[alias(geometryIndex(kind))]),
    properties: cnigProperties(kind, row, extensions),
  });
}

/** The standard's GeoPackage layer of a class (site_eco, terrain_eco). */
export const cnigLayerName = (kind: CnigClass) => kind.replace('-', '_');
