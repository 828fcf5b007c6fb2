-- 002: indexes for investor search (GET /sites, GET /plots). The GiST indexes on geom come
-- with 001; these cover the other common filters so that the typical briefs avoid a
-- sequential scan of plots at national scale (1M plots).

-- near=lon,lat&radius_km= measures on the ellipsoid: ST_DWithin(geom::geography, …)
-- can only use an index on that same expression.
CREATE INDEX IF NOT EXISTS sites_geog_idx ON sites USING gist ((geom::geography));
CREATE INDEX IF NOT EXISTS plots_geog_idx ON plots USING gist ((geom::geography));

-- Plot filters: marketing stage first (almost every brief asks for available plots), then
-- what narrows within it. Partial on live rows: soft-deleted plots are never searched.
CREATE INDEX IF NOT EXISTS plots_marketing_stage_idx ON plots (marketing_stage, area_ha) WHERE deleted_at IS NULL;
-- Most briefs ask for plots an investor can buy: where they are and what they cost, for those only.
CREATE INDEX IF NOT EXISTS plots_available_place_idx ON plots (commune_insee, price_eur_m2)
  WHERE marketing_stage IN ('en vente', 'en vente avec contraintes') AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS plots_available_geog_idx ON plots USING gist ((geom::geography))
  WHERE marketing_stage IN ('en vente', 'en vente avec contraintes') AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS plots_area_idx ON plots (area_ha) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS plots_price_idx ON plots (price_eur_m2) WHERE deleted_at IS NULL AND price_eur_m2 IS NOT NULL;
CREATE INDEX IF NOT EXISTS plots_available_from_idx ON plots (available_from) WHERE deleted_at IS NULL AND available_from IS NOT NULL;
CREATE INDEX IF NOT EXISTS plots_turnkey_idx ON plots (site_id) WHERE turnkey AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS plots_brownfield_idx ON plots (site_id) WHERE (occupation = 'friche' OR cartofriches_url IS NOT NULL) AND deleted_at IS NULL;

-- Site filters: power, motorway distance, areas, availability, turnkey programme.
CREATE INDEX IF NOT EXISTS sites_power_idx ON sites (power_mw) WHERE deleted_at IS NULL AND power_mw IS NOT NULL;
CREATE INDEX IF NOT EXISTS sites_motorway_idx ON sites (motorway_interchange_km) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_usable_area_idx ON sites (usable_area_ha) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_max_plot_area_idx ON sites (max_plot_area_ha) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_available_from_idx ON sites (available_from) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_turnkey_idx ON sites (turnkey_programme) WHERE turnkey_programme IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_rail_idx ON sites (motorway_interchange_km) WHERE rail_siding AND deleted_at IS NULL;

-- Free text: q= compares foncier_fold(name); a B-tree on the folded name serves prefix
-- matches and equality (a substring match needs pg_trgm, which PGlite lacks).
CREATE INDEX IF NOT EXISTS sites_name_fold_idx ON sites (foncier_fold(name) text_pattern_ops);
CREATE INDEX IF NOT EXISTS communes_department_idx ON communes (department);
