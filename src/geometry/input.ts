// Geometry written by clients: RFC 7946 Polygon or MultiPolygon in CRS84. Structure is
// checked here (types, closed rings, vertex budget, coordinate ranges), validity and
// location by PostGIS (`checkGeometry`), so that a bad geometry is a 400 naming the field
// and never reaches a table.
import { z } from '@hono/zod-openapi';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { invalidParam, type InvalidParam } from '../http/errors.js';

/** Beyond this a geometry is not a plot or a site; it also bounds the work one request can ask. */
export const MAX_VERTICES = 100_000;

// France, metropolitan and overseas: generous envelopes (CRS84) of each part, so that a
// geometry in the sea next to the coast is accepted but one in another country's interior
// far away is not. [minLon, minLat, maxLon, maxLat]
export const franceEnvelopes: Record<string, [number, number, number, number]> = {
  metropole: [-5.6, 41.3, 9.7, 51.2],
  guadeloupe: [-61.9, 15.8, -60.9, 16.6],
  martinique: [-61.3, 14.3, -60.7, 14.95],
  guyane: [-54.7, 2.1, -51.5, 5.9],
  reunion: [55.1, -21.5, 55.9, -20.8],
  mayotte: [44.9, -13.1, 45.4, -12.5],
};

const position = z.array(z.number()).min(2).max(3);
const ring = z.array(position).min(4, { message: 'a ring needs at least 4 positions' });

export const polygonalGeometrySchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) }),
  ])
  .superRefine((geometry, ctx) => {
    const polygons: Position[][][] = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    let vertices = 0;
    for (const [p, polygon] of polygons.entries()) {
      for (const [i, r] of polygon.entries()) {
        vertices += r.length;
        const first = r[0]!;
        const last = r[r.length - 1]!;
        const path = geometry.type === 'Polygon' ? ['coordinates', i] : ['coordinates', p, i];
        if (first[0] !== last[0] || first[1] !== last[1])
          ctx.addIssue({ code: 'custom', path, message: 'ring is not closed (first and last positions differ)' });
        if (r.some(([lon, lat]) => lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'position outside CRS84 range (longitude -180..180, latitude -90..90)',
          });
        }
      }
    }
    if (vertices > MAX_VERTICES)
      ctx.addIssue({ code: 'custom', path: ['coordinates'], message: `${vertices} vertices; at most ${MAX_VERTICES}` });
  })
  .openapi('PolygonalGeometry', { description: 'GeoJSON Polygon or MultiPolygon, CRS84 (lon, lat)' });

export type PolygonalGeometry = Polygon | MultiPolygon;

export function inFrance([minLon, minLat, maxLon, maxLat]: number[]): boolean {
  return Object.values(franceEnvelopes).some(
    ([a, b, c, d]) => minLon! >= a && minLat! >= b && maxLon! <= c && maxLat! <= d,
  );
}

/** PostGIS checks: valid (OGC), inside France. Throws a ValidationError naming `field`. */
export async function checkGeometry(
  db: Kysely<Database>,
  geometry: PolygonalGeometry,
  field = 'geometry',
): Promise<void> {
  const { rows } = await sql<{ valid: boolean; reason: string; bbox: number[] }>`
    SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
           json_build_array(ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g)) AS bbox
    FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326) AS g) AS input`.execute(db);
  const check = rows[0]!;
  const problems: InvalidParam[] = [];
  if (!check.valid) problems.push({ in: 'body', name: field, message: `invalid geometry: ${check.reason}` });
  if (!inFrance(check.bbox))
    problems.push({ in: 'body', name: field, message: 'geometry lies outside France (metropolitan and overseas)' });
  if (problems.length === 1) throw invalidParam('body', field, problems[0]!.message);
  if (problems.length > 1) throw invalidParam('body', field, problems.map((p) => p.message).join('; '));
}
