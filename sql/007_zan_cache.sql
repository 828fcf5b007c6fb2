-- 007: per-plot ZAN measure cache. Cutting a plot by land cover, brownfields and PENE
-- perimeters is the costly part of every ZAN figure and depends only on the plot's geometry
-- and on the reference layers, not on the rule set (applied in TypeScript afterwards). So
-- the areas are kept per plot with the plot version and the reference version they were
-- measured at; a row whose versions no longer match is stale and measured again.

-- The version of the reference layers the measures depend on: bumped by a statement trigger
-- on each of them, so every writer (importers, demo seed, hand-written SQL) invalidates the
-- cache in its own transaction without having to remember to.
CREATE TABLE zan_reference_version (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    integer NOT NULL
);
INSERT INTO zan_reference_version (singleton, version) VALUES (true, 1);

CREATE FUNCTION zan_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE zan_reference_version SET version = version + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER land_cover_zan_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON land_cover
  FOR EACH STATEMENT EXECUTE FUNCTION zan_reference_changed();
CREATE TRIGGER brownfields_zan_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON brownfields
  FOR EACH STATEMENT EXECUTE FUNCTION zan_reference_changed();
CREATE TRIGGER pene_perimeters_zan_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pene_perimeters
  FOR EACH STATEMENT EXECUTE FUNCTION zan_reference_changed();

-- Rule-independent areas of a plot in m² on the ellipsoid, as measured at plot_version
-- against reference_version. area_m2 is also compared with the live plot area on read: a
-- cheap guard against a geometry changed without a version bump.
CREATE TABLE zan_plot_measures (
  plot_id               uuid PRIMARY KEY REFERENCES plots (id) ON DELETE CASCADE,
  plot_version          integer NOT NULL,
  reference_version     integer NOT NULL,
  area_m2               double precision NOT NULL,
  naf_m2                double precision NOT NULL,  -- off artificialised land cover
  brownfield_m2         double precision NOT NULL,
  naf_on_brownfield_m2  double precision NOT NULL,
  pene_m2               double precision NOT NULL,
  naf_in_pene_m2        double precision NOT NULL,  -- NAF, off brownfields, in a PENE perimeter
  measured_at           timestamptz NOT NULL DEFAULT now()
);
