// Territorialised ZAN reduction targets from sparte's `territorialisation_objectif` fixture
// (MTES-MCT/sparte, public_data/fixtures; a Django fixture: a JSON array of records
// { model: 'public_data.territorialisationobjectif', pk, fields: { land, parent,
// objectif_de_reduction, nom_document, is_in_document, document_url, document_comment } }).
// `land` and `parent` are sparte land keys, KIND_CODE: the land receiving the target and the
// one giving it. The Hauts-de-France file is two levels deep: the region (SRADDET, no parent)
// gives targets to its SCoT, to a few EPCI and to one custom grouping; deeper chains (a SCoT
// giving its EPCI their targets) read the same way.
//
// Kept, in zan_reduction_targets (which holds commune and EPCI targets, a commune's own
// winning over its EPCI's):
// - EPCI_<SIREN> and COMM_<INSEE> targets: reduction_rate = objectif_de_reduction / 100;
//   document = who gives it (the parent's nom_document, name and code, its document_url) and
//   the document it goes into (nom_document, and whether is_in_document says it is there yet);
//   source = the file name. Upserted on (kind, code): created / updated / unchanged.
//   A SIREN or INSEE code we do not hold is reported unmatched and written all the same (no
//   foreign key, as for the Cerema flows: targets may come before the boundaries, and apply
//   once the EPCI or commune is imported).
// Not kept, reported unmatched row by row:
// - REGION_ (the SRADDET's regional figure: no regional level in the table, and it is not a
//   per-commune default), SCOT_ and CUSTOM_ (we hold no SCoT or custom perimeters to find their
//   communes), DEPART_, NATION_.
// - pk and document_comment are not kept.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { inseeCommunePattern, regionPattern, sirenPattern } from '../territories/codes.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { regionNames } from './territory-upsert.js';

const MODEL = 'public_data.territorialisationobjectif';

/** sparte land types (LandModel.land_type); the table holds the first two. */
const landKinds = {
  COMM: { held: 'commune', code: inseeCommunePattern, what: 'an INSEE commune code' },
  EPCI: { held: 'epci', code: sirenPattern, what: 'a SIREN' },
  REGION: {
    held: null,
    code: regionPattern,
    what: 'an INSEE region code',
    why: 'a regional (SRADDET) figure: the table holds commune and EPCI targets only',
  },
  DEPART: {
    held: null,
    code: /^[0-9][0-9AB]$|^97[0-9]$/,
    what: 'a département code',
    why: 'a département target: the table holds commune and EPCI targets only',
  },
  SCOT: {
    held: null,
    code: /^.+$/,
    what: 'a SCoT id',
    why: 'a SCoT target: no SCoT perimeters are held to find its communes',
  },
  CUSTOM: {
    held: null,
    code: /^.+$/,
    what: 'a custom land id',
    why: "a target of one of sparte's custom groupings: no such perimeter is held",
  },
  NATION: {
    held: null,
    code: /^.+$/,
    what: 'a nation code',
    why: 'a national figure: the table holds commune and EPCI targets only',
  },
} as const;

type LandKind = keyof typeof landKinds;

interface LandKey {
  key: string;
  kind: LandKind;
  code: string;
}

/** KIND_CODE, split at the first underscore (CUSTOM_SCOT_SAINT_QUENTINOIS is CUSTOM / SCOT_SAINT_QUENTINOIS). */
function parseLandKey(value: unknown): LandKey | string {
  if (typeof value !== 'string' || !value.includes('_'))
    return 'not a sparte land key (KIND_CODE, e.g. EPCI_246000764)';
  const at = value.indexOf('_');
  const kind = value.slice(0, at);
  const code = value.slice(at + 1);
  if (!Object.hasOwn(landKinds, kind))
    return `unknown land kind ${JSON.stringify(kind)}; expected one of ${Object.keys(landKinds).join(', ')}`;
  const spec = landKinds[kind as LandKind];
  if (!spec.code.test(code)) return `${kind} code is not ${spec.what}`;
  return { key: value, kind: kind as LandKind, code };
}

const landName = (land: LandKey) =>
  land.kind === 'REGION' && Object.hasOwn(regionNames, land.code)
    ? `${regionNames[land.code]} (${land.key})`
    : land.key;

interface Target {
  row: number;
  land: LandKey;
  parent: LandKey | null;
  /** A share, 0..1. */
  rate: number;
  document: string;
  inDocument: boolean | null;
  url: string | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks one fixture record; rejects what is wrong with it, returns it when nothing is. */
function readRecord(report: ImportReportBuilder, row: number, record: unknown): Target | undefined {
  if (!isObject(record) || !isObject(record.fields)) {
    report.reject(row, null, 'not a sparte fixture record (an object with "fields")');
    return undefined;
  }
  if (record.model !== undefined && record.model !== MODEL)
    report.reject(row, 'model', `not a ${MODEL} record`, record.model);
  const f = record.fields;
  const land = parseLandKey(f.land);
  if (typeof land === 'string') report.reject(row, 'fields.land', land, f.land);
  const parent = f.parent === null || f.parent === undefined ? null : parseLandKey(f.parent);
  if (typeof parent === 'string') report.reject(row, 'fields.parent', parent, f.parent);
  // a DecimalField(5, 2) in percent, written as a string ("61.10") by Django
  const raw = f.objectif_de_reduction;
  const percent =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)
        ? Number(raw)
        : Number.NaN;
  if (!(percent >= 0 && percent <= 100))
    report.reject(
      row,
      'fields.objectif_de_reduction',
      raw === undefined || raw === null ? 'missing reduction' : 'not a percentage between 0 and 100',
      raw,
    );
  if (typeof f.nom_document !== 'string' || f.nom_document.trim() === '')
    report.reject(row, 'fields.nom_document', 'missing document name', f.nom_document);
  if (f.is_in_document !== undefined && f.is_in_document !== null && typeof f.is_in_document !== 'boolean')
    report.reject(row, 'fields.is_in_document', 'not true or false', f.is_in_document);
  if (f.document_url !== undefined && f.document_url !== null && typeof f.document_url !== 'string')
    report.reject(row, 'fields.document_url', 'not a URL', f.document_url);
  if (report.isRejected(row)) return undefined;
  return {
    row,
    land: land as LandKey,
    parent: parent as LandKey | null,
    rate: round(percent / 100, 6),
    document: (f.nom_document as string).trim(),
    inDocument: typeof f.is_in_document === 'boolean' ? f.is_in_document : null,
    url: typeof f.document_url === 'string' && f.document_url.trim() !== '' ? f.document_url.trim() : null,
  };
}

