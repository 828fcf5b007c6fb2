-- Sites are clustered at zoom 10 too (issue #18, target 2): at z10 a 30 ha site is ~5 px
-- across in France, and the densest z10 tile of a 1M-plot catalogue carried its 1,500 largest
-- site polygons (227 KB, ~100 ms p95 against ~5 ms for the same tile's cluster layers). Sites
-- are drawn as polygons from z11 (SITE_CLUSTER_BELOW in src/tiles/layers.ts), so their cells
-- hold levels 8–13 (zoom + 3 for z5–z10).
CREATE OR REPLACE FUNCTION foncier_cluster_levels(layer text) RETURNS int4range LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE layer WHEN 'sites' THEN int4range(8, 13, '[]') WHEN 'plots' THEN int4range(13, 15, '[]')
    WHEN 'brownfields' THEN int4range(8, 15, '[]') END
$$;

-- The sites' cells again, now with level 13 (the other layers' cells are unchanged).
DELETE FROM cluster_cells WHERE layer = 'sites';
DO $$
BEGIN
  EXECUTE foncier_cluster_delta_sql('sites', foncier_cluster_members_sql('sites', 'sites', 1));
  PERFORM foncier_cluster_settle();
END
$$;
