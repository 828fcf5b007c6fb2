-- 001: the catalogue. Territories d'industrie, EPCI, communes, and the CNIG
-- "Sites économiques" classes site-eco (sites) and terrain-eco (plots).
-- The same file runs on PostgreSQL/PostGIS and on PGlite with its PostGIS extension.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is STABLE (it reads a dictionary); this wrapper pins the dictionary so
-- that it can back an expression index for accent-insensitive name search.
CREATE OR REPLACE FUNCTION foncier_fold(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, input)) $$;

CREATE TABLE epci (
  siren        text PRIMARY KEY CHECK (siren ~ '^[0-9]{9}$'),
  name         text NOT NULL,
  -- BANATIC nature juridique: CA, CC, CU, METRO, EPT, or COM for a commune acting alone
  nature       text NOT NULL CHECK (nature IN ('CA', 'CC', 'CU', 'METRO', 'EPT', 'COM')),
  geom         geometry(MultiPolygon, 4326) NOT NULL,
  area_ha      double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 10000) STORED
);
CREATE INDEX epci_geom_idx ON epci USING gist (geom);

CREATE TABLE communes (
  insee        text PRIMARY KEY CHECK (insee ~ '^[0-9][0-9AB][0-9]{3}$'),
  name         text NOT NULL,
  department   text NOT NULL,
  epci_siren   text REFERENCES epci (siren),
  population   integer,
  geom         geometry(MultiPolygon, 4326) NOT NULL,
  area_ha      double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 10000) STORED
);
CREATE INDEX communes_geom_idx ON communes USING gist (geom);
CREATE INDEX communes_epci_idx ON communes (epci_siren);

CREATE TABLE territories (
  -- ANCT identifier, e.g. ti-8401
  id                 text PRIMARY KEY CHECK (id ~ '^ti-[a-z0-9-]+$'),
  name               text NOT NULL,
  region_code        text NOT NULL,
  region_name        text NOT NULL,
  -- programme phases the territory is labelled in: '2018-2022' and/or '2023-2027'
  phases             text[] NOT NULL CHECK (phases <@ ARRAY['2018-2022', '2023-2027']::text[] AND cardinality(phases) > 0),
  rebond_industriel  boolean NOT NULL DEFAULT false,
  rebond_date        date,
  -- union of the member EPCI, maintained by the application when members change
  geom               geometry(MultiPolygon, 4326),
  area_ha            double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 10000) STORED,
  CHECK (rebond_industriel OR rebond_date IS NULL)
);
CREATE INDEX territories_geom_idx ON territories USING gist (geom);

CREATE TABLE territory_epci (
  territory_id  text NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
  epci_siren    text NOT NULL REFERENCES epci (siren),
  PRIMARY KEY (territory_id, epci_siren)
);
CREATE INDEX territory_epci_epci_idx ON territory_epci (epci_siren);

