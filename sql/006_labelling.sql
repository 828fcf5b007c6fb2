-- 006: the write side. API keys with a role and a territory scope, the append-only audit
-- log, and the turnkey-site labelling grid (versioned, kept as data) with its assessments.

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('editor', 'labeller', 'admin')),
  -- territories an editor may write in; empty for labellers and admins (national scope)
  territories   text[] NOT NULL DEFAULT '{}',
  -- SHA-256 of the whole key: keys are 160 random bits, so a fast hash is enough and
  -- lets a key be found by its hash; the key itself is shown once and never stored
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  CHECK (role = 'editor' OR cardinality(territories) = 0),
  CHECK (role <> 'editor' OR cardinality(territories) > 0)
);

CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_key_id uuid,
  actor_name   text NOT NULL,
  actor_role   text NOT NULL,
  action       text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'label_transition', 'label_assessment')),
  entity       text NOT NULL CHECK (entity IN ('site', 'plot')),
  entity_id    uuid NOT NULL,
  before       jsonb,
  after        jsonb,
  reason       text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);

-- Append-only: rows can be added, never changed or removed.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE labelling_grids (
  version       text PRIMARY KEY,
  title         text NOT NULL,
  published_on  date NOT NULL,
  criteria      jsonb NOT NULL
);

CREATE TABLE label_assessments (
  site_id        uuid NOT NULL REFERENCES sites (id),
  grid_version   text NOT NULL REFERENCES labelling_grids (version),
  criterion_id   text NOT NULL,
  status         text NOT NULL CHECK (status IN ('met', 'not_met', 'not_applicable')),
  -- [{ title, reference, url, date, author }]
  evidence       jsonb NOT NULL DEFAULT '[]',
  comment        text,
  assessed_at    timestamptz NOT NULL DEFAULT now(),
  assessed_by    text NOT NULL,
  PRIMARY KEY (site_id, grid_version, criterion_id)
);

-- The grid of the turnkey-site programme ("sites clés en main", France 2030 / Territoires
-- d'industrie with Banque des Territoires). A new version is a new row; assessments keep
-- the version they were made against.
INSERT INTO labelling_grids (version, title, published_on, criteria) VALUES (
  'sites-cles-en-main-2024',
  'Grille de labellisation des sites clés en main (2024)',
  '2024-04-16',
  '[
    {"id": "land_control", "group": "foncier", "title": "Maîtrise foncière", "blocking": true, "hint": "land owned or under promise of sale by a public body or its developer"},
    {"id": "planning_compatibility", "group": "urbanisme", "title": "Document d''urbanisme compatible avec l''industrie", "blocking": true, "hint": "PLU/PLUi zone U or AU allowing industrial activity"},
    {"id": "env_fauna_flora", "group": "environnement", "title": "Inventaire faune-flore quatre saisons", "blocking": true, "hint": "four-season inventory completed"},
    {"id": "env_wetlands", "group": "environnement", "title": "Délimitation des zones humides", "blocking": true, "hint": "wetland delineation done"},
    {"id": "env_archaeology", "group": "environnement", "title": "Diagnostic d''archéologie préventive", "blocking": true, "hint": "preventive archaeology diagnostic done or waived"},
    {"id": "env_icpe_water", "group": "environnement", "title": "Compatibilité ICPE et loi sur l''eau", "blocking": true, "hint": "classified-installation and water-law compatibility established"},
    {"id": "network_electricity", "group": "réseaux", "title": "Électricité (puissance disponible en MW)", "blocking": true, "hint": "connection and power in MW"},
    {"id": "network_drinking_water", "group": "réseaux", "title": "Eau potable", "blocking": true, "hint": ""},
    {"id": "network_sewerage", "group": "réseaux", "title": "Assainissement", "blocking": true, "hint": ""},
    {"id": "network_gas", "group": "réseaux", "title": "Gaz", "blocking": false, "hint": ""},
    {"id": "network_fibre", "group": "réseaux", "title": "Fibre optique", "blocking": false, "hint": ""},
    {"id": "access_motorway", "group": "accès", "title": "Distance à un échangeur autoroutier", "blocking": false, "hint": "km to the nearest interchange"},
    {"id": "access_rail", "group": "accès", "title": "Embranchement ferroviaire (ITE)", "blocking": false, "hint": ""},
    {"id": "access_port", "group": "accès", "title": "Accès portuaire", "blocking": false, "hint": ""},
    {"id": "land_sobriety", "group": "sobriété foncière", "title": "Sobriété foncière (friches, consommation NAF / enveloppe ZAN)", "blocking": true, "hint": "brownfield share and NAF consumption against the territory envelope"},
    {"id": "maturity", "group": "maturité", "title": "Date de disponibilité (au plus tard 2030)", "blocking": true, "hint": "site ready to host a plant by 2030"},
    {"id": "size", "group": "taille", "title": "Taille du site", "blocking": false, "hint": "usable area and largest single plot"}
  ]'::jsonb
);
