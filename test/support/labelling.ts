// Helpers for labelling tests: a site whose catalogue agrees with a complete dossier, and the
// assessment of every criterion of a grid.
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { squareIn } from './writes.js';

/**
 * A site of the territory that has no dossier yet, created (as the admin `post`s it) with
 * its catalogue set so that a dossier assessing every blocking criterion met raises no flag:
 * electricity with 20 MW, water, sewerage, ready in 2027, plots in an urban (U) PLU zone.
 */
export async function agreeingSite(
  db: Kysely<Database>,
  territory: string,
  post: (path: string, body: unknown) => Promise<Response>,
): Promise<string> {
  const { geometry, communeInsee } = await squareIn(db, territory, 150);
  const site = await post('/sites', {
    name: 'Parc d’activités des Essarts',
    siteType: "zone d'activité économique",
    mainVocation: 'industrielle',
    state: 'en projet',
    usableAreaHa: 2,
    communeInsee,
    ownerType: 'epci',
    geometry,
  });
  expect(site.status, await site.clone().text()).toBe(201);
  const id = (await site.json()).id as string;
  const plot = await post('/plots', {
    siteId: id,
    landControl: 'commune',
    developmentStage: 'viabilisé et aménagé',
    marketingStage: 'en vente',
    occupation: 'inoccupé',
    landUse: 'espace agricole',
    geometry: (await squareIn(db, territory, 60)).geometry,
  });
  expect(plot.status, await plot.clone().text()).toBe(201);
  await sql`UPDATE sites SET network_electricity = true, power_mw = 20, network_drinking_water = true,
    network_sewerage = true, available_from = '2027-06-30' WHERE id = ${id}`.execute(db);
  await sql`UPDATE plots SET planning_zone = 'U' WHERE site_id = ${id}`.execute(db);
  return id;
}

export interface GridCriterion {
  id: string;
  blocking: boolean;
}

export const evidenceFor = (title: string) => [
  { title, reference: `REF-${title.length}`, date: '2025-06-30', author: 'Service développement économique' },
];

/**
 * Every criterion assessed: blocking ones met on evidence, the others not met (an unmet optional
 * criterion raises no flag and blocks nothing). `skip`: criteria left unassessed.
 */
export async function assessAll(
  put: (criterion: string, body: unknown) => Promise<Response>,
  criteria: GridCriterion[],
  skip: string[] = [],
): Promise<void> {
  for (const c of criteria) {
    if (skip.includes(c.id)) continue;
    const res = await put(
      c.id,
      c.blocking ? { status: 'met', evidence: evidenceFor(c.id) } : { status: 'not_met', comment: 'pas sur ce site' },
    );
    expect(res.status, await res.clone().text()).toBe(200);
  }
}
