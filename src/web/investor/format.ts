// The investor pages' words for a site's label and a plot's availability (site page, comparison);
// their figures are written by web/format.ts.
import { forSaleStages, type marketingStages } from '../../plots/vocabulary.js';
import { labelStateWord } from '../../sites/vocabulary.js';

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
