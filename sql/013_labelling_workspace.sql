-- 013: the labelling workspace (issue #15). A deciding role beside the labellers (four eyes),
-- each dossier's grid version, the assessor's key, overrides of catalogue flags, uploaded
-- evidence (bytea, versioned, SHA-256), comments, and grid version 2.

-- The programme committee decides (labelled, rejected, withdrawn); labellers instruct.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('editor', 'labeller', 'decider', 'admin'));

-- The workspace's own records in the audit log: documents, comments, flag overrides.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (
  'create', 'update', 'delete', 'label_transition', 'label_assessment',
  'label_document', 'label_comment', 'label_flag_override'));

-- The grid a dossier is assessed against, fixed when it is opened (none → draft): a dossier
-- started under one version stays readable, and complete, under it when a new one is published.
CREATE TABLE label_dossiers (
  site_id       uuid PRIMARY KEY REFERENCES sites (id),
  grid_version  text NOT NULL REFERENCES labelling_grids (version),
  opened_at     timestamptz NOT NULL DEFAULT now()
);
-- Dossiers opened before versions were tracked were opened under the 2024 grid.
INSERT INTO label_dossiers (site_id, grid_version)
  SELECT id, 'sites-cles-en-main-2024' FROM sites WHERE label_status IS NOT NULL;

-- Who assessed, by key: the four-eyes rule compares keys, not names.
ALTER TABLE label_assessments ADD COLUMN assessed_by_key_id uuid;

-- A labeller's override of a catalogue flag on a criterion marked met: it holds for the flag as
-- worded when it was overridden; a change of the data that words it differently raises it again.
CREATE TABLE label_flag_overrides (
  site_id       uuid NOT NULL REFERENCES sites (id),
  grid_version  text NOT NULL REFERENCES labelling_grids (version),
  criterion_id  text NOT NULL,
  flag          text NOT NULL,
  reason        text NOT NULL CHECK (length(btrim(reason)) > 0),
  by_key_id     uuid,
  by_name       text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, grid_version, criterion_id)
);

-- Evidence documents, kept in the database on both backends. A new upload of the same kind for
-- the same criterion is its next version; earlier versions are kept.
CREATE TABLE label_documents (
  id            uuid PRIMARY KEY,
  site_id       uuid NOT NULL REFERENCES sites (id),
  grid_version  text NOT NULL REFERENCES labelling_grids (version),
  criterion_id  text NOT NULL,
  kind          text NOT NULL,
  version       integer NOT NULL CHECK (version >= 1),
  file_name     text NOT NULL,
  media_type    text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg', 'image/webp')),
  size_bytes    integer NOT NULL CHECK (size_bytes > 0),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content       bytea NOT NULL,
  issuer        text NOT NULL,
  issued_on     date NOT NULL,
  reference     text,
  uploaded_by_key_id uuid,
  uploaded_by   text NOT NULL,
  uploaded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, grid_version, criterion_id, kind, version)
);

