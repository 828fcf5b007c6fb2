-- 004: ZAN reference data. Cerema consumption per commune and year, OCS GE-style land
-- cover, brownfields (CNIG friches) and PENE perimeters. The rule sets are versioned
-- TypeScript constants (src/zan/rule-sets.ts), not rows: they change with the law and are
-- reviewed like code. Every row names its source and vintage so a figure can be traced.

-- Cerema "consommation d'espaces NAF" (fichiers fonciers): gross flow in m² of the year
-- 1 Jan `year` → 1 Jan `year + 1` (column naf{YY}art{YY+1}), split by destination. No
-- foreign key to communes: the file is national and may be imported before the catalogue.
CREATE TABLE commune_consumption (
  insee         text NOT NULL CHECK (insee ~ '^[0-9][0-9AB][0-9]{3}$'),
  year          integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  naf_m2        double precision NOT NULL CHECK (naf_m2 >= 0),       -- naf{YY}art{YY+1}
  activity_m2   double precision NOT NULL CHECK (activity_m2 >= 0),  -- art{YY}act{YY+1}
  housing_m2    double precision NOT NULL CHECK (housing_m2 >= 0),   -- art{YY}hab{YY+1}
  mixed_m2      double precision NOT NULL CHECK (mixed_m2 >= 0),     -- art{YY}mix{YY+1}
  road_m2       double precision NOT NULL CHECK (road_m2 >= 0),      -- art{YY}rou{YY+1}
  rail_m2       double precision NOT NULL CHECK (rail_m2 >= 0),      -- art{YY}fer{YY+1}
  unknown_m2    double precision NOT NULL CHECK (unknown_m2 >= 0),   -- art{YY}inc{YY+1}
  vintage       text NOT NULL,                                       -- e.g. 'cerema-2024'
  -- the last year of a vintage is provisional (fichiers fonciers not yet consolidated)
  provisional   boolean NOT NULL DEFAULT false,
  source        text NOT NULL,
  PRIMARY KEY (insee, year)
);

-- Land cover as an OCS GE `artif` layer: polygon, artificialised or not (décret 2023-1096,
-- cover × use matrix), and the cover (CS) and use (US) codes it was decided from.
CREATE TABLE land_cover (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom          geometry(MultiPolygon, 4326) NOT NULL,
  artificial    boolean NOT NULL,
  cover_code    text,
  use_code      text,
  vintage       text NOT NULL,
  source        text NOT NULL
);
CREATE INDEX land_cover_geom_idx ON land_cover USING gist (geom);
CREATE INDEX land_cover_artificial_geom_idx ON land_cover USING gist (geom) WHERE artificial;

-- Brownfields (friches, L.111-26 code de l'urbanisme), CNIG friches standard subset. A friche
-- published as a point only gets a disc of its declared area (geom_approximate).
CREATE TABLE brownfields (
  id                text PRIMARY KEY,              -- site_id
  name              text,                          -- site_nom
  site_type         text,                          -- site_type
  status            text,                          -- site_statut
  commune_insee     text,                          -- comm_insee
  surface_m2        double precision,              -- unite_fonciere_surface
  geom              geometry(MultiPolygon, 4326) NOT NULL, -- geomsurf, or geompoint as a disc
  geom_approximate  boolean NOT NULL DEFAULT false,
  source_name       text,                          -- source_nom
  source_producer   text,                          -- source_producteur
  vintage           text NOT NULL
);
CREATE INDEX brownfields_geom_idx ON brownfields USING gist (geom);

-- Projects of national or European scope (loi du 20 juillet 2023, arrêté listing them):
-- their consumption is charged to the national envelope, not to the commune.
CREATE TABLE pene_perimeters (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  legal_ref     text,
  geom          geometry(MultiPolygon, 4326) NOT NULL,
  vintage       text NOT NULL,
  source        text NOT NULL
);
CREATE INDEX pene_perimeters_geom_idx ON pene_perimeters USING gist (geom);

-- Territorialised reductions (SRADDET, SCoT) replacing the rule set's -50 % for a commune or
-- every commune of an EPCI; a commune's own row wins over its EPCI's.
CREATE TABLE zan_reduction_targets (
  land_kind       text NOT NULL CHECK (land_kind IN ('commune', 'epci')),
  land_code       text NOT NULL,
  reduction_rate  double precision NOT NULL CHECK (reduction_rate >= 0 AND reduction_rate <= 1),
  document        text NOT NULL,
  source          text NOT NULL,
  PRIMARY KEY (land_kind, land_code)
);
