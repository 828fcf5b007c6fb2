// What changed in a site between the version its edit page was loaded with and the current
// one (after a 412), in French: the form's fields, and apart from them the figures the site
// takes from its plots, which move its version without anyone touching the site. Pure, so
// that the page's script (territory-site.ts) and the tests read the same words.
import { formatNumber } from './dom.js';

export interface SiteLoaded {
  version: number;
  /** The form's fields by their PATCH /sites names. */
  fields: Record<string, unknown>;
  /** The figures taken from the site's live plots (web/territory/site-page.tsx). */
  derived: Record<string, unknown>;
}

export interface SiteLabels {
  fields: Record<string, string>;
  derived: Record<string, string>;
}

/** A value as the pages write it: empty, oui/non, 12,5, 01/03/2028. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'vide';
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'number') return formatNumber(value, 2);
  const text = String(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text.split('-').reverse().join('/') : text;
}

/** Equal as JSON, null and undefined alike. */
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function differing(labels: Record<string, string>, before: Record<string, unknown>, after: Record<string, unknown>) {
  return Object.keys(labels)
    .filter((name) => !same(before[name], after[name]))
    .map((name) => `${labels[name]} : ${shownValue(before[name])} → ${shownValue(after[name])}`);
}

/** Each changed field and each changed derived figure as "label : loaded → current". */
export function siteChanges(loaded: SiteLoaded, current: SiteLoaded, labels: SiteLabels) {
  return {
    fields: differing(labels.fields, loaded.fields, current.fields),
    derived: differing(labels.derived, loaded.derived, current.derived),
  };
}
