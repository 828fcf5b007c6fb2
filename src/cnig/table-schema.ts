// A small Frictionless TableSchema validator for the CNIG files: required fields, types
// (string, number, integer, date with %Y or %Y-%m-%d, geojson, geopoint), enums and patterns,
// with the schema's missingValues. The CNIG schemas put most enums at field level rather than
// under `constraints`; both places are honoured.
import siteEcoSchema from './schemas/site-eco.schema.json' with { type: 'json' };
import terrainEcoSchema from './schemas/terrain-eco.schema.json' with { type: 'json' };
import type { CnigClass } from './fields.js';

export interface TableSchemaField {
  name: string;
  type: string;
  format?: string;
  enum?: string[];
  constraints?: { required?: boolean; enum?: string[]; pattern?: string; minimum?: number; maximum?: number };
}

export interface TableSchema {
  fields: TableSchemaField[];
  missingValues?: string[];
  primaryKey?: string | string[];
}

export interface FieldProblem {
  field: string;
  reason: string;
}

export const cnigSchemas: Record<CnigClass, TableSchema> = {
  'site-eco': siteEcoSchema as TableSchema,
  'terrain-eco': terrainEcoSchema as TableSchema,
};

/** The texts that mean "no value" in a schema's files (default: the empty string). */
const missingSets = new WeakMap<TableSchema, Set<string>>();
export function missingValues(schema: TableSchema): Set<string> {
  let set = missingSets.get(schema);
  if (!set) {
    set = new Set(schema.missingValues ?? ['']);
    missingSets.set(schema, set);
  }
  return set;
}

// Compiled once per pattern: validation runs on every row of files with millions of rows.
const compiledPatterns = new Map<string, RegExp>();
function wholeValuePattern(pattern: string): RegExp {
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 'u');
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}

const geoJsonTypes = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

function checkType(field: TableSchemaField, value: string, parsedValue?: unknown): string | undefined {
  switch (field.type) {
    case 'number':
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)
        ? undefined
        : `${JSON.stringify(value)} is not a number`;
    case 'integer':
      return /^[-+]?\d+$/.test(value) ? undefined : `${JSON.stringify(value)} is not an integer`;
    case 'date': {
      if (field.format === '%Y')
        return /^\d{4}$/.test(value) ? undefined : `${JSON.stringify(value)} is not a year (YYYY)`;
      const ok =
        /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(value).toISOString().startsWith(value);
      return ok ? undefined : `${JSON.stringify(value)} is not a date (YYYY-MM-DD)`;
    }
    case 'geojson': {
      try {
        const parsed = (parsedValue ?? JSON.parse(value)) as { type?: unknown; coordinates?: unknown } | null;
        return typeof parsed?.type === 'string' &&
          geoJsonTypes.has(parsed.type) &&
          (parsed.type === 'GeometryCollection' || Array.isArray(parsed.coordinates))
          ? undefined
          : 'not a GeoJSON geometry';
      } catch {
        return 'not valid JSON';
      }
    }
    case 'geopoint': {
      // format "default": "lon, lat"
      const parts = value.split(',').map((p) => Number(p.trim()));
      return parts.length === 2 && parts.every(Number.isFinite)
        ? undefined
        : `${JSON.stringify(value)} is not a "lon, lat" point`;
    }
    default:
      return undefined;
  }
}

/**
 * Every problem in one row (field name → text as read from the file). `parsed` holds values
 * the caller has already parsed from that text (a GeoJSON field's object), so that they are
 * not parsed again.
 */
export function validateRow(
  schema: TableSchema,
  row: Record<string, string | undefined>,
  parsed: Record<string, unknown> = {},
): FieldProblem[] {
  const missing = missingValues(schema);
  const problems: FieldProblem[] = [];
  for (const field of schema.fields) {
    const raw = row[field.name];
    const value = raw === undefined || missing.has(raw) ? undefined : raw;
    if (value === undefined) {
      if (field.constraints?.required)
        problems.push({ field: field.name, reason: raw === undefined ? 'column missing' : 'required value missing' });
      continue;
    }
    const typeProblem = checkType(field, value, parsed[field.name]);
    if (typeProblem) {
      problems.push({ field: field.name, reason: typeProblem });
      continue;
    }
    const allowed = field.constraints?.enum ?? field.enum;
    if (allowed && !allowed.includes(value))
      problems.push({ field: field.name, reason: `${JSON.stringify(value)} is not one of the standard's values` });
    const pattern = field.constraints?.pattern;
    // TableSchema patterns match the whole value.
    if (pattern && !wholeValuePattern(pattern).test(value))
      problems.push({ field: field.name, reason: `${JSON.stringify(value)} does not match the expected pattern` });
  }
  return problems;
}

/** Column names of a header row that the schema does not know. */
export function unknownColumns(schema: TableSchema, header: string[]): string[] {
  const known = new Set(schema.fields.map((field) => field.name));
  return header.filter((name) => !known.has(name));
}
