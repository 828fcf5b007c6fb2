-- Two writes of many sites that cost the square of their rows (issue #18; found in session 5:
-- refreshing the offers of all 153,716 sites of a 1M-plot catalogue in one call ran past 10
-- minutes, so the fixtures refreshed 400 sites a call):
--   * the sites' cluster trigger asked whether an update moved a site to another EPCI with
--     EXISTS over old_rows JOIN new_rows. PostgreSQL plans EXISTS for its first row: a nested
--     loop of the two transition tables, old × new comparisons when no site moved (the usual
--     case): updating 6,000 sites took 8.1 s, 20,000 sites 73 s. The same question as an
--     aggregate over the whole join is a hash join (3.5 s for 20,000);
--   * foncier_refresh_site_offer filtered every plot it read by `site_id = ANY (site_ids)`
--     besides the join on the same ids: a linear scan of the array per plot (a parameter array
--     is not hashed), 10,000 ids × 64,685 plots in 3.8 s. The join alone says the same.
-- Nothing else changes.
CREATE OR REPLACE FUNCTION foncier_cluster_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- An aggregate over the whole join, not EXISTS: EXISTS is planned for its first row, as a
    -- nested loop of the two transition tables, which costs old × new rows when none moved.
    IF (SELECT coalesce(bool_or(n.epci_siren <> o.epci_siren), false) FROM old_rows o JOIN new_rows n ON n.id = o.id) THEN
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

CREATE OR REPLACE FUNCTION foncier_refresh_site_offer(site_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE sites s SET
    offer_source = o.source,
    offer_max_plot_area_ha = o.max_plot,
    offer_available_area_ha = o.available,
    offer_available_from = o.available_from,
    offer_price_eur_m2 = o.price,
    version = s.version + 1
  FROM (
    SELECT x.id,
      CASE WHEN count(p.id) > 0 THEN 'plots' ELSE 'declared' END AS source,
      CASE WHEN count(p.id) > 0 THEN max(p.area_ha) FILTER (WHERE p.for_sale) ELSE max(d.max_plot_area_ha) END AS max_plot,
      CASE WHEN count(p.id) > 0 THEN coalesce(sum(p.area_ha) FILTER (WHERE p.for_sale), 0) ELSE max(d.available_area_ha) END AS available,
      CASE WHEN count(p.id) > 0 THEN min(p.available_from) FILTER (WHERE p.for_sale) ELSE max(d.available_from) END AS available_from,
      min(p.price_eur_m2) FILTER (WHERE p.for_sale) AS price
    FROM (SELECT DISTINCT unnest(site_ids) AS id) x
    JOIN sites d ON d.id = x.id
    LEFT JOIN (
      SELECT q.id, q.site_id, q.area_ha, q.available_from, q.price_eur_m2,
        q.marketing_stage IN ('en vente', 'en vente avec contraintes') AS for_sale
      FROM plots q WHERE q.deleted_at IS NULL
    ) p ON p.site_id = x.id
    GROUP BY x.id
  ) o
  WHERE s.id = o.id
    AND (s.offer_source, s.offer_max_plot_area_ha, s.offer_available_area_ha, s.offer_available_from, s.offer_price_eur_m2)
        IS DISTINCT FROM (o.source, o.max_plot, o.available, o.available_from, o.price)
$$;
