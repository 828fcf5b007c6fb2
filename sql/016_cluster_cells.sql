-- Pre-aggregated grid clusters (issue #18, target 2): the cells of src/tiles/clusters.ts, kept
-- for every level a layer clusters at, so that a low-zoom tile reads at most 64 cells per layer
-- (times the EPCI in them) instead of aggregating every member under it.
--
-- A row is one cell of one level, per EPCI: a `?territory=` tile sums the rows of the
-- territory's EPCI (territory_epci read at tile time, so a change of a territory's members
-- needs no maintenance here), a national tile sums them all. The EPCI of a member: a site's
-- own, a plot's site's, a brownfield's commune's ('' when it has none).
--
-- Exactness: every sum is numeric, so adding and subtracting contributions never drifts and
-- the order of the members does not matter; the on-the-fly builder sums the same numeric
-- contributions (clusters.ts), so both give the same tile bit for bit. A member's Mercator
-- centre contributes round(x::numeric, 6) (micrometres, dscale 6 always, so that the mean's
-- division runs at the same scale whatever was added and removed).
--
-- Kept in the writer's transaction by statement-level triggers with transition tables (the
-- pattern of 015): the old rows' contributions subtracted, the new rows' added, grouped by
-- cell, upserted; then cells left empty are deleted and a cell left with one member whose id
-- the delta does not tell is given it from the base rows (foncier_cluster_settle).
--
-- Columns per layer (the aggregates of layers.ts):
--   sites:       sum_a area_ha, sum_b available area (offer), count_a turnkey, count_b labelled
--   plots:       sum_a area_ha, sum_b area for sale, count_a for sale, count_b turnkey, count_c brownfield
--   brownfields: sum_a surface_m2, count_a 'friche sans projet'
CREATE TABLE cluster_cells (
  layer       text NOT NULL CHECK (layer IN ('sites', 'plots', 'brownfields')),
  level       smallint NOT NULL, -- zoom + 3 (8 × 8 cells per tile)
  cy          integer NOT NULL,  -- row over the world at that level, from the north
  cx          integer NOT NULL,  -- column over the world, from the antimeridian
  epci_siren  text NOT NULL,     -- '' for members without an EPCI
  members     bigint NOT NULL,
  sum_x       numeric NOT NULL,  -- Σ round(Mercator x of the member's box centre, 6)
  sum_y       numeric NOT NULL,
  sum_a       numeric NOT NULL,
  sum_b       numeric NOT NULL,
  count_a     bigint NOT NULL,
  count_b     bigint NOT NULL,
  count_c     bigint NOT NULL,
  member_id   text,              -- the member's id when members = 1
  PRIMARY KEY (layer, level, cy, cx, epci_siren)
);
-- Rows only a statement in progress leaves: emptied cells, and single-member cells whose id is
-- to be looked up. Both indexes stay empty between statements.
CREATE INDEX cluster_cells_empty_idx ON cluster_cells (layer) WHERE members = 0;
CREATE INDEX cluster_cells_unnamed_idx ON cluster_cells (layer) WHERE members = 1 AND member_id IS NULL;

-- The member's centre in EPSG:3857: the centre of its bounding box, lon/lat to Web Mercator by
-- the formula (latitude clamped to ±85.0511287798066°). clusters.ts calls the same functions.
CREATE FUNCTION foncier_cluster_mx(box box2d) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (ST_XMin(box) + ST_XMax(box)) / 2 * (20037508.342789244::float8 / 180::float8)
$$;
CREATE FUNCTION foncier_cluster_my(box box2d) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ln(tan(pi() / 4 + radians(greatest(-85.0511287798066::float8,
    least(85.0511287798066::float8, (ST_YMin(box) + ST_YMax(box)) / 2))) / 2)) * (20037508.342789244::float8 / pi())
$$;
-- Column and row of a Mercator x / y at a level (half-open cells).
CREATE FUNCTION foncier_cluster_cx(mx float8, level int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor((mx + 20037508.342789244::float8) * (2::float8 ^ level / (2 * 20037508.342789244::float8)))::bigint
$$;
CREATE FUNCTION foncier_cluster_cy(my float8, level int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor((20037508.342789244::float8 - my) * (2::float8 ^ level / (2 * 20037508.342789244::float8)))::bigint
$$;
-- A coordinate as the cells sum it.
CREATE FUNCTION foncier_cluster_coordinate(m float8) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(m::numeric, 6)
$$;

-- What a member of a layer adds to its cells, over its row `r`:
-- sum_a, sum_b, count_a, count_b, count_c (the columns of cluster_cells). The for-sale stages
-- are plots/vocabulary.ts's forSaleStages (test/http/tiles-cells.test.ts fails if they part).
CREATE FUNCTION foncier_cluster_columns(layer text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE layer
    WHEN 'sites' THEN $c$r.area_ha::numeric AS sum_a, coalesce(r.offer_available_area_ha, 0)::numeric AS sum_b,
      (r.turnkey_programme IS NOT NULL)::int AS count_a, coalesce(r.label_status = 'labelled', false)::int AS count_b,
      0 AS count_c$c$
    WHEN 'plots' THEN $c$r.area_ha::numeric AS sum_a,
      CASE WHEN r.marketing_stage IN ('en vente', 'en vente avec contraintes') THEN r.area_ha::numeric ELSE 0 END AS sum_b,
      (r.marketing_stage IN ('en vente', 'en vente avec contraintes'))::int AS count_a,
      coalesce(r.turnkey, false)::int AS count_b, coalesce(r.occupation = 'friche', false)::int AS count_c$c$
    WHEN 'brownfields' THEN $c$coalesce(r.surface_m2, 0)::numeric AS sum_a, 0::numeric AS sum_b,
      coalesce(r.status = 'friche sans projet', false)::int AS count_a, 0 AS count_b, 0 AS count_c$c$
  END
$$;

-- The members of a layer in `source` (a transition table or the base table), as
-- (sign, id, box, epci_siren, sum_a, sum_b, count_a, count_b, count_c): the SQL text, ending in
-- its WHERE clause. Only the rows a tile draws (not soft-deleted).
CREATE FUNCTION foncier_cluster_members_sql(layer text, source text, sign int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(CASE layer
    WHEN 'sites' THEN $q$SELECT %s AS sign, r.id::text AS id, Box2D(r.geom) AS box, r.epci_siren, %s
      FROM %I r WHERE r.deleted_at IS NULL$q$
    WHEN 'plots' THEN $q$SELECT %s AS sign, r.id::text AS id, Box2D(r.geom) AS box, s.epci_siren, %s
      FROM %I r JOIN sites s ON s.id = r.site_id WHERE r.deleted_at IS NULL$q$
    WHEN 'brownfields' THEN $q$SELECT %s AS sign, r.id, Box2D(r.geom) AS box, coalesce(co.epci_siren, '') AS epci_siren, %s
      FROM %I r LEFT JOIN communes co ON co.insee = r.commune_insee WHERE true$q$
  END, sign, foncier_cluster_columns(layer), source)
$$;

-- The levels a layer clusters at: zoom + 3 for the zooms of layers.ts (sites z5–z9, plots
-- z10–z12, brownfields z5–z12).
CREATE FUNCTION foncier_cluster_levels(layer text) RETURNS int4range LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE layer WHEN 'sites' THEN int4range(8, 12, '[]') WHEN 'plots' THEN int4range(13, 15, '[]')
    WHEN 'brownfields' THEN int4range(8, 15, '[]') END
$$;

-- The statement adding the signed contributions of `members` (foncier_cluster_members_sql's
-- shape) to the cells of `layer`. A group that changes nothing (a write to a column no tile
-- reads, or a member moved within its cell keeping its sums) is skipped. The id of a cell of
-- one: known from the delta when the cell is new, or when its one member was rewritten;
-- otherwise left NULL for foncier_cluster_settle.
CREATE FUNCTION foncier_cluster_delta_sql(layer text, members text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($q$
    INSERT INTO cluster_cells AS c (layer, level, cy, cx, epci_siren, members, sum_x, sum_y, sum_a, sum_b,
      count_a, count_b, count_c, member_id)
    SELECT %L, d.level, d.cy, d.cx, d.epci_siren, d.members, d.sum_x, d.sum_y, d.sum_a, d.sum_b,
      d.count_a, d.count_b, d.count_c,
      CASE WHEN d.added = 1 AND (d.removed = 0 OR d.removed_id = d.added_id) THEN d.added_id END
    FROM (
      SELECT l.level, foncier_cluster_cy(m.my, l.level) AS cy, foncier_cluster_cx(m.mx, l.level) AS cx, m.epci_siren,
        sum(m.sign) AS members,
        sum(m.sign * foncier_cluster_coordinate(m.mx)) AS sum_x, sum(m.sign * foncier_cluster_coordinate(m.my)) AS sum_y,
        sum(m.sign * m.sum_a) AS sum_a, sum(m.sign * m.sum_b) AS sum_b,
        sum(m.sign * m.count_a) AS count_a, sum(m.sign * m.count_b) AS count_b, sum(m.sign * m.count_c) AS count_c,
        count(*) FILTER (WHERE m.sign > 0) AS added, count(*) FILTER (WHERE m.sign < 0) AS removed,
        max(m.id) FILTER (WHERE m.sign > 0) AS added_id, max(m.id) FILTER (WHERE m.sign < 0) AS removed_id
      FROM (
        SELECT m.*, foncier_cluster_mx(m.box) AS mx, foncier_cluster_my(m.box) AS my FROM (%s) m
      ) m
      CROSS JOIN generate_series(%s, %s) AS l(level)
      GROUP BY 1, 2, 3, 4
    ) d
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
  $q$, layer, members, lower(foncier_cluster_levels(layer)), upper(foncier_cluster_levels(layer)) - 1)
$$;

-- The one member of a cell, from the base rows: the index finds the rows whose box meets the
-- cell (widened by ~1 cm for the rounding of the inverse projection), the cell formula decides.
CREATE FUNCTION foncier_cluster_member(layer text, level int, cx bigint, cy bigint, epci text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  n float8 := 2::float8 ^ level;
  area geometry := ST_Expand(ST_MakeEnvelope(cx / n * 360 - 180, degrees(atan(sinh(pi() * (1 - 2 * (cy + 1) / n)))),
    (cx + 1) / n * 360 - 180, degrees(atan(sinh(pi() * (1 - 2 * cy / n)))), 4326), 1e-7);
  found text;
BEGIN
  EXECUTE format($q$SELECT min(m.id) FROM (%s AND r.geom && $1) m
      WHERE m.epci_siren = $2 AND foncier_cluster_cx(foncier_cluster_mx(m.box), $3) = $4
        AND foncier_cluster_cy(foncier_cluster_my(m.box), $3) = $5$q$,
    foncier_cluster_members_sql(layer, layer, 1))
    INTO found USING area, epci, level, cx, cy;
  RETURN found;
END
$$;

-- After the deltas of a statement: drop the emptied cells, name the cells of one.
CREATE FUNCTION foncier_cluster_settle() RETURNS void LANGUAGE sql AS $$
  DELETE FROM cluster_cells WHERE members = 0;
  UPDATE cluster_cells SET member_id = foncier_cluster_member(layer, level, cx, cy, epci_siren)
    WHERE members = 1 AND member_id IS NULL;
$$;

CREATE FUNCTION foncier_cluster_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  layer text := TG_TABLE_NAME;
  members text;
  moves text;
BEGIN
  IF TG_TABLE_NAME = 'communes' THEN
    -- A commune's EPCI carries its brownfields from one EPCI's cells to another's ('' for none:
    -- a brownfield whose commune is not, or no longer, known).
    moves := CASE TG_OP
      WHEN 'INSERT' THEN $q$SELECT n.insee, ''::text AS before, coalesce(n.epci_siren, '') AS after FROM new_rows n$q$
      WHEN 'DELETE' THEN $q$SELECT o.insee, coalesce(o.epci_siren, '') AS before, ''::text AS after FROM old_rows o$q$
      ELSE $q$SELECT coalesce(o.insee, n.insee) AS insee, coalesce(o.epci_siren, '') AS before,
          coalesce(n.epci_siren, '') AS after
        FROM old_rows o FULL JOIN new_rows n ON n.insee = o.insee$q$ END;
    EXECUTE foncier_cluster_delta_sql('brownfields', format($q$SELECT m.sign, r.id, Box2D(r.geom) AS box, m.epci_siren, %s
      FROM (
        SELECT -1 AS sign, c.insee, c.before AS epci_siren FROM (%s) c WHERE c.before <> c.after
        UNION ALL SELECT 1, c.insee, c.after FROM (%s) c WHERE c.before <> c.after
      ) m JOIN brownfields r ON r.commune_insee = m.insee$q$, foncier_cluster_columns('brownfields'), moves, moves));
    PERFORM foncier_cluster_settle();
    RETURN NULL;
  END IF;

  IF TG_OP = 'INSERT' THEN
    members := foncier_cluster_members_sql(layer, 'new_rows', 1);
  ELSIF TG_OP = 'DELETE' THEN
    members := foncier_cluster_members_sql(layer, 'old_rows', -1);
  ELSE
    members := foncier_cluster_members_sql(layer, 'old_rows', -1) || ' UNION ALL '
      || foncier_cluster_members_sql(layer, 'new_rows', 1);
  END IF;
  EXECUTE foncier_cluster_delta_sql(layer, members);
  -- (Two IFs: old_rows exists only for an UPDATE, and plpgsql parses the whole condition.)
  IF TG_TABLE_NAME = 'sites' AND TG_OP = 'UPDATE' THEN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.epci_siren <> o.epci_siren) THEN
      -- A site's EPCI carries its plots (soft-deleted site or not: plots follow their site's EPCI,
      -- as the territory filter of layers.ts reads it).
      EXECUTE foncier_cluster_delta_sql('plots', format($q$SELECT m.sign, r.id::text AS id, Box2D(r.geom) AS box, m.epci_siren, %s
        FROM (
          SELECT -1 AS sign, o.id, o.epci_siren FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.epci_siren <> o.epci_siren
          UNION ALL
          SELECT 1, n.id, n.epci_siren FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.epci_siren <> o.epci_siren
        ) m JOIN plots r ON r.site_id = m.id
        WHERE r.deleted_at IS NULL$q$, foncier_cluster_columns('plots')));
    END IF;
  END IF;
  PERFORM foncier_cluster_settle();
  RETURN NULL;
END
$$;

-- Every cell of every layer recomputed from the base rows, in one pass per layer (a bulk load
-- that turned the triggers off calls it once at the end; the tests compare it with the cells
-- the triggers kept).
CREATE FUNCTION foncier_cluster_cells_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  layer text;
BEGIN
  DELETE FROM cluster_cells;
  FOREACH layer IN ARRAY ARRAY['sites', 'plots', 'brownfields'] LOOP
    EXECUTE foncier_cluster_delta_sql(layer, foncier_cluster_members_sql(layer, layer, 1));
  END LOOP;
  PERFORM foncier_cluster_settle();
END
$$;

CREATE TRIGGER sites_cluster_insert AFTER INSERT ON sites REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER sites_cluster_update AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER sites_cluster_delete AFTER DELETE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER plots_cluster_insert AFTER INSERT ON plots REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER plots_cluster_update AFTER UPDATE ON plots REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER plots_cluster_delete AFTER DELETE ON plots REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER brownfields_cluster_insert AFTER INSERT ON brownfields REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER brownfields_cluster_update AFTER UPDATE ON brownfields REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER brownfields_cluster_delete AFTER DELETE ON brownfields REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER communes_cluster_insert AFTER INSERT ON communes REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER communes_cluster_update AFTER UPDATE ON communes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();
CREATE TRIGGER communes_cluster_delete AFTER DELETE ON communes REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_cluster_cells_changed();

SELECT foncier_cluster_cells_rebuild();
