// Geometry of imported rows checked by PostGIS before anything is written: parsable, of the
// expected kind, valid (OGC), inside France. A bad geometry rejects its row, naming the column.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { inFrance } from '../geometry/input.js';
import type { ImportReportBuilder } from './import-report.js';

export interface GeometryRow {
  row: number;
  /** GeoJSON geometry text or WKT, in `srid`. */
  geojson?: string;
  wkt?: string;
  srid: number;
}

interface Check {
  row: number;
  valid: boolean;
  reason: string;
  type: string;
  bbox: number[];
}

/** A row's geometry as it came, in its own SRID: GeoJSON text, or else WKT. */
const sourceGeometry = sql`CASE WHEN x.geojson IS NOT NULL
  THEN ST_SetSRID(ST_GeomFromGeoJSON(x.geojson), x.srid)
  ELSE ST_GeomFromText(x.wkt, x.srid) END`;

const checkQuery = (rows: GeometryRow[]) => {
  const payload = rows.map((r) => ({ row: r.row, geojson: r.geojson ?? null, wkt: r.wkt ?? null, srid: r.srid }));
  return sql<Check>`
    SELECT x.row, ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, upper(GeometryType(g)) AS type,
           json_build_array(ST_XMin(g4), ST_YMin(g4), ST_XMax(g4), ST_YMax(g4)) AS bbox
    FROM json_to_recordset(${JSON.stringify(payload)}::json)
      AS x("row" int, geojson text, wkt text, srid int),
    LATERAL (SELECT ${sourceGeometry} AS g) a,
    LATERAL (SELECT ST_Transform(a.g, 4326) AS g4) b`;
};

/** Rejects the rows whose geometry is unusable; returns the rows that pass. */
export async function checkGeometryRows<T extends GeometryRow>(
  db: Kysely<Database>,
  report: ImportReportBuilder,
  rows: T[],
  column: string,
  allowedTypes: string[],
): Promise<T[]> {
  let checks: Check[] = [];
  try {
    checks = (await checkQuery(rows).execute(db)).rows;
  } catch {
    // One unparsable geometry fails the whole statement: find it row by row.
    for (const r of rows) {
      try {
        checks.push(...(await checkQuery([r]).execute(db)).rows);
      } catch (error) {
        report.reject(r.row, column, `unreadable geometry: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  const byRow = new Map(checks.map((c) => [c.row, c]));
  return rows.filter((r) => {
    const check = byRow.get(r.row);
    if (!check) return false;
    if (!allowedTypes.includes(check.type))
      report.reject(r.row, column, `geometry type ${check.type}; expected ${allowedTypes.join(' or ')}`);
    else if (!check.valid) report.reject(r.row, column, `invalid geometry: ${check.reason}`);
    else if (!inFrance(check.bbox))
      report.reject(r.row, column, 'geometry lies outside France (metropolitan and overseas)');
    else return true;
    return false;
  });
}

/** SQL that turns a checked row's geometry into a 4326 MultiPolygon (or its point, as is). */
export const geometryExpression = sql`ST_Transform(${sourceGeometry}, 4326)`;
