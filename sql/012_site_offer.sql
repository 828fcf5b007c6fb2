-- 012: a site's offer, as an investor reads it (issue #14 B1), and the names of regions and
-- départements for the search (B5).
--
-- The offer: largest available plot, available area, earliest availability and lowest price.
-- A site with live plots takes them from its plots for sale (the for-sale stages of
-- src/plots/vocabulary.ts), measured by geometry (area_ha); a site without plots keeps what it
-- declares (max_plot_area_ha, available_area_ha = CNIG site_surf_comm_dispo, available_from),
-- which stay as declared and are what the CNIG export writes. offer_source says which.
-- Kept by triggers rather than computed per query: `npm run bench -- availability` measured
-- both on the generated catalogue (docs/ARCHITECTURE.md, "Where a site's offer comes from").
ALTER TABLE sites
  ADD COLUMN offer_source text NOT NULL DEFAULT 'declared' CHECK (offer_source IN ('plots', 'declared')),
  ADD COLUMN offer_max_plot_area_ha double precision,
  ADD COLUMN offer_available_area_ha double precision,
  ADD COLUMN offer_available_from date,
  ADD COLUMN offer_price_eur_m2 double precision;

-- The offer of the given sites, recomputed from their live plots. A site whose figures change
-- gets a new version: its representation (and so its ETag) changed. Rows already right are left
-- alone, so re-importing the same plots changes no site.
CREATE FUNCTION foncier_refresh_site_offer(site_ids uuid[]) RETURNS void
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
      FROM plots q WHERE q.deleted_at IS NULL AND q.site_id = ANY (site_ids)
    ) p ON p.site_id = x.id
    GROUP BY x.id
  ) o
  WHERE s.id = o.id
    AND (s.offer_source, s.offer_max_plot_area_ha, s.offer_available_area_ha, s.offer_available_from, s.offer_price_eur_m2)
        IS DISTINCT FROM (o.source, o.max_plot, o.available, o.available_from, o.price)
$$;

-- Plots: one refresh per statement over the sites its rows name (before and after: a plot
-- moved to another site changes both), so that a bulk load of 5,000 plots is one UPDATE of
-- their sites, not 5,000.
CREATE FUNCTION foncier_plots_changed_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM foncier_refresh_site_offer(ARRAY(SELECT DISTINCT site_id FROM new_plots));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM foncier_refresh_site_offer(ARRAY(SELECT DISTINCT site_id FROM old_plots));
  ELSE
    PERFORM foncier_refresh_site_offer(ARRAY(
      SELECT o.site_id FROM old_plots o JOIN new_plots n ON n.id = o.id
      WHERE (o.site_id, o.marketing_stage, o.area_ha, o.available_from, o.price_eur_m2, o.deleted_at)
            IS DISTINCT FROM (n.site_id, n.marketing_stage, n.area_ha, n.available_from, n.price_eur_m2, n.deleted_at)
      UNION
      SELECT n.site_id FROM old_plots o JOIN new_plots n ON n.id = o.id WHERE n.site_id IS DISTINCT FROM o.site_id));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER plots_offer_insert AFTER INSERT ON plots
  REFERENCING NEW TABLE AS new_plots FOR EACH STATEMENT EXECUTE FUNCTION foncier_plots_changed_offer();
CREATE TRIGGER plots_offer_update AFTER UPDATE ON plots
  REFERENCING OLD TABLE AS old_plots NEW TABLE AS new_plots FOR EACH STATEMENT EXECUTE FUNCTION foncier_plots_changed_offer();
CREATE TRIGGER plots_offer_delete AFTER DELETE ON plots
  REFERENCING OLD TABLE AS old_plots FOR EACH STATEMENT EXECUTE FUNCTION foncier_plots_changed_offer();

-- Sites: a site offering no plot shows what it declares, kept in step with every write of
-- those columns (a create, a PATCH, a site-eco import).
CREATE FUNCTION foncier_site_declared_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.offer_source = 'declared' THEN
    NEW.offer_max_plot_area_ha := NEW.max_plot_area_ha;
    NEW.offer_available_area_ha := NEW.available_area_ha;
    NEW.offer_available_from := NEW.available_from;
    NEW.offer_price_eur_m2 := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER sites_declared_offer BEFORE INSERT OR UPDATE OF max_plot_area_ha, available_area_ha, available_from, offer_source ON sites
  FOR EACH ROW EXECUTE FUNCTION foncier_site_declared_offer();

-- The sites already held.
UPDATE sites SET offer_source = 'declared';
SELECT foncier_refresh_site_offer(ARRAY(SELECT DISTINCT site_id FROM plots WHERE deleted_at IS NULL));

-- What the search filters and sorts on (002 indexed the declared columns).
DROP INDEX IF EXISTS sites_max_plot_area_idx;
DROP INDEX IF EXISTS sites_available_from_idx;
CREATE INDEX sites_offer_max_plot_idx ON sites (offer_max_plot_area_ha) WHERE deleted_at IS NULL;
CREATE INDEX sites_offer_available_area_idx ON sites (offer_available_area_ha) WHERE deleted_at IS NULL;
CREATE INDEX sites_offer_available_from_idx ON sites (offer_available_from) WHERE deleted_at IS NULL;

