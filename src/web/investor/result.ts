// One search result as the home page shows it, from the JSON item GET /sites returns: the server
// renders these parts in the first list and the client script in every later one, so both lists
// say the same. Browser-safe: no Node import.
import type { Point } from 'geojson';
import { labelStateWord } from '../../sites/vocabulary.js';
import { frenchDay, frenchNumber } from '../format.js';

/** The fields of a GET /sites item the page reads (src/search/representation.ts, siteItem). */
export interface SiteResult {
  id: string;
  name: string;
  location: {
    commune: { name: string | null; department: string | null };
    epci: { name: string | null };
    point: Point | null;
  };
  areas: { areaHa: number | null; usableAreaHa: number | null; maxPlotAreaHa: number | null };
  utilities: { powerMw: number | null };
  access: { railSiding: boolean | null; motorwayInterchangeKm: number | null };
  turnkey: { programme: string | null; labelStatus: string | null };
  lowestPriceEurM2: number | null;
  brownfield: boolean | null;
  availableFrom: string | null;
  score: { total: number; components: Array<{ name: string; reason: string; reasonFr?: string }> };
}

export interface ResultParts {
  id: string;
  name: string;
  href: string;
  place: string;
  facts: string[];
  score: string;
  reasons: string[];
  /** [lon, lat] of the site's point on surface, for the map. */
  point: [number, number] | null;
}

export function resultParts(item: SiteResult): ResultParts {
  const facts: string[] = [];
  const { areas, utilities, access } = item;
  if (areas.maxPlotAreaHa !== null)
    facts.push(`plus grande parcelle disponible ${frenchNumber(areas.maxPlotAreaHa)} ha`);
  else if (areas.usableAreaHa !== null) facts.push(`${frenchNumber(areas.usableAreaHa)} ha utiles`);
  else if (areas.areaHa !== null) facts.push(`${frenchNumber(areas.areaHa)} ha`);
  if (utilities.powerMw !== null) facts.push(`${frenchNumber(utilities.powerMw)} MW`);
  if (access.railSiding) facts.push('embranchement ferroviaire');
  if (access.motorwayInterchangeKm !== null) facts.push(`autoroute à ${frenchNumber(access.motorwayInterchangeKm)} km`);
  if (item.lowestPriceEurM2 !== null) facts.push(`dès ${frenchNumber(item.lowestPriceEurM2, 2)} €/m²`);
  if (item.availableFrom) facts.push(`disponible le ${frenchDay(item.availableFrom)}`);
  if (item.brownfield) facts.push('friche');
  if (item.turnkey.programme) facts.push('site clés en main');
  const label = item.turnkey.labelStatus;
  if (label) facts.push(`label : ${labelStateWord(label)}`);
  const commune = item.location.commune;
  const communeText = [commune.name, commune.department ? `(${commune.department})` : null].filter(Boolean).join(' ');
  const place = [communeText, item.location.epci.name].filter(Boolean).join(' · ');
  const [lon, lat] = item.location.point?.coordinates ?? [];
  const point: [number, number] | null = lon === undefined || lat === undefined ? null : [lon, lat];
  return {
    id: item.id,
    name: item.name,
    href: `/sites/${item.id}`,
    place,
    facts,
    score: `Score ${frenchNumber(item.score.total)} / 100`,
    reasons: item.score.components.map((c) => c.reasonFr ?? c.reason),
    point,
  };
}

/** "12 sites correspondent", with the cap the API counts to. */
export function countText(total: number, exact: boolean): string {
  if (total === 0) return 'Aucun site ne correspond à ces critères.';
  const n = `${exact ? '' : 'plus de '}${frenchNumber(total, 0)}`;
  return total === 1 && exact ? '1 site correspond' : `${n} sites correspondent`;
}
