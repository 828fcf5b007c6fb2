-- Where each commune's planning document stands (PLU, PLUi, carte communale), read by the ZAN
-- rules: loi 2023-630 keeps the 1 ha communal guarantee for a commune whose document was
-- prescribed, decided (arrêté) or approved before 22 August 2026. Written by
-- `foncier import planning-documents` (and POST /imports); a commune with no row gets the rule
-- set's default, which every ZAN response states. No foreign key, as for the Cerema flows and the
-- reduction targets: the file may come before the boundaries.
CREATE TABLE commune_planning_documents (
  insee      text PRIMARY KEY,
  status     text NOT NULL CHECK (status IN ('prescribed', 'decided', 'approved', 'none')),
  status_on  date,
  document   text,
  source     text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'none' OR status_on IS NULL)
);
