// Territoires d'industrie and commune → EPCI membership: upserts that merge programme phases,
// derive a territory's EPCI from its communes when a list is given at commune level, and then
// rebuild each touched territory's boundary from its members (refreshTerritoryGeometry).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { UpsertCounts } from './cnig-upsert.js';

export type Phase = '2018-2022' | '2023-2027';

/** INSEE COG 2026 regions; a territory's ANCT code starts with its region's. */
export const regionNames: Record<string, string> = {
  '01': 'Guadeloupe',
  '02': 'Martinique',
  '03': 'Guyane',
  '04': 'La Réunion',
  '06': 'Mayotte',
  '11': 'Île-de-France',
  '24': 'Centre-Val de Loire',
  '27': 'Bourgogne-Franche-Comté',
  '28': 'Normandie',
  '32': 'Hauts-de-France',
  '44': 'Grand Est',
  '52': 'Pays de la Loire',
  '53': 'Bretagne',
  '75': 'Nouvelle-Aquitaine',
  '76': 'Occitanie',
  '84': 'Auvergne-Rhône-Alpes',
  '93': "Provence-Alpes-Côte d'Azur",
  '94': 'Corse',
};

export interface TerritoryInput {
  id: string;
  name: string;
  regionCode: string;
}

/** Phases are merged; the name of the latest phase wins. */
export async function upsertTerritories(
  db: Kysely<Database>,
  territories: TerritoryInput[],
  phase: Phase,
): Promise<UpsertCounts> {
  if (territories.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  const payload = territories.map((t) => ({
    id: t.id,
    name: t.name,
    region_code: t.regionCode,
    region_name: Object.hasOwn(regionNames, t.regionCode) ? regionNames[t.regionCode] : t.regionCode,
  }));
  const latest = phase === '2023-2027';
  const result = await sql<{ inserted: boolean }>`
    INSERT INTO territories (id, name, region_code, region_name, phases)
    SELECT x.id, x.name, x.region_code, x.region_name, ARRAY[${phase}]::text[]
    FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json))
      AS x(id text, name text, region_code text, region_name text)
    ON CONFLICT (id) DO UPDATE SET
      phases = ARRAY(SELECT DISTINCT unnest(territories.phases || EXCLUDED.phases) ORDER BY 1),
      name = CASE WHEN ${latest} OR NOT ('2023-2027' = ANY(territories.phases))
                  THEN EXCLUDED.name ELSE territories.name END,
      region_code = EXCLUDED.region_code,
      region_name = EXCLUDED.region_name
    WHERE NOT (EXCLUDED.phases <@ territories.phases)
       OR territories.region_code IS DISTINCT FROM EXCLUDED.region_code
       OR ((${latest} OR NOT ('2023-2027' = ANY(territories.phases)))
           AND territories.name IS DISTINCT FROM EXCLUDED.name)
    RETURNING (xmax = 0) AS inserted`.execute(db);
  const created = result.rows.filter((r) => r.inserted).length;
  return { created, updated: result.rows.length - created, unchanged: territories.length - result.rows.length };
}

/** Adds (territory, EPCI) pairs; returns how many were new. EPCI must exist. */
export async function addTerritoryMembers(
  db: Kysely<Database>,
  pairs: { territoryId: string; epciSiren: string }[],
): Promise<number> {
  if (pairs.length === 0) return 0;
  const payload = pairs.map((p) => ({ territory_id: p.territoryId, epci_siren: p.epciSiren }));
  const result = await sql`INSERT INTO territory_epci (territory_id, epci_siren)
    SELECT x.territory_id, x.epci_siren
    FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json)) AS x(territory_id text, epci_siren text)
    ON CONFLICT DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * EPCI of a territory given at commune level: those with at least `coverage` of their communes
 * (as loaded) in the territory — the rule the first-phase derived files use (couverture ≥ 0.5).
 */
export async function epciFromCommunes(
  db: Kysely<Database>,
  members: { territoryId: string; insee: string }[],
  coverage = 0.5,
) {
  if (members.length === 0) return [];
  const payload = members.map((m) => ({ territory_id: m.territoryId, insee: m.insee }));
  const { rows } = await sql<{ territoryId: string; epciSiren: string }>`
    WITH m AS (
      SELECT DISTINCT x.territory_id, x.insee
      FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json)) AS x(territory_id text, insee text)),
    per_epci AS (
      SELECT m.territory_id, c.epci_siren, count(*) AS n
      FROM m JOIN communes c ON c.insee = m.insee
      WHERE c.epci_siren IS NOT NULL
      GROUP BY 1, 2),
    totals AS (SELECT epci_siren, count(*) AS total FROM communes WHERE epci_siren IS NOT NULL GROUP BY 1)
    SELECT p.territory_id, p.epci_siren FROM per_epci p JOIN totals t USING (epci_siren)
    WHERE p.n::float / t.total >= ${coverage}
    ORDER BY 1, 2`.execute(db);
  return rows;
}

/** Sets communes.epci_siren (and population when given) from epcicom rows; returns changed and unchanged counts. */
export async function setCommuneEpci(
  db: Kysely<Database>,
  pairs: { insee: string; siren: string; population: number | null }[],
): Promise<{ updated: number; unchanged: number }> {
  if (pairs.length === 0) return { updated: 0, unchanged: 0 };
  const payload = pairs.map((p) => ({ insee: p.insee, siren: p.siren, population: p.population }));
  const result = await sql`UPDATE communes c SET epci_siren = x.siren, population = coalesce(x.population, c.population)
    FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json)) AS x(insee text, siren text, population integer)
    WHERE c.insee = x.insee
      AND (c.epci_siren IS DISTINCT FROM x.siren OR c.population IS DISTINCT FROM coalesce(x.population, c.population))
  `.execute(db);
  const updated = Number(result.numAffectedRows ?? 0);
  return { updated, unchanged: pairs.length - updated };
}
