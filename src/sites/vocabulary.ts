// CNIG site-eco enumerations (standard v1.0.1), the values the database CHECKs accept.
export const siteTypes = [
  "zone d'activité économique",
  'site économique historique hors ZAE',
  'établissement économique isolé',
  'zone AU à vocation économique',
  'inconnu',
  'autre',
  'sans objet',
] as const;
export const siteVocations = [
  'industrielle',
  'commerciale',
  'tertiaire',
  'artisanale',
  'touristique',
  'portuaire',
  'aéroportuaire, aéronautique',
  'entrepôts, logistique',
  'logistique agricole',
  'mixte',
  'inconnu',
  'autre',
  'sans objet',
] as const;
export const siteStates = [
  'en projet',
  'création',
  'existant et actif',
  'projet de déclassement',
  'déclassé',
  'inconnu',
  'autre',
  'sans objet',
] as const;
export const urbanisationTypes = [
  'extension urbaine',
  'renouvellement urbain',
  'mixte',
  'inconnu',
  'autre',
  'sans objet',
] as const;
export const ownerTypes = [
  'commune',
  'epci',
  "société d'économie mixte",
  'chambre de commerce et industrie',
  'Etat',
  'privé',
  'inconnu',
  'autre',
  'sans objet',
] as const;
export const labelStates = [
  'draft',
  'submitted',
  'under_review',
  'changes_requested',
  'labelled',
  'rejected',
  'withdrawn',
] as const;
export type LabelState = (typeof labelStates)[number];
/** The label states in French, for the pages and the spreadsheet download. */
const labelStateWords: Record<LabelState, string> = {
  draft: 'dossier en préparation',
  submitted: 'dossier déposé',
  under_review: 'en instruction',
  changes_requested: 'compléments demandés',
  labelled: 'labellisé',
  rejected: 'refusé',
  withdrawn: 'label retiré',
};
export const labelStateWord = (state: string | null): string | null =>
  state === null ? null : (labelStateWords[state as LabelState] ?? state);
/**
 * The programme of turnkey industrial sites ("sites clés en main", Territoires d'industrie and
 * Banque des Territoires).
 */

export const TURNKEY_PROGRAMME = 'sites-cles-en-main-2023';