/** "SRADDET Hauts-de-France (REGION_32) <url>, to be written into the PLUI". */
function documentText(target: Target, byKey: Map<string, Target>): string {
  const into =
    target.inDocument === null
      ? `for the ${target.document}`
      : target.inDocument
        ? `written into the ${target.document}`
        : `to be written into the ${target.document}`;
  if (!target.parent) return `${target.document}${target.url ? ` <${target.url}>` : ''}`;
  const giver = byKey.get(target.parent.key);
  const given = giver
    ? `${giver.document} ${landName(target.parent)}${giver.url ? ` <${giver.url}>` : ''}`
    : landName(target.parent);
  return `${given}, ${into}`;
}

export async function importZanTargets(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('zan-targets', path, options);
  let records: unknown;
  try {
    records = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    report.reject(0, null, `not JSON: ${(error as Error).message}`);
    return report.finish({ accepted: 0, written: false });
  }
  if (!Array.isArray(records)) {
    report.reject(0, null, `expected a JSON array of ${MODEL} records (sparte fixture)`);
    return report.finish({ accepted: 0, written: false });
  }

  const targets: Target[] = [];
  const byKey = new Map<string, Target>();
  records.forEach((record, index) => {
    const row = index + 1;
    report.read();
    const target = readRecord(report, row, record);
    if (!target) return;
    const first = byKey.get(target.land.key);
    if (first) {
      report.reject(row, 'fields.land', `duplicate land (first on row ${first.row})`, target.land.key);
      return;
    }
    byKey.set(target.land.key, target);
    targets.push(target);
  });

  const kept = targets.filter((t) => landKinds[t.land.kind].held !== null);
  for (const t of targets) {
    const spec = landKinds[t.land.kind];
    if (spec.held === null) report.unmatched(t.row, 'fields.land', t.land.key, `${spec.why}; not written`);
  }
  const rows = kept.map((t) => ({
    landKind: landKinds[t.land.kind].held!,
    landCode: t.land.code,
    reductionRate: t.rate,
    document: documentText(t, byKey),
    source: basename(path),
  }));

  let counts = { inserted: 0, updated: 0, unchanged: 0 };
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const sirens = kept.filter((t) => t.land.kind === 'EPCI').map((t) => t.land.code);
    const insees = kept.filter((t) => t.land.kind === 'COMM').map((t) => t.land.code);
    const heldEpci = new Set(
      sirens.length
        ? (await trx.selectFrom('epci').where('siren', 'in', sirens).select('siren').execute()).map((e) => e.siren)
        : [],
    );
    const heldCommunes = new Set(
      insees.length
        ? (await trx.selectFrom('communes').where('insee', 'in', insees).select('insee').execute()).map((c) => c.insee)
        : [],
    );
    for (const t of kept) {
      if (t.land.kind === 'EPCI' && !heldEpci.has(t.land.code))
        report.unmatched(
          t.row,
          'fields.land',
          t.land.key,
          'no such EPCI held (import the EPCI boundaries?); written, it applies once the EPCI is',
        );
      if (t.land.kind === 'COMM' && !heldCommunes.has(t.land.code))
        report.unmatched(
          t.row,
          'fields.land',
          t.land.key,
          'no such commune held (merged since, or not imported?); written, it applies once the commune is',
        );
    }
    if (rows.length === 0) return;
    // Only rows that differ are updated and returned; xmax = 0 marks a fresh insert.
    const { rows: changed } = await sql<{ inserted: boolean }>`
      INSERT INTO zan_reduction_targets (land_kind, land_code, reduction_rate, document, source)
      SELECT "landKind", "landCode", "reductionRate", document, source
      FROM json_to_recordset(${JSON.stringify(rows)}::json)
        AS x("landKind" text, "landCode" text, "reductionRate" float8, document text, source text)
      ON CONFLICT (land_kind, land_code) DO UPDATE SET
        reduction_rate = EXCLUDED.reduction_rate, document = EXCLUDED.document, source = EXCLUDED.source
      WHERE (zan_reduction_targets.reduction_rate, zan_reduction_targets.document, zan_reduction_targets.source)
        IS DISTINCT FROM (EXCLUDED.reduction_rate, EXCLUDED.document, EXCLUDED.source)
      RETURNING (xmax = 0) AS inserted`.execute(trx);
    const inserted = changed.filter((r) => r.inserted).length;
    counts = { inserted, updated: changed.length - inserted, unchanged: rows.length - changed.length };
  });
  return report.finish({ accepted: rows.length, ...counts, written });
}
