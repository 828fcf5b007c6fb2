// Small typed PostGIS helpers that take and return Kysely expressions. Geometry leaves the
// database as GeoJSON text parsed by the driver (ST_AsGeoJSON(...)::json), RFC 7946 style:
// CRS84 axis order, exterior rings counter-clockwise, at most 6 decimals (about 0.1 m).
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Geometry as GeoJsonGeometry, BBox } from 'geojson';

export const GEOJSON_DECIMALS = 6;

/** The geometry as GeoJSON; `G` names the column's geometry type where it has one (MultiPolygon). */
export function asGeoJson<G extends GeoJsonGeometry = GeoJsonGeometry>(geom: Expression<unknown>): RawBuilder<G> {
  return sql<G>`ST_AsGeoJSON(ST_ForcePolygonCCW(${geom}), ${sql.lit(GEOJSON_DECIMALS)})::json`;
}

export function pointOnSurfaceGeoJson(geom: Expression<unknown>): RawBuilder<GeoJsonGeometry> {
  return sql<GeoJsonGeometry>`ST_AsGeoJSON(ST_PointOnSurface(${geom}), ${sql.lit(GEOJSON_DECIMALS)})::json`;
}

/** [minLon, minLat, maxLon, maxLat] of a geometry, rounded outwards to 6 decimals. */
export function bbox(geom: Expression<unknown>): RawBuilder<BBox | null> {
  return sql<BBox | null>`CASE WHEN ${geom} IS NULL THEN NULL ELSE json_build_array(
    floor(ST_XMin(${geom})::numeric * 1e6) / 1e6, floor(ST_YMin(${geom})::numeric * 1e6) / 1e6,
    ceil(ST_XMax(${geom})::numeric * 1e6) / 1e6, ceil(ST_YMax(${geom})::numeric * 1e6) / 1e6) END`;
}

/** A GeoJSON geometry as a PostGIS MultiPolygon in EPSG:4326 (the value travels as a parameter). */
export function multiPolygonFromGeoJson(geometry: GeoJsonGeometry): RawBuilder<unknown> {
  return sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326))`;
}
