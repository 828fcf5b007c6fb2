// The CNIG importer's reasons in French, for the import page (territory-import.ts). The API's
// report keeps the importer's English words (src/cnig/table-schema.ts, src/cnig/read.ts,
// src/importers/cnig-*.ts, geometry-rows.ts, src/quality/checks.ts); the page matches each
// reason's shape and says it in French. A reason of no known shape is shown as it comes.

const territories = (list: string) => `hors des territoires de cette clé (${list})`;
const quotedValue = '(".*")';
const comma = (decimal: string) => decimal.replace('.', ',');
/** A value the importer quotes as JSON, between French quotation marks. */
const q = (json: string) => `« ${JSON.parse(json) as string} »`;

/** Each known reason's shape (the whole text) and its French words from the captured parts. */
const reasons: [RegExp, (lineOffset: number, ...parts: string[]) => string][] = [
  [/^column missing$/, () => 'colonne absente'],
  [/^required value missing$/, () => 'valeur obligatoire absente'],
  [new RegExp(`^${quotedValue} is not a number$`), (_, v) => `${q(v)} n’est pas un nombre`],
  [new RegExp(`^${quotedValue} is not an integer$`), (_, v) => `${q(v)} n’est pas un nombre entier`],
  [new RegExp(`^${quotedValue} is not a year \\(YYYY\\)$`), (_, v) => `${q(v)} n’est pas une année (AAAA)`],
  [new RegExp(`^${quotedValue} is not a date \\(YYYY-MM-DD\\)$`), (_, v) => `${q(v)} n’est pas une date (AAAA-MM-JJ)`],
  [
    new RegExp(`^${quotedValue} is not one of the standard's values$`),
    (_, v) => `${q(v)} n’est pas une valeur du standard`,
  ],
  [new RegExp(`^${quotedValue} does not match the expected pattern$`), (_, v) => `${q(v)} n’a pas la forme attendue`],
  [/^not a GeoJSON geometry$/, () => 'pas une géométrie GeoJSON'],
  [
    /^a (\w+) where a Polygon or MultiPolygon is expected$/,
    (_, t) => `un ${t} là où un Polygon ou un MultiPolygon est attendu`,
  ],
  [/^a number ≥ 0 expected(?: \((.+)\))?$/, (_, unit) => `un nombre ≥ 0 attendu${unit ? ` (${unit})` : ''}`],
  [/^a date YYYY-MM-DD expected$/, () => 'une date AAAA-MM-JJ attendue'],
  [/^one of (.+) expected$/, (_, values) => `une de ces valeurs attendue : ${values}`],
  [
    /^duplicate id \(first on row (\d+)\)$/,
    (offset, row) => `identifiant en double (déjà à la ligne ${Number(row) + offset})`,
  ],
  [/^no geometry and unknown parcels: (.+)$/, (_, refs) => `pas de géométrie et des parcelles inconnues : ${refs}`],
  [
    /^missing column: is this a (\S+) file, ';'-separated\?$/,
    (_, kind) => `colonne absente : est-ce bien un fichier ${kind} séparé par des points-virgules ?`,
  ],
  [
    /^mostly unknown columns for (\S+): (.+)$/,
    (_, kind, cols) => `colonnes pour la plupart inconnues de ${kind} : ${cols}`,
  ],
  [
    /^no such EPCI \(import the EPCI boundaries first\)$/,
    () => 'EPCI inconnu (importez d’abord les contours des EPCI)',
  ],
  [
    /^no such commune \(a commune merged since\? import the communes first\)$/,
    () => 'commune inconnue (fusionnée depuis ? importez d’abord les communes)',
  ],
  [/^no such site \(import site-eco first\)$/, () => 'site inconnu (importez d’abord le fichier site-eco)'],
  [/^EPCI outside this key's territories \((.+)\)$/, (_, list) => `EPCI ${territories(list)}`],
  [
    /^the stored site is outside this key's territories \((.+)\)$/,
    (_, list) => `le site enregistré est ${territories(list)}`,
  ],
  [/^the site is outside this key's territories \((.+)\)$/, (_, list) => `le site est ${territories(list)}`],
  [
    /^the stored plot is outside this key's territories \((.+)\)$/,
    (_, list) => `le terrain enregistré est ${territories(list)}`,
  ],
  [/^unreadable geometry: (.+)$/, (_, why) => `géométrie illisible : ${why}`],
  [
    /^geometry type (\w+); expected (.+)$/,
    (_, t, expected) => `géométrie de type ${t} ; attendu ${expected.replaceAll(' or ', ' ou ')}`,
  ],
  [/^invalid geometry: (.+)$/, (_, why) => `géométrie invalide : ${why}`],
  [
    /^geometry lies outside France \(metropolitan and overseas\)$/,
    () => 'géométrie hors de France (métropole et outre-mer)',
  ],
  [
    /^declared ([\d.]+) ha, drawn ([\d.]+) ha \(([+-]?[\d.]+) %, more than (\d+) %\)$/,
    (_, declared, drawn, pct, limit) =>
      `surface déclarée ${comma(declared)} ha, dessinée ${comma(drawn)} ha (${comma(pct)} %, plus de ${limit} % d’écart)`,
  ],
  [
    /^parcels of (.+) on a plot in (\S+): (.+)$/,
    (_, communes, commune, parcels) => `parcelles de ${communes} sur un terrain de la commune ${commune} : ${parcels}`,
  ],
];

/**
 * The importer's reason in French, or as it is when its shape is not known. `lineOffset`: what
 * turns the importer's row numbers into the file's lines the page shows (1 for a CSV's header).
 */
export function reasonInFrench(reason: string, lineOffset = 0): string {
  for (const [shape, words] of reasons) {
    const match = shape.exec(reason);
    if (match) return words(lineOffset, ...match.slice(1));
  }
  return reason;
}
