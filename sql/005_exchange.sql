-- 005: open data in. Cadastral parcels (Etalab cadastre), départements and régions
-- (ADMIN EXPRESS / COG), and the record of every import run with its report.

CREATE TABLE regions (
  code   text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
  name   text NOT NULL,
  geom   geometry(MultiPolygon, 4326)
);
CREATE INDEX regions_geom_idx ON regions USING gist (geom);

CREATE TABLE departments (
  code         text PRIMARY KEY CHECK (code ~ '^([0-9]{2}|2A|2B|9[78][0-9])$'),
  name         text NOT NULL,
  region_code  text,
  geom         geometry(MultiPolygon, 4326)
);
CREATE INDEX departments_geom_idx ON departments USING gist (geom);

-- Etalab cadastre-XX-parcelles.json: one row per parcel, so that a plot can be built from
-- its terr_refcad list and its geometry derived from the parcels.
CREATE TABLE parcels (
  -- 14 characters: commune INSEE (5) + prefix (3) + section (2) + number (4), e.g. 91216000AB0037
  id            text PRIMARY KEY CHECK (id ~ '^[0-9]{2}[0-9AB][0-9]{2}[0-9]{3}[0-9A-Z]{2}[0-9]{4}$'),
  commune_insee text NOT NULL,
  prefix        text NOT NULL,
  section       text NOT NULL,
  number        text NOT NULL,
  -- contenance: the cadastral area in m², as registered (not computed from the geometry)
  registered_area_m2 integer,
  created_on    date,
  updated_on    date,
  geom          geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX parcels_geom_idx ON parcels USING gist (geom);
CREATE INDEX parcels_commune_idx ON parcels (commune_insee);

-- One row per `foncier import` / POST /imports run, dry runs included.
CREATE TABLE import_runs (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL,
  source       text NOT NULL,
  dry_run      boolean NOT NULL,
  partial      boolean NOT NULL,
  status       text NOT NULL CHECK (status IN ('committed', 'rolled_back', 'dry_run')),
  created      integer NOT NULL DEFAULT 0,
  updated      integer NOT NULL DEFAULT 0,
  unchanged    integer NOT NULL DEFAULT 0,
  rejected     integer NOT NULL DEFAULT 0,
  report       jsonb NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_runs_kind_idx ON import_runs (kind, started_at DESC);
