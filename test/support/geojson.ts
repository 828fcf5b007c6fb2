// RFC 7946 checks shared by the tests, and the small geometries they build.
import booleanClockwise from '@turf/boolean-clockwise';
import type { Geometry, Polygon, Position } from 'geojson';

/** A square `d` degrees wide with its south-west corner at (lon, lat), counter-clockwise. */
export function squareAt(lon: number, lat: number, d: number): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
      ],
    ],
  };
}

export function* rings(geometry: Geometry): Generator<{ ring: Position[]; exterior: boolean }> {
  if (geometry.type === 'Polygon')
    for (const [i, ring] of geometry.coordinates.entries()) yield { ring, exterior: i === 0 };
  if (geometry.type === 'MultiPolygon')
    for (const polygon of geometry.coordinates)
      for (const [i, ring] of polygon.entries()) yield { ring, exterior: i === 0 };
}

/** Lists every RFC 7946 violation found: winding, closure, CRS84 range, precision. */
export function rfc7946Problems(geometry: Geometry): string[] {
  const problems: string[] = [];
  for (const { ring, exterior } of rings(geometry)) {
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) problems.push('ring not closed');
    // RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
    if (booleanClockwise(ring) === exterior)
      problems.push(exterior ? 'exterior ring clockwise' : 'hole counter-clockwise');
    for (const [lon, lat] of ring) {
      if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90)
        problems.push(`position out of CRS84 range: ${lon},${lat}`);
      for (const value of [lon!, lat!])
        if ((String(value).split('.')[1]?.length ?? 0) > 6) problems.push(`more than 6 decimals: ${value}`);
    }
  }
  return [...new Set(problems)];
}

/** The same square, under the name the ZAN tests use. */
export const square = squareAt;