-- Names of regions and départements (INSEE COG 2026, ../shared/data/admin regions.csv and
-- departements.csv, Licence Ouverte), so that region= and department= take a name. An ADMIN
-- EXPRESS import (foncier import regions|departments) adds the outlines and may rename.
INSERT INTO regions (code, name) VALUES
  ('01', 'Guadeloupe'),
  ('02', 'Martinique'),
  ('03', 'Guyane'),
  ('04', 'La Réunion'),
  ('06', 'Mayotte'),
  ('11', 'Île-de-France'),
  ('24', 'Centre-Val de Loire'),
  ('27', 'Bourgogne-Franche-Comté'),
  ('28', 'Normandie'),
  ('32', 'Hauts-de-France'),
  ('44', 'Grand Est'),
  ('52', 'Pays de la Loire'),
  ('53', 'Bretagne'),
  ('75', 'Nouvelle-Aquitaine'),
  ('76', 'Occitanie'),
  ('84', 'Auvergne-Rhône-Alpes'),
  ('93', 'Provence-Alpes-Côte d''Azur'),
  ('94', 'Corse')
ON CONFLICT (code) DO NOTHING;
INSERT INTO departments (code, name, region_code) VALUES
  ('01', 'Ain', '84'),
  ('02', 'Aisne', '32'),
  ('03', 'Allier', '84'),
  ('04', 'Alpes-de-Haute-Provence', '93'),
  ('05', 'Hautes-Alpes', '93'),
  ('06', 'Alpes-Maritimes', '93'),
  ('07', 'Ardèche', '84'),
  ('08', 'Ardennes', '44'),
  ('09', 'Ariège', '76'),
  ('10', 'Aube', '44'),
  ('11', 'Aude', '76'),
  ('12', 'Aveyron', '76'),
  ('13', 'Bouches-du-Rhône', '93'),
  ('14', 'Calvados', '28'),
  ('15', 'Cantal', '84'),
  ('16', 'Charente', '75'),
  ('17', 'Charente-Maritime', '75'),
  ('18', 'Cher', '24'),
  ('19', 'Corrèze', '75'),
  ('21', 'Côte-d''Or', '27'),
  ('22', 'Côtes-d''Armor', '53'),
  ('23', 'Creuse', '75'),
  ('24', 'Dordogne', '75'),
  ('25', 'Doubs', '27'),
  ('26', 'Drôme', '84'),
  ('27', 'Eure', '28'),
  ('28', 'Eure-et-Loir', '24'),
  ('29', 'Finistère', '53'),
  ('2A', 'Corse-du-Sud', '94'),
  ('2B', 'Haute-Corse', '94'),
  ('30', 'Gard', '76'),
  ('31', 'Haute-Garonne', '76'),
  ('32', 'Gers', '76'),
  ('33', 'Gironde', '75'),
  ('34', 'Hérault', '76'),
  ('35', 'Ille-et-Vilaine', '53'),
  ('36', 'Indre', '24'),
  ('37', 'Indre-et-Loire', '24'),
  ('38', 'Isère', '84'),
  ('39', 'Jura', '27'),
  ('40', 'Landes', '75'),
  ('41', 'Loir-et-Cher', '24'),
  ('42', 'Loire', '84'),
  ('43', 'Haute-Loire', '84'),
  ('44', 'Loire-Atlantique', '52'),
  ('45', 'Loiret', '24'),
  ('46', 'Lot', '76'),
  ('47', 'Lot-et-Garonne', '75'),
  ('48', 'Lozère', '76'),
  ('49', 'Maine-et-Loire', '52'),
  ('50', 'Manche', '28'),
  ('51', 'Marne', '44'),
  ('52', 'Haute-Marne', '44'),
  ('53', 'Mayenne', '52'),
  ('54', 'Meurthe-et-Moselle', '44'),
  ('55', 'Meuse', '44'),
  ('56', 'Morbihan', '53'),
  ('57', 'Moselle', '44'),
  ('58', 'Nièvre', '27'),
  ('59', 'Nord', '32'),
  ('60', 'Oise', '32'),
  ('61', 'Orne', '28'),
  ('62', 'Pas-de-Calais', '32'),
  ('63', 'Puy-de-Dôme', '84'),
  ('64', 'Pyrénées-Atlantiques', '75'),
  ('65', 'Hautes-Pyrénées', '76'),
  ('66', 'Pyrénées-Orientales', '76'),
  ('67', 'Bas-Rhin', '44'),
  ('68', 'Haut-Rhin', '44'),
  ('69', 'Rhône', '84'),
  ('70', 'Haute-Saône', '27'),
  ('71', 'Saône-et-Loire', '27'),
  ('72', 'Sarthe', '52'),
  ('73', 'Savoie', '84'),
  ('74', 'Haute-Savoie', '84'),
  ('75', 'Paris', '11'),
  ('76', 'Seine-Maritime', '28'),
  ('77', 'Seine-et-Marne', '11'),
  ('78', 'Yvelines', '11'),
  ('79', 'Deux-Sèvres', '75'),
  ('80', 'Somme', '32'),
  ('81', 'Tarn', '76'),
  ('82', 'Tarn-et-Garonne', '76'),
  ('83', 'Var', '93'),
  ('84', 'Vaucluse', '93'),
  ('85', 'Vendée', '52'),
  ('86', 'Vienne', '75'),
  ('87', 'Haute-Vienne', '75'),
  ('88', 'Vosges', '44'),
  ('89', 'Yonne', '27'),
  ('90', 'Territoire de Belfort', '27'),
  ('91', 'Essonne', '11'),
  ('92', 'Hauts-de-Seine', '11'),
  ('93', 'Seine-Saint-Denis', '11'),
  ('94', 'Val-de-Marne', '11'),
  ('95', 'Val-d''Oise', '11'),
  ('971', 'Guadeloupe', '01'),
  ('972', 'Martinique', '02'),
  ('973', 'Guyane', '03'),
  ('974', 'La Réunion', '04'),
  ('976', 'Mayotte', '06')
ON CONFLICT (code) DO NOTHING;
