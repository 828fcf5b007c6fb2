// The workspace's French words for the workflow's states, assessment statuses and readiness
// periods, and its number formats (12,5 ha).
import type { ReadinessPeriod } from '../../programme/dashboard.js';
import type { WorkflowState } from '../../labelling/workflow.js';

export const stateLabels: Record<WorkflowState, string> = {
  none: 'Sans dossier',
  draft: 'Brouillon',
  submitted: 'Déposé',
  under_review: 'En instruction',
  changes_requested: 'Compléments demandés',
  labelled: 'Labellisé',
  rejected: 'Refusé',
  withdrawn: 'Label retiré',
};

/** The verb on a move's button. */
export const moveLabels: Record<Exclude<WorkflowState, 'none'>, string> = {
  draft: 'Ouvrir le dossier',
  submitted: 'Déposer le dossier',
  under_review: 'Ouvrir l’instruction',
  changes_requested: 'Demander des compléments',
  labelled: 'Labelliser',
  rejected: 'Refuser',
  withdrawn: 'Retirer le label',
};

export const statusLabels = { met: 'Satisfait', not_met: 'Non satisfait', not_applicable: 'Sans objet' } as const;

export const periodLabels: Record<ReadinessPeriod, string> = {
  '2024': 'Prêts en 2024',
  '2025-2027': '2025-2027',
  '2028-2030': '2028-2030',
  after_2030_or_unknown: 'Après 2030 ou inconnue',
};

const integer = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });

export const formatInteger = (n: number) => integer.format(n);
export const formatHectares = (n: number) => `${decimal.format(n)} ha`;
export const formatPercent = (share: number) => percent.format(share);
export const formatDate = (iso: string) =>
  new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' }).format(new Date(iso));
