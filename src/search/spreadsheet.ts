// The spreadsheet download of a site search (`GET /sites?f=spreadsheet`): one line per site, in
// the search's order, with the brief's fields under French headings, for Excel or LibreOffice in
// a French locale: UTF-8 with a byte order mark, `;` between fields, a decimal comma, CRLF line
// ends. Each line is written from the search's own item (`siteItem`), so that it says what the
// JSON page says. The CNIG CSV (`f=csv`) stays the standard's file.
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { labelStateWord } from '../sites/vocabulary.js';
import type { siteItem } from './representation.js';

type SiteItem = ReturnType<typeof siteItem>;

const spreadsheetHeader = [
  'Nom',
  'Commune',
  'Code INSEE',
  "Territoire d'industrie",
  'Plus grand terrain disponible (ha)',
  'Surface disponible (ha)',
  'Puissance électrique (MW)',
  'Prix le plus bas (€/m²)',
  'Disponible à partir du',
  'Friche',
  'Embranchement ferré (ITE)',
  'Échangeur autoroutier (km)',
  'Statut du label',
  'Maturité (sur 100)',
  'Score (sur 100)',
  'Fiche du site',
] as const;

const decimalComma = (value: number | null | undefined) =>
  value === null || value === undefined ? '' : String(value).replace('.', ',');
const yesNo = (value: boolean | null | undefined) =>
  value === null || value === undefined ? '' : value ? 'oui' : 'non';

const line = (cells: string[]) => stringify([cells], { delimiter: ';', record_delimiter: 'windows' });

export const spreadsheetHeaderLine = () => `\uFEFF${line([...spreadsheetHeader])}`;

/** The Territoires d'industrie of each EPCI among `sirens`, names joined (one query per chunk). */
export async function territoryNamesByEpci(db: Kysely<Database>, sirens: string[]): Promise<Map<string, string>> {
  if (sirens.length === 0) return new Map();
  const rows = await db
    .selectFrom('territoryEpci as te')
    .innerJoin('territories as t', 't.id', 'te.territoryId')
    .select(['te.epciSiren', 't.name'])
    .where('te.epciSiren', 'in', [...new Set(sirens)])
    .orderBy('t.name')
    .execute();
  const names = new Map<string, string>();
  for (const row of rows) {
    const known = names.get(row.epciSiren);
    names.set(row.epciSiren, known ? `${known}, ${row.name}` : row.name);
  }
  return names;
}

/** Lines of the spreadsheet for search items (after spreadsheetHeaderLine). */
export function spreadsheetLines(
  items: SiteItem[],
  territories: Map<string, string>,
  sitePage: (id: string) => string,
): string {
  return items
    .map((item) => {
      const readiness = item.score.components.find((c) => c.name === 'readiness');
      return line([
        item.name,
        item.location.commune.name,
        item.location.commune.insee,
        territories.get(item.location.epci.siren) ?? '',
        decimalComma(item.areas.maxPlotAreaHa),
        decimalComma(item.areas.availableAreaHa),
        decimalComma(item.utilities.powerMw),
        decimalComma(item.lowestPriceEurM2),
        item.availableFrom ?? '',
        yesNo(item.brownfield),
        yesNo(item.access.railSiding),
        decimalComma(item.access.motorwayInterchangeKm),
        labelStateWord(item.turnkey.labelStatus) ?? '',
        readiness ? decimalComma(Math.round(readiness.value * 1000) / 10) : '',
        decimalComma(item.score.total),
        sitePage(item.id),
      ]);
    })
    .join('');
}
