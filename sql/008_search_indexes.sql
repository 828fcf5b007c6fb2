-- 008: indexes for the investor briefs that 002 left on a sequential scan of sites (or on a
-- bitmap of tens of thousands of rows) at national scale. Measured with
-- `npm run bench -- search` at 1M plots; each index below names the brief it serves.

-- Issue brief (rail siding, ≥ N MW, motorway ≤ N km): a rail siding and the power are
-- what narrow most, so they lead and the motorway distance filters inside the index;
-- 002's sites_rail_idx reads every rail site within the distance (a fifth of all sites)
-- and only then looks at the power. The booleans are key columns, so `rail_siding IS TRUE`
-- becomes an index condition whatever the other flags.
CREATE INDEX IF NOT EXISTS sites_rail_power_idx ON sites (rail_siding, power_mw, motorway_interchange_km)
  WHERE deleted_at IS NULL;

-- Serviced sites (gas and fibre) with power and freight access: the same reasoning. The
-- included columns are those a count joins on, so `total` reads the index alone (no heap).
CREATE INDEX IF NOT EXISTS sites_gas_fibre_power_idx ON sites (network_gas, network_fibre, power_mw, freight_station_km)
  INCLUDE (id, epci_siren, commune_insee) WHERE deleted_at IS NULL;

-- A site search reads each candidate site's available plots: the EXISTS on the brief's plot
-- filters (stage, land control, zone, price) and the lowest price shown with every site.
-- Keyed by site and price, with the other filtered columns included, both are index-only
-- (the lowest price is the first entry) instead of fetching every plot of the site.
CREATE INDEX IF NOT EXISTS plots_available_site_idx ON plots (site_id, price_eur_m2)
  INCLUDE (development_stage, land_control, planning_zone)
  WHERE marketing_stage IN ('en vente', 'en vente avec contraintes') AND deleted_at IS NULL;

-- Sort keys as search/repository.ts writes them (coalesce(column, 1e15), then id): a page
-- sorted by price or by motorway distance walks the index in order and stops at the page
-- size, instead of fetching and sorting every match (10,000 plots for a department).
CREATE INDEX IF NOT EXISTS plots_available_price_order_idx ON plots ((coalesce(price_eur_m2, 1e15::float8)), id)
  WHERE marketing_stage IN ('en vente', 'en vente avec contraintes') AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS sites_motorway_order_idx ON sites ((coalesce(motorway_interchange_km, 1e15::float8)), id)
  WHERE deleted_at IS NULL;
