// French figures for the investor pages (site, comparison): `12,5 ha`, `20 MW`, `45 €/m²`,
// `12 juin 2028`, `oui`/`non`. An absent value reads as a dash, never as 0.
import { forSaleStages, type marketingStages } from '../../plots/vocabulary.js';
import { labelStateWord } from '../../sites/vocabulary.js';

const missing = '—';
const decimals = new Map<number, Intl.NumberFormat>();

/** A number the French way (decimal comma, narrow no-break space between thousands). */
export function frenchNumber(value: number, maximumFractionDigits = 1): string {
  let format = decimals.get(maximumFractionDigits);
  if (!format) {
    format = new Intl.NumberFormat('fr-FR', { maximumFractionDigits });
    decimals.set(maximumFractionDigits, format);
  }
  return format.format(value);
}

const withUnit = (unit: string, digits: number) => (value: number | null | undefined) =>
  value === null || value === undefined ? missing : `${frenchNumber(value, digits)} ${unit}`;

export const hectares = withUnit('ha', 2);
export const megawatts = withUnit('MW', 1);
export const kilometres = withUnit('km', 1);
export const eurosPerM2 = withUnit('€/m²', 2);

/** A share in [0, 1] as a whole percentage: `38 %`. */
export const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? missing : `${frenchNumber(Math.round(share * 100), 0)} %`;

const longDate = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `YYYY-MM-DD` as `12 juin 2028`, the first of the month as `1er` (read in UTC: a calendar day, not an instant). */
export function frenchDate(iso: string | null | undefined): string {
  if (!iso) return missing;
  return longDate
    .formatToParts(new Date(`${iso.slice(0, 10)}T00:00:00Z`))
    .map((part) => (part.type === 'day' && part.value === '1' ? '1er' : part.value))
    .join('');
}

export const yesNo = (value: boolean | null | undefined) =>
  value === null || value === undefined ? 'non renseigné' : value ? 'oui' : 'non';

export const text = (value: string | null | undefined) =>
  value === null || value === undefined || value === '' ? missing : value;

export const labelStatus = (status: string | null) => labelStateWord(status) ?? 'aucun dossier';

/**
 * What an investor can do with a plot, from its CNIG marketing stage (terr_stade_comm) and
 * occupation: the classes the site map colours and its legend names.
 */
export const availabilityClasses = ['for-sale', 'reserved', 'taken', 'not-marketed', 'unknown'] as const;
type AvailabilityClass = (typeof availabilityClasses)[number];

export const availabilityLabels: Record<AvailabilityClass, string> = {
  'for-sale': 'En vente',
  reserved: 'Réservé',
  taken: 'Vendu ou occupé',
  'not-marketed': 'Non commercialisé',
  unknown: 'Non renseigné',
};

export function availabilityOf(marketingStage: string, occupation: string): AvailabilityClass {
  if ((forSaleStages as readonly string[]).includes(marketingStage)) return 'for-sale';
  if (marketingStage.startsWith('réservé')) return 'reserved';
  if (marketingStage === ('vendu, commercialisation achevée' satisfies (typeof marketingStages)[number]))
    return 'taken';
  if (occupation === 'occupé') return 'taken';
  if (marketingStage === 'non commercialisé' || marketingStage === 'non commercialisable') return 'not-marketed';
  return 'unknown';
}
