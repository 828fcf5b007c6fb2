// French figures for every page (investor pages, ZAN pages and report, territory list) and the
// French reasons of the score: `12,5 ha`, `20 MW`, `45 €/m²`, `38 %`, `12 juin 2028`, `oui`/`non`.
// An absent value reads as a dash, never as 0. Browser-safe: no import, so client scripts bundle it.

const missing = '—';
const formats = new Map<string, Intl.NumberFormat>();

/**
 * A number the French way (decimal comma, narrow no-break space between thousands), with at most
 * `maximumFractionDigits` decimals; `fixed` keeps them all (`12,50`), as the ZAN figures are written.
 */
export function frenchNumber(value: number, maximumFractionDigits = 1, fixed = false): string {
  const key = `${maximumFractionDigits}${fixed ? ' fixed' : ''}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('fr-FR', {
      maximumFractionDigits,
      ...(fixed ? { minimumFractionDigits: maximumFractionDigits } : {}),
    });
    formats.set(key, format);
  }
  return format.format(value);
}

const withUnit = (unit: string, digits: number) => (value: number | null | undefined) =>
  value === null || value === undefined ? missing : `${frenchNumber(value, digits)} ${unit}`;

export const hectares = withUnit('ha', 2);
export const megawatts = withUnit('MW', 1);
export const kilometres = withUnit('km', 1);
export const eurosPerM2 = withUnit('€/m²', 2);

/** A share (0.38) as a whole percentage: `38 %`. */
export const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? missing : `${frenchNumber(share * 100, 0)} %`;

const longDate = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * `YYYY-MM-DD` as `1 juin 2028`, the day as a plain number, as the search's reasons and the
 * result cards write it (frenchDate writes `1er`). Read in UTC: a calendar day, not an instant.
 */
export const frenchDay = (iso: string) => longDate.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));

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