-- CNIG site-eco, with clear column names; the CNIG field each maps from is noted.
CREATE TABLE sites (
  id                        uuid PRIMARY KEY,
  cnig_id                   text NOT NULL UNIQUE,             -- site_id
  pole_id                   text,                             -- pole_id
  name                      text NOT NULL,                    -- site_nom
  site_type                 text NOT NULL CHECK (site_type IN ('zone d''activité économique', 'site économique historique hors ZAE', 'établissement économique isolé', 'zone AU à vocation économique', 'inconnu', 'autre', 'sans objet')),
  main_vocation             text NOT NULL CHECK (main_vocation IN ('industrielle', 'commerciale', 'tertiaire', 'artisanale', 'touristique', 'portuaire', 'aéroportuaire, aéronautique', 'entrepôts, logistique', 'logistique agricole', 'mixte', 'inconnu', 'autre', 'sans objet')), -- site_vocadomi
  state                     text NOT NULL CHECK (state IN ('en projet', 'création', 'existant et actif', 'projet de déclassement', 'déclassé', 'inconnu', 'autre', 'sans objet')), -- site_etat
  gross_area_ha             double precision NOT NULL CHECK (gross_area_ha >= 0),  -- site_surf_brute (declared)
  usable_area_ha            double precision NOT NULL CHECK (usable_area_ha >= 0), -- site_surf_utile
  creation_year             integer,                          -- site_creation_date
  identified_on             date NOT NULL,                    -- site_identif_date
  updated_on                date NOT NULL,                    -- site_actu_date
  producer                  text,                             -- source_producteur
  description               text,                             -- site_description
  territorial_label         text,                             -- site_quali_territoire
  urbanisation_type         text CHECK (urbanisation_type IN ('extension urbaine', 'renouvellement urbain', 'mixte', 'inconnu', 'autre', 'sans objet')), -- site_evol_urba
  url                       text,                             -- site_url
  epci_siren                text NOT NULL REFERENCES epci (siren),       -- site_epci_siren (site_epci_nom derived)
  commune_insee             text NOT NULL REFERENCES communes (insee),   -- site_comm_insee (site_comm_nom derived)
  owner_type                text NOT NULL CHECK (owner_type IN ('commune', 'epci', 'société d''économie mixte', 'chambre de commerce et industrie', 'Etat', 'privé', 'inconnu', 'autre', 'sans objet')), -- site_moa_type
  owner_name                text,                             -- site_moa_nom (a legal entity)
  developer_name            text,                             -- site_moa_amngt
  marketer_name             text,                             -- site_moa_comm
  land_units_count          integer,                          -- site_uf_nbre
  vacant_land_units_count   integer,                          -- site_uf_vacant_nbre
  vacancy_rate              double precision,                 -- site_taux_vacance (L.318-8-2 code de l'urbanisme)
  built_land_units_count    integer,                          -- site_uf_bati_nbre
  establishments_count      integer,                          -- site_nb_etab
  jobs_count                integer,                          -- site_nb_emploi
  geom                      geometry(MultiPolygon, 4326) NOT NULL, -- site_geomsurf (site_geompoint derived)
  media_url                 text,                             -- site_media
  available_area_ha         double precision,                 -- site_surf_comm_dispo
  reserved_area_ha          double precision,                 -- site_surf_projet
  vocation_industrial       boolean,                          -- site_voca_industrielle
  vocation_commercial       boolean,                          -- site_voca_commerciale
  vocation_tertiary         boolean,                          -- site_voca_tertiaire
  vocation_craft            boolean,                          -- site_voca_artisanale
  vocation_tourism          boolean,                          -- site_voca_touristique
  vocation_port             boolean,                          -- site_voca_portuaire
  vocation_airport          boolean,                          -- site_voca_aeroportuaire
  network_rainwater         boolean,                          -- reseau_eau_pluviale
  network_drinking_water    boolean,                          -- reseau_eau_potable
  network_sewerage          boolean,                          -- reseau_assainissement
  network_gas               boolean,                          -- reseau_gaz
  network_electricity       boolean,                          -- reseau_electrique
  network_fibre             boolean,                          -- reseau_fibre_optique
  rail_siding               boolean,                          -- reseau_fret_ferroviaire (ITE)
  river_quay                boolean,                          -- reseau_fluvial
  public_transport          boolean,                          -- desserte_tc
  main_road_name            text,                             -- desserte_route_nom
  motorway_name             text,                             -- autoroute_nom
  motorway_interchange_km   double precision,                 -- autoroute_echang_dist
  station_name              text,                             -- gare_nom
  station_km                double precision,                 -- gare_dist
  freight_station_name      text,                             -- gare_fret_nom
  freight_station_km        double precision,                 -- gare_fret_dist
  airport_name              text,                             -- aeroport_nom
  airport_km                double precision,                 -- aeroport_dist
  port_name                 text,                             -- port_nom
  port_km                   double precision,                 -- port_dist
  -- What investors ask for and the standard lacks.
  power_mw                  double precision CHECK (power_mw >= 0),        -- electrical power available on site
  max_plot_area_ha          double precision CHECK (max_plot_area_ha >= 0),-- largest single plot that can be offered
  available_from            date,                                          -- date the site can host a plant
  -- Turnkey-site programme ("sites clés en main", Territoires d'industrie / Banque des Territoires)
  turnkey_programme         text,
  label_status              text CHECK (label_status IN ('draft', 'submitted', 'under_review', 'changes_requested', 'labelled', 'rejected', 'withdrawn')),
  label_date                date,
  area_ha                   double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 10000) STORED,
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  deleted_at                timestamptz
);
CREATE INDEX sites_geom_idx ON sites USING gist (geom);
CREATE INDEX sites_epci_idx ON sites (epci_siren);
CREATE INDEX sites_commune_idx ON sites (commune_insee);
CREATE INDEX sites_label_status_idx ON sites (label_status) WHERE label_status IS NOT NULL;

-- CNIG terrain-eco.
CREATE TABLE plots (
  id                        uuid PRIMARY KEY,
  cnig_id                   text NOT NULL UNIQUE,             -- terr_id
  site_id                   uuid NOT NULL REFERENCES sites (id),  -- site_id
  cadastral_refs            text[] NOT NULL DEFAULT '{}',     -- terr_refcad, 14-character parcel ids
  gross_area_ha             double precision NOT NULL CHECK (gross_area_ha >= 0),  -- terr_surf_brute (declared)
  counts_in_usable_area     boolean,                          -- terr_utile
  identified_on             date NOT NULL,                    -- terr_identif_date
  updated_on                date NOT NULL,                    -- terr_actu_date
  land_control              text NOT NULL CHECK (land_control IN ('personne physique', 'Etat', 'région', 'département', 'structure intercommunale', 'commune', 'autre collectivité territoriale', 'organisme de logement social', 'établissement public foncier', 'SEM ou SPLA', 'aménageur', 'investisseur professionnel', 'établissement de santé et structure sociale', 'établissement de tourisme et structure de loisir sportive ou cultuelle', 'établissement industriel et commercial', 'organisation de gestion foncière et immobilière', 'établissement d''enseignement d''étude et de recherche', 'inconnu', 'autre', 'sans objet')), -- terr_maitrise_fonc
  development_stage         text NOT NULL CHECK (development_stage IN ('non aménageable', 'non aménagé, non viabilisé', 'viabilisation en cours', 'viabilisé non aménagé', 'viabilisé et aménagé', 'inconnu', 'autre', 'sans objet')), -- terr_stade_amngt
  marketing_stage           text NOT NULL CHECK (marketing_stage IN ('non commercialisé', 'non commercialisable', 'en vente', 'en vente avec contraintes', 'vendu, commercialisation achevée', 'réservé par option de réservation', 'réservé par une délibération de l''EPCI', 'inconnu', 'autre', 'sans objet')), -- terr_stade_comm
  occupation                text NOT NULL CHECK (occupation IN ('inoccupé', 'occupation transitoire', 'occupé', 'vacant', 'friche', 'inconnu', 'autre', 'sans objet')), -- terr_etat_occup
  land_use                  text NOT NULL CHECK (land_use IN ('voirie ou infrastructure', 'parkings, stationnement', 'zone de retournement poids-lourds', 'autres équipements publics', 'bâti productif', 'bâti résidentiel', 'bassin d''orage ou de rétention', 'espace vert', 'espace naturel ou forestier', 'espace agricole', 'zone de service partagée entre entreprises', 'carrières, zones d''extraction', 'dépôt, stockage', 'production d’énergie renouvelable', 'inconnu', 'autre', 'sans objet')), -- terr_usage
  cartofriches_url          text,                             -- terr_url_cartofriches
  geom                      geometry(MultiPolygon, 4326) NOT NULL, -- terr_geomsurf
  turnkey                   boolean,                          -- terr_cle_en_main
  -- terr_acquereur: may name a natural person; never leaves the API for non-admins then
  buyer_name                text,
  buyer_is_natural_person   boolean NOT NULL DEFAULT false,
  sold_on                   date,                             -- terr_cession_date
  sale_amount_eur           double precision,                 -- terr_vente_montant
  price_eur_m2              double precision CHECK (price_eur_m2 >= 0), -- terr_m2_prix
  -- Owner of record when known (land registry); a natural person's name is personal data
  owner_name                text,
  owner_is_natural_person   boolean NOT NULL DEFAULT false,
  -- Not in the standard: PLU zone type and availability date
  planning_zone             text CHECK (planning_zone IN ('U', 'AU', 'A', 'N')),
  available_from            date,
  commune_insee             text REFERENCES communes (insee),
  area_ha                   double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 10000) STORED,
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  deleted_at                timestamptz
);
CREATE INDEX plots_geom_idx ON plots USING gist (geom);
CREATE INDEX plots_site_idx ON plots (site_id);
CREATE INDEX plots_commune_idx ON plots (commune_insee);
