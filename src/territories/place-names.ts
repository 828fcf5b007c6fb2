// Regions and départements named as people name them: `region=auvergne-rhone-alpes`,
// `Auvergne-Rhône-Alpes` or `84`; `department=drome`, `Drôme` or `26`. Names are compared folded
// (accents, case, spaces, hyphens and apostrophes ignored) against the `regions` and
// `departments` tables (INSEE COG names loaded by sql/012, renamed by an ADMIN EXPRESS import).
// An unknown name is a 400 naming the parameter, with the nearest names as suggestions.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { invalidParam } from '../http/errors.js';
import { departmentPattern, regionPattern } from './codes.js';

export type PlaceKind = 'region' | 'department';

const tables = { region: 'regions', department: 'departments' } as const;
const patterns = { region: regionPattern, department: departmentPattern };

/** `Provence-Alpes-Côte d'Azur` → `provence alpes cote d azur`. */
export function foldPlaceName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Edit distance (insertions, deletions, substitutions), for suggestions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

const SUGGESTIONS = 5;

/** The code a `region` or `department` parameter names; a code passes as it is (2a reads 2A). */
export async function placeCode(db: Kysely<Database>, kind: PlaceKind, text: string): Promise<string> {
  const asCode = text.toUpperCase();
  if (patterns[kind].test(asCode)) return asCode;
  const wanted = foldPlaceName(text);
  const places = await db.selectFrom(tables[kind]).select(['code', 'name']).execute();
  const found = places.find((p) => foldPlaceName(p.name) === wanted);
  if (found) return found.code;
  const ranked = places
    .map((p) => {
      const folded = foldPlaceName(p.name);
      // A name that starts with or contains the words given ranks first, then the nearest spellings.
      const distance = folded.startsWith(wanted) || folded.includes(wanted) ? 0 : editDistance(wanted, folded);
      return { label: `${p.name} (${p.code})`, distance };
    })
    .sort((a, b) => a.distance - b.distance || a.label.localeCompare(b.label, 'fr'))
    .slice(0, SUGGESTIONS);
  const what = kind === 'region' ? 'region' : 'department';
  throw invalidParam(
    'query',
    kind,
    `unknown ${what} ${JSON.stringify(text)}: expected an INSEE code or a name; ` +
      `did you mean ${ranked.map((r) => r.label).join(', ')}?`,
  );
}
