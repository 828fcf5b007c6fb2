-- Why a geometry cannot be brought to WGS 84 (the first line of the PostGIS error), or NULL when
-- it can (issue #18, target 4): foncier_geojson_problem (sql/017) for the rows a CNIG import
-- stages as EWKB (src/geometry/ewkb.ts), whose only failure left is the transformation (an SRID
-- PostGIS does not know).
CREATE FUNCTION foncier_geometry_problem(geom geometry) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ST_Transform(geom, 4326);
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  RETURN split_part(SQLERRM, E'\n', 1);
END
$$;
