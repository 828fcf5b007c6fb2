// Reading one CNIG row: the TableSchema check, then each field's text converted to the value
// of its column ('oui' → true, '80024000ZO0030|…' → string[], GeoJSON text → geometry + SRID).
// Lambert-93 is detected by coordinate range: CRS84 never leaves [-180, 180] × [-90, 90],
// Lambert-93 metropolitan coordinates are in the hundreds of thousands of metres.
import type { Geometry } from 'geojson';
import {
  cnigExtensions,
  refcadSeparator,
  siteEcoFields,
  terrainEcoFields,
  type CnigClass,
  type CnigExtension,
  type CnigField,
} from './fields.js';
import { cnigSchemas, missingValues, validateRow, type FieldProblem } from './table-schema.js';

export const LAMBERT_93 = 2154;
export const CRS84 = 4326;

/** Fields required by the standard that we accept empty, with a warning (we do not manage pôles). */
const toleratedMissing = new Set(['pole_id']);

function firstPosition(geometry: Geometry): number[] | undefined {
  if (geometry.type === 'GeometryCollection') return geometry.geometries.map(firstPosition).find(Boolean);
  let value: unknown = geometry.coordinates;
  while (Array.isArray(value) && Array.isArray(value[0])) value = value[0];
  return Array.isArray(value) ? (value as number[]) : undefined;
}

/** 4326 when every coordinate could be longitude/latitude, else 2154 (Lambert-93). */
export function detectSrid(geometry: Geometry): number {
  const position = firstPosition(geometry);
  if (!position) return CRS84;
  const [x = 0, y = 0] = position;
  return Math.abs(x) <= 180 && Math.abs(y) <= 90 ? CRS84 : LAMBERT_93;
}

export interface CnigRow {
  /** Column name → value, for mapped fields only. */
  values: Record<string, unknown>;
  /** The geometry as GeoJSON text, parsed (`value`), and the SRID it is in. */
  geometry?: { geojson: string; value: Geometry; srid: number };
  /** The site's CNIG id, for a terrain-eco row. */
  siteCnigId?: string;
  problems: FieldProblem[];
  warnings: FieldProblem[];
}

function convert(field: CnigField<string>, text: string): unknown {
  switch (field.kind) {
    case 'number':
      return Number(text);
    case 'integer':
    case 'year':
      return Number.parseInt(text, 10);
    case 'boolean':
      return text === 'oui';
    case 'refs':
      return text.split(refcadSeparator).filter(Boolean);
    default:
      return text;
  }
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** Why an extension column's text is not a value of its type, or undefined. */
function extensionProblem(extension: CnigExtension<string>, text: string): string | undefined {
  switch (extension.kind) {
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) && value >= 0
        ? undefined
        : `a number ≥ 0 expected${extension.unit ? ` (${extension.unit})` : ''}`;
    }
    case 'date': {
      // new Date() rolls 2027-02-30 over to March: the date must read back as written.
      return isoDate.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text)
        ? undefined
        : 'a date YYYY-MM-DD expected';
    }
    default:
      return extension.values && !extension.values.includes(text)
        ? `one of ${extension.values.join(', ')} expected`
        : undefined;
  }
}

/**
 * `options.geometry`: the geometry field already parsed (a GeoJSON source hands the object
 * over with its text, so that a million-row import does not parse every geometry twice).
 */
export function readCnigRow(
  kind: CnigClass,
  row: Record<string, string | undefined>,
  options: { srid?: number; geometry?: Geometry } = {},
): CnigRow {
  const schema = cnigSchemas[kind];
  const missing = missingValues(schema);
  const fields = (kind === 'site-eco' ? siteEcoFields : terrainEcoFields) as CnigField<string>[];
  // The geometry text is parsed once, for the schema check and for the row.
  const geometryField = fields.find((field) => field.kind === 'geometry')!.name;
  let geometry = options.geometry;
  const geometryText = row[geometryField]?.trim();
  if (!geometry && geometryText && !missing.has(geometryText)) {
    try {
      geometry = JSON.parse(geometryText) as Geometry;
    } catch {
      // Left to validateRow, which reports it.
    }
  }
  const all = validateRow(schema, row, geometry ? { [geometryField]: geometry } : {});
  const warnings = all.filter((p) => toleratedMissing.has(p.field) && p.reason === 'required value missing');
  const problems = all.filter((p) => !warnings.includes(p));
  const values: Record<string, unknown> = {};
  const result: CnigRow = { values, problems, warnings };
  for (const field of fields) {
    const raw = row[field.name];
    const text = raw === undefined || missing.has(raw) ? undefined : raw.trim();
    if (kind === 'terrain-eco' && field.name === 'site_id') result.siteCnigId = text;
    if (!field.column || problems.some((p) => p.field === field.name)) continue;
    if (field.kind === 'geometry') {
      if (text !== undefined) {
        geometry ??= JSON.parse(text) as Geometry;
        if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')
          problems.push({
            field: field.name,
            reason: `a ${geometry.type} where a Polygon or MultiPolygon is expected`,
          });
        else result.geometry = { geojson: text, value: geometry, srid: options.srid ?? detectSrid(geometry) };
      }
      continue;
    }
    // A site that is its own pôle (pole_id = site_id, as write.ts writes a site in no pôle) has none.
    if (field.name === 'pole_id' && text !== undefined && text === row.site_id?.trim()) {
      values[field.column] = null;
      continue;
    }
    // An empty terr_refcad is an empty list (the column is NOT NULL DEFAULT '{}').
    values[field.column] = text === undefined ? (field.kind === 'refs' ? [] : null) : convert(field, text);
  }
  // Extension columns after the standard's: a column the file lacks leaves the stored value
  // alone (no key in `values`), an empty one clears it.
  for (const extension of cnigExtensions(kind)) {
    const raw = row[extension.name];
    if (raw === undefined) continue;
    const text = raw.trim();
    if (text === '' || missing.has(text)) {
      values[extension.column] = null;
      continue;
    }
    const problem = extensionProblem(extension, text);
    if (problem) problems.push({ field: extension.name, reason: problem });
    else values[extension.column] = convert(extension, text);
  }
  return result;
}
