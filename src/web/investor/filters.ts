// The home page's filter panel as data: each control is one GET /sites parameter under its own
// name (src/search/brief.ts), with its French label. The server renders the form from it, the
// problems name a parameter by its label, and the client script reads the form back; no other
// list of the brief's fields exists on the page side. Browser-safe: no Node import.
import { labelStates, labelStateWord } from '../../sites/vocabulary.js';
import { placeKinds } from '../../territories/place-kinds.js';

export interface Choice {
  value: string;
  label: string;
}

export interface Filter {
  name: string;
  label: string;
  kind: 'number' | 'date' | 'choice' | 'text';
  unit?: string;
  choices?: Choice[];
  /** Shown under the control when the label alone would not say it. */
  hint?: string;
}

export interface FilterGroup {
  legend: string;
  filters: Filter[];
}

// A flag of the brief is three-valued: not asked, required (true), excluded (false).
const flag = (name: string, label: string): Filter => ({
  name,
  label,
  kind: 'choice',
  choices: [
    { value: '', label: 'Indifférent' },
    { value: 'true', label: 'Oui' },
    { value: 'false', label: 'Non' },
  ],
});

const capitalised = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

export const filterGroups: FilterGroup[] = [
  {
    legend: 'Surface',
    filters: [
      { name: 'min_area_ha', label: 'Surface minimale', kind: 'number', unit: 'ha' },
      { name: 'max_area_ha', label: 'Surface maximale', kind: 'number', unit: 'ha' },
    ],
  },
  {
    legend: 'Réseaux',
    filters: [
      { name: 'min_power_mw', label: 'Puissance électrique minimale', kind: 'number', unit: 'MW' },
      flag('electricity', 'Réseau électrique'),
      flag('gas', 'Gaz'),
      flag('drinking_water', 'Eau potable'),
      flag('sewerage', 'Assainissement'),
      flag('fibre', 'Fibre optique'),
    ],
  },
  {
    legend: 'Accès',
    filters: [
      flag('rail_siding', 'Embranchement ferroviaire'),
      flag('river_quay', 'Quai fluvial'),
      { name: 'max_motorway_km', label: 'Échangeur autoroutier à moins de', kind: 'number', unit: 'km' },
      { name: 'max_freight_station_km', label: 'Gare de fret à moins de', kind: 'number', unit: 'km' },
      { name: 'max_port_km', label: 'Port à moins de', kind: 'number', unit: 'km' },
    ],
  },
  {
    legend: 'Foncier et disponibilité',
    filters: [
      { name: 'available_before', label: 'Disponible au plus tard le', kind: 'date' },
      { name: 'max_price_eur_m2', label: 'Prix maximal', kind: 'number', unit: '€/m²' },
      flag('brownfield', 'Friche'),
      flag('turnkey', 'Site clés en main'),
      {
        name: 'label_status',
        label: 'Statut du label',
        kind: 'choice',
        // The words of the result cards (result.ts); `none` is the API's name for no label file.
        choices: [
          { value: '', label: 'Indifférent' },
          ...labelStates.map((state) => ({ value: state, label: capitalised(labelStateWord(state) ?? state) })),
          { value: 'none', label: 'Sans dossier de label' },
        ],
      },
      {
        name: 'marketing_stage',
        label: 'Commercialisation',
        kind: 'choice',
        choices: [
          { value: '', label: 'Indifférent' },
          { value: 'available', label: 'En vente' },
          { value: 'under_option', label: 'Sous option' },
          { value: 'sold', label: 'Vendu' },
          { value: 'not_marketed', label: 'Non commercialisé' },
        ],
      },
      {
        name: 'planning_zone',
        label: 'Zone du PLU',
        kind: 'choice',
        choices: [
          { value: '', label: 'Indifférent' },
          { value: 'U', label: 'U (urbaine)' },
          { value: 'AU', label: 'AU (à urbaniser)' },
          { value: 'A', label: 'A (agricole)' },
          { value: 'N', label: 'N (naturelle)' },
        ],
      },
      { name: 'q', label: 'Mots du nom du site', kind: 'text' },
    ],
  },
  {
    legend: 'Classement',
    filters: [
      {
        name: 'sort',
        label: 'Trier par',
        kind: 'choice',
        choices: [
          { value: '', label: 'Pertinence (score)' },
          { value: '-area', label: 'Surface, la plus grande d’abord' },
          { value: 'price', label: 'Prix, le plus bas d’abord' },
          { value: 'motorway', label: 'Distance à l’autoroute' },
          { value: 'readiness', label: 'Maturité du site' },
          { value: 'distance', label: 'Distance au point choisi' },
        ],
      },
    ],
  },
];