-- One thread per dossier (criterion_id NULL) and one per criterion.
CREATE TABLE label_comments (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  site_id       uuid NOT NULL REFERENCES sites (id),
  criterion_id  text,
  body          text NOT NULL CHECK (length(btrim(body)) > 0),
  author_key_id uuid,
  author_name   text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX label_comments_site_idx ON label_comments (site_id, id);

-- Grid version 2: the 2024 criteria with their references and expected evidence, and what a
-- turnkey site must also have cleared (soil pollution, risks, environmental authorisation,
-- appeal periods, the territory's roadmap). "référence à confirmer" where no text could be sourced.
INSERT INTO labelling_grids (version, title, published_on, criteria) VALUES (
  'sites-cles-en-main-2026',
  'Grille de labellisation des sites clés en main, version 2',
  '2026-09-01',
  '[
    {"id": "land_control", "group": "foncier", "title": "Maîtrise foncière", "blocking": true, "hint": "land owned or under promise of sale by a public body or its developer",
     "reference": "Cahier des charges de l''appel à manifestation d''intérêt sites clés en main (référence à confirmer)", "evidenceKinds": ["acte de propriété", "promesse de vente", "convention avec l''établissement public foncier"]},
    {"id": "planning_compatibility", "group": "urbanisme", "title": "Document d''urbanisme compatible avec l''industrie", "blocking": true, "hint": "PLU/PLUi zone U or AU allowing industrial activity",
     "reference": "Code de l''urbanisme, art. L.151-9 (zonage du règlement du PLU)", "evidenceKinds": ["extrait du règlement et du zonage", "délibération d''approbation ou de modification"]},
    {"id": "env_fauna_flora", "group": "environnement", "title": "Inventaire faune-flore quatre saisons", "blocking": true, "hint": "four-season inventory completed",
     "reference": "Code de l''environnement, art. L.411-1 (espèces protégées)", "evidenceKinds": ["rapport d''inventaire quatre saisons"]},
    {"id": "env_wetlands", "group": "environnement", "title": "Délimitation des zones humides", "blocking": true, "hint": "wetland delineation done",
     "reference": "Code de l''environnement, art. L.211-1 et R.211-108", "evidenceKinds": ["étude de délimitation des zones humides"]},
    {"id": "env_archaeology", "group": "environnement", "title": "Diagnostic d''archéologie préventive", "blocking": true, "hint": "preventive archaeology diagnostic done or waived",
     "reference": "Code du patrimoine, livre V, titre II (archéologie préventive)", "evidenceKinds": ["rapport de diagnostic", "arrêté préfectoral de prescription ou d''absence de prescription"]},
    {"id": "env_icpe_water", "group": "environnement", "title": "Compatibilité ICPE et loi sur l''eau", "blocking": true, "hint": "classified-installation and water-law compatibility established",
     "reference": "Code de l''environnement, art. L.511-1 (ICPE) et L.214-1 (loi sur l''eau)", "evidenceKinds": ["note de compatibilité", "dossier loi sur l''eau"]},
    {"id": "soil_diagnosis", "group": "pollution des sols", "title": "Diagnostic de pollution des sols", "blocking": true, "hint": "soil diagnosis on a former industrial site or a brownfield; not applicable only where the land was never built or used",
     "reference": "Code de l''environnement, art. L.125-6 (secteurs d''information sur les sols) et L.556-1 (changement d''usage)", "evidenceKinds": ["rapport de diagnostic des sols", "attestation d''un bureau d''études certifié"]},
    {"id": "soil_management_plan", "group": "pollution des sols", "title": "Plan de gestion des sols pollués", "blocking": true, "hint": "management plan where the diagnosis found pollution",
     "reference": "Code de l''environnement, art. L.556-1 ; méthodologie nationale de gestion des sites et sols pollués (ministère chargé de l''environnement, 2017)", "evidenceKinds": ["plan de gestion", "analyse des risques résiduels"]},
    {"id": "risk_flood", "group": "risques", "title": "Risques naturels : plan de prévention des risques d''inondation (PPRI)", "blocking": true, "hint": "site outside the PPRI zones that forbid building, or compatible with their rules",
     "reference": "Code de l''environnement, art. L.562-1 (plans de prévention des risques naturels)", "evidenceKinds": ["extrait du PPRI et de son zonage", "état des risques"]},
    {"id": "risk_technological", "group": "risques", "title": "Risques technologiques : plan de prévention des risques technologiques (PPRT)", "blocking": true, "hint": "site outside a PPRT perimeter or compatible with its rules",
     "reference": "Code de l''environnement, art. L.515-15 (plans de prévention des risques technologiques)", "evidenceKinds": ["extrait du PPRT", "état des risques"]},
    {"id": "risk_seveso", "group": "risques", "title": "Proximité d''établissements Seveso", "blocking": false, "hint": "Seveso upper- and lower-tier establishments nearby and their hazard zones",
     "reference": "Directive 2012/18/UE (Seveso III) ; Code de l''environnement, art. L.515-32 et suivants", "evidenceKinds": ["carte des établissements et des zones d''effets", "porter à connaissance des risques"]},
    {"id": "env_authorisation", "group": "autorisations", "title": "Autorisation environnementale ou évaluation environnementale (décision au cas par cas)", "blocking": true, "hint": "environmental authorisation obtained, or the case-by-case decision exempting the project from an environmental assessment",
     "reference": "Code de l''environnement, art. L.181-1 (autorisation environnementale), L.122-1 et R.122-3-1 (examen au cas par cas)", "evidenceKinds": ["arrêté d''autorisation environnementale", "décision au cas par cas", "avis de l''autorité environnementale"]},
    {"id": "permits_appeals_cleared", "group": "autorisations", "title": "Délais de recours purgés pour chaque autorisation", "blocking": true, "hint": "for each permit (building, development, environmental), the appeal period has run without appeal, or appeals are closed",
     "reference": "Code de l''urbanisme, art. R.600-2 ; Code de l''environnement, art. R.181-50 (délais à confirmer pour chaque autorisation)", "evidenceKinds": ["certificat de non-recours", "constat d''affichage par huissier"]},
    {"id": "network_electricity", "group": "réseaux", "title": "Électricité (puissance disponible en MW)", "blocking": true, "hint": "connection and power in MW", "minPowerMw": 5,
     "reference": "Cahier des charges du programme (seuil de puissance à confirmer)", "evidenceKinds": ["proposition technique et financière du gestionnaire de réseau"]},
    {"id": "network_drinking_water", "group": "réseaux", "title": "Eau potable", "blocking": true, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["attestation du gestionnaire du réseau d''eau"]},
    {"id": "network_sewerage", "group": "réseaux", "title": "Assainissement", "blocking": true, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["attestation du gestionnaire d''assainissement"]},
    {"id": "network_gas", "group": "réseaux", "title": "Gaz", "blocking": false, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["attestation du gestionnaire du réseau de gaz"]},
    {"id": "network_fibre", "group": "réseaux", "title": "Fibre optique", "blocking": false, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["attestation de l''opérateur"]},
    {"id": "access_motorway", "group": "accès", "title": "Distance à un échangeur autoroutier", "blocking": false, "hint": "km to the nearest interchange",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["plan d''accès"]},
    {"id": "access_rail", "group": "accès", "title": "Embranchement ferroviaire (ITE)", "blocking": false, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["convention d''embranchement", "plan de l''installation terminale"]},
    {"id": "access_port", "group": "accès", "title": "Accès portuaire", "blocking": false, "hint": "",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["plan d''accès"]},
    {"id": "land_sobriety", "group": "sobriété foncière", "title": "Sobriété foncière (friches, consommation NAF / enveloppe ZAN)", "blocking": true, "hint": "brownfield share and NAF consumption against the territory envelope",
     "reference": "Loi n° 2021-1104 du 22 août 2021 (Climat et résilience), art. 191", "evidenceKinds": ["note de consommation d''espaces", "extrait du SCoT ou du PLU"]},
    {"id": "maturity", "group": "maturité", "title": "Date de disponibilité (au plus tard 2030)", "blocking": true, "hint": "site ready to host a plant by 2030",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["calendrier des travaux et des procédures"]},
    {"id": "size", "group": "taille", "title": "Taille du site", "blocking": false, "hint": "usable area and largest single plot",
     "reference": "Cahier des charges du programme (référence à confirmer)", "evidenceKinds": ["plan parcellaire"]},
    {"id": "territory_roadmap", "group": "territoire", "title": "Feuille de route du territoire d''industrie évaluée par l''État", "blocking": true, "hint": "the territory''s roadmap as assessed by the State (prefecture and the programme''s national team)",
     "reference": "Programme Territoires d''industrie 2023-2027 (référence à confirmer)", "evidenceKinds": ["avis de l''État sur la feuille de route", "feuille de route signée"]}
  ]'::jsonb
);
