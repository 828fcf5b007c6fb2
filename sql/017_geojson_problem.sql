-- Why a GeoJSON geometry in `srid` cannot be read and brought to WGS 84 (the first line of the
-- PostGIS error), or NULL when it can (issue #18, target 4). A CNIG import checks its staged
-- rows in one statement; when that statement fails on a geometry PostGIS cannot parse, this
-- finds the unreadable rows in one pass (each call its own subtransaction) instead of one
-- statement per row.
CREATE FUNCTION foncier_geojson_problem(geojson text, srid integer) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(geojson), srid), 4326);
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  RETURN split_part(SQLERRM, E'\n', 1);
END
$$;