/** The "where" fields that are not a place by name: a point and a radius. */
export const nearFilters: Filter[] = [
  {
    name: 'near',
    label: 'Point (longitude, latitude)',
    kind: 'text',
    hint: 'Ou cliquez sur la carte après « Choisir un point ».',
  },
  { name: 'radius_km', label: 'Rayon', kind: 'number', unit: 'km' },
];

/** The page-only parameter of the form without script: a place typed by name, resolved by the server. */
export const placeText = 'lieu';

const labels = new Map<string, string>([
  ...[...filterGroups.flatMap((g) => g.filters), ...nearFilters].map((f): [string, string] => [f.name, f.label]),
  ...Object.entries(placeKinds),
  ['within', 'Dans le périmètre du territoire'],
  ['bbox', 'Emprise'],
  [placeText, 'Lieu'],
  ['cursor', 'Page suivante'],
  ['limit', 'Nombre de résultats'],
]);

// The API's messages (brief.ts, validation.ts) as a person reads them; another message is shown as the API wrote it.
const messages: Array<[RegExp, string]> = [
  [/^unknown parameter$/, 'ce critère n’existe pas'],
  [/^expected a number$/, 'un nombre est attendu'],
  [/^must be >= 0$/, 'le nombre doit être positif ou nul'],
  [/^expected true or false$/, 'oui ou non est attendu'],
  [/^expected an ISO date YYYY-MM-DD$/, 'une date est attendue (AAAA-MM-JJ)'],
  [/^expected lon,lat in CRS84 degrees$/, 'une longitude et une latitude en degrés sont attendues (ex. 4.85,45.75)'],
  [/^needs near=lon,lat$/, 'choisissez d’abord un point'],
  [/^must be > 0 and <= 1000$/, 'le rayon doit être compris entre 0 et 1 000 km'],
  [/^smaller than min_area_ha$/, 'la surface maximale est inférieure à la surface minimale'],
  [/^sorting by distance needs near=lon,lat$/, 'le tri par distance demande un point'],
  [/^expected an INSEE region code/, 'code de région INSEE attendu (2 chiffres)'],
  [/^expected a department code/, 'code de département attendu (ex. 07, 2A, 974)'],
  [/^expected an INSEE commune code$/, 'code INSEE de commune attendu'],
  [/^expected an EPCI SIREN/, 'SIREN d’EPCI attendu (9 chiffres)'],
  [/^not a territory id/, 'identifiant de territoire attendu (ex. ti-8401)'],
  [/^unknown [a-z ]+ "([^"]*)"(?:: expected .*)?$/, 'valeur inconnue « $1 »'],
  [/^no place matches/, 'aucun lieu ne porte ce nom'],
];

export interface InvalidParam {
  name: string;
  message: string;
}

/** A problem's invalid parameter in French: the control's label, the parameter name, and why. */
export function frenchProblem(param: InvalidParam): string {
  const label = labels.get(param.name);
  const rule = messages.find(([pattern]) => pattern.test(param.message));
  const why = rule ? param.message.replace(rule[0], rule[1]) : param.message;
  return `${label ? `${label} (${param.name})` : `« ${param.name} »`} : ${why}`;
}
