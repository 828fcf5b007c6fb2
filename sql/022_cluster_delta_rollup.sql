-- The cluster cells' delta aggregates the members once, at the layer's finest level, and each
-- coarser level from the level below it (issue #18, target 4): a cell is the sum of the four
-- cells under it. Before, every member was grouped once per level (three times for a plot,
-- eight for a brownfield). And each subquery is fenced (OFFSET 0): sql/019 meant each member's
-- box and Mercator centre to be computed once, but the planner still flattened the members and
-- the centres into the sums, computing Box2D and the centre once per use. A 100,000-plot import
-- spent 1.4 s of its upsert in the plots' cluster trigger; the same delta over 100,801 plots
-- took 1,107 ms before and 452 ms with the fences alone (EXPLAIN ANALYZE, jit and parallel off).
--
-- Exact, not approximate: a level's column and row are floor(v) with v = (x + W) · 2^level / 2W
-- in float8 (foncier_cluster_cx, _cy); 2^(level-1) / 2W is exactly half of 2^level / 2W (a power
-- of two scales a correctly rounded quotient or product exactly), so v at level - 1 is exactly
-- v / 2, and floor(v / 2) = floor(floor(v) / 2), the finer cell's column shifted right by one
-- bit (>> rounds towards minus infinity, as floor). The sums are numeric or integer, so adding
-- cells adds the same members; a cell's lone member (member_id) is max over max. The cells and
-- the tiles are unchanged (test/http/tiles-cells.test.ts compares them with a recount).
CREATE OR REPLACE FUNCTION foncier_cluster_delta_sql(layer text, members text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  WITH levels AS (
    SELECT lower(foncier_cluster_levels(layer)) AS coarsest, upper(foncier_cluster_levels(layer)) - 1 AS finest
  )
  SELECT format($q$
    WITH l%2$s AS (
      SELECT %2$s AS level, foncier_cluster_cy(m.my, %2$s) AS cy, foncier_cluster_cx(m.mx, %2$s) AS cx, m.epci_siren,
        sum(m.sign)::bigint AS members,
        sum(m.sx) AS sum_x, sum(m.sy) AS sum_y, sum(m.sa) AS sum_a, sum(m.sb) AS sum_b,
        sum(m.ca)::bigint AS count_a, sum(m.cb)::bigint AS count_b, sum(m.cc)::bigint AS count_c,
        count(*) FILTER (WHERE m.sign > 0) AS added, count(*) FILTER (WHERE m.sign < 0) AS removed,
        max(m.id) FILTER (WHERE m.sign > 0) AS added_id, max(m.id) FILTER (WHERE m.sign < 0) AS removed_id
      FROM (
        SELECT m.sign, m.id, m.epci_siren, m.mx, m.my,
          m.sign * foncier_cluster_coordinate(m.mx) AS sx, m.sign * foncier_cluster_coordinate(m.my) AS sy,
          m.sign * m.sum_a AS sa, m.sign * m.sum_b AS sb,
          m.sign * m.count_a AS ca, m.sign * m.count_b AS cb, m.sign * m.count_c AS cc
        FROM (
          SELECT m.*, foncier_cluster_mx(m.box) AS mx, foncier_cluster_my(m.box) AS my
          FROM (%1$s
            OFFSET 0) m
          OFFSET 0
        ) m
        OFFSET 0
      ) m
      GROUP BY 2, 3, 4
    )%3$s
    INSERT INTO cluster_cells AS c (layer, level, cy, cx, epci_siren, members, sum_x, sum_y, sum_a, sum_b,
      count_a, count_b, count_c, member_id)
    SELECT %4$L, d.level, d.cy, d.cx, d.epci_siren, d.members, d.sum_x, d.sum_y, d.sum_a, d.sum_b,
      d.count_a, d.count_b, d.count_c,
      CASE WHEN d.added = 1 AND (d.removed = 0 OR d.removed_id = d.added_id) THEN d.added_id END
    FROM (%5$s) d
    WHERE (d.members, d.sum_x, d.sum_y, d.sum_a, d.sum_b, d.count_a, d.count_b, d.count_c) <> (0, 0, 0, 0, 0, 0, 0, 0)
      OR (d.added = 1 AND d.removed = 1 AND d.removed_id <> d.added_id)
    ON CONFLICT (layer, level, cy, cx, epci_siren) DO UPDATE SET
      members = c.members + excluded.members,
      sum_x = c.sum_x + excluded.sum_x, sum_y = c.sum_y + excluded.sum_y,
      sum_a = c.sum_a + excluded.sum_a, sum_b = c.sum_b + excluded.sum_b,
      count_a = c.count_a + excluded.count_a, count_b = c.count_b + excluded.count_b,
      count_c = c.count_c + excluded.count_c,
      member_id = CASE WHEN c.members + excluded.members = 1 AND c.members = 1 AND excluded.member_id = c.member_id
        THEN c.member_id END
  $q$,
    members,
    levels.finest,
    -- Each coarser level from the one below it.
    (SELECT coalesce(string_agg(format($r$,
    l%1$s AS (
      SELECT %1$s AS level, f.cy >> 1 AS cy, f.cx >> 1 AS cx, f.epci_siren,
        sum(f.members)::bigint AS members,
        sum(f.sum_x) AS sum_x, sum(f.sum_y) AS sum_y, sum(f.sum_a) AS sum_a, sum(f.sum_b) AS sum_b,
        sum(f.count_a)::bigint AS count_a, sum(f.count_b)::bigint AS count_b, sum(f.count_c)::bigint AS count_c,
        sum(f.added)::bigint AS added, sum(f.removed)::bigint AS removed,
        max(f.added_id) AS added_id, max(f.removed_id) AS removed_id
      FROM l%2$s f
      GROUP BY 2, 3, 4
    )$r$, level, level + 1), '' ORDER BY level DESC), '')
     FROM generate_series(levels.coarsest, levels.finest - 1) AS level),
    layer,
    (SELECT string_agg(format('SELECT * FROM l%s', level), ' UNION ALL ' ORDER BY level)
     FROM generate_series(levels.coarsest, levels.finest) AS level))
  FROM levels
$$;
