// Where each commune's planning document stands, for the 1 ha communal guarantee (loi 2023-630:
// kept for a commune whose PLU, PLUi or carte communale was prescribed, decided or approved
// before 22 August 2026). A CSV, one row per commune:
//   insee      INSEE commune code
//   statut     prescrit | arrêté | approuvé | aucun (also prescribed | decided | approved | none)
//   date       the date of that step (YYYY-MM-DD); empty when unknown, and for `aucun`
//   document   optional: PLU, PLUi, carte communale…
// Upserted on the commune into commune_planning_documents: created / updated / unchanged; source
// = the file name. A code we do not hold is reported unmatched and written all the same (it
// applies once the commune is imported). A commune with no row keeps the rule set's default.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { inseeCommunePattern } from '../territories/codes.js';
import { planningStatuses, type PlanningStatus } from '../zan/rule-sets.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { csvHeader, csvRecords } from './sources.js';

/** The statuses as a territory team writes them (French, accents optional) or as stored. */
const statusWords: Record<string, PlanningStatus> = {
  prescrit: 'prescribed',
  arrete: 'decided',
  approuve: 'approved',
  aucun: 'none',
  ...Object.fromEntries(planningStatuses.map((s) => [s, s])),
};

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const plain = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '');

interface Row {
  insee: string;
  status: PlanningStatus;
  statusOn: string | null;
  document: string | null;
  source: string;
}

export async function importPlanningDocuments(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  // CSV data row n is file line n + 1 (the header is line 1).
  const report = new ImportReportBuilder('planning-documents', path, options, 1);
  const header = await csvHeader(path);
  for (const column of ['insee', 'statut']) if (!header.includes(column)) report.reject(0, column, 'missing column');
  if (report.fileRejected) return report.finish({ accepted: 0, written: false });

  const rows: (Row & { row: number })[] = [];
  const seen = new Map<string, number>();
  for await (const { row, record } of csvRecords(path)) {
    report.read();
    const insee = (record.insee ?? '').trim();
    if (!inseeCommunePattern.test(insee)) report.reject(row, 'insee', 'not an INSEE commune code', insee);
    else if (seen.has(insee)) report.reject(row, 'insee', `duplicate commune (first on row ${seen.get(insee)})`, insee);
    else seen.set(insee, row);
    const status = statusWords[plain(record.statut ?? '')];
    if (!status) report.reject(row, 'statut', 'not one of prescrit, arrêté, approuvé, aucun', record.statut);
    const date = (record.date ?? '').trim();
    if (date !== '' && (!datePattern.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))))
      report.reject(row, 'date', 'not a date (YYYY-MM-DD)', date);
    else if (date !== '' && status === 'none')
      report.reject(row, 'date', 'a commune without a planning document has no date for it', date);
    if (report.isRejected(row)) continue;
    const document = (record.document ?? '').trim();
    rows.push({
      row,
      insee,
      status: status!,
      statusOn: date || null,
      document: document || null,
      source: basename(path),
    });
  }

  let counts = { inserted: 0, updated: 0, unchanged: 0 };
  const { written } = await inImportTransaction(db, report, async (trx) => {
    if (rows.length === 0) return;
    const held = new Set(
      (
        await trx
          .selectFrom('communes')
          .where(
            'insee',
            'in',
            rows.map((r) => r.insee),
          )
          .select('insee')
          .execute()
      ).map((c) => c.insee),
    );
    for (const r of rows)
      if (!held.has(r.insee))
        report.unmatched(
          r.row,
          'insee',
          r.insee,
          'no such commune held (merged since, or not imported?); written, it applies once the commune is',
        );
    const values = rows.map(({ row: _row, ...r }) => r);
    // Only rows that differ are updated and returned; xmax = 0 marks a fresh insert.
    const { rows: changed } = await sql<{ inserted: boolean }>`
      INSERT INTO commune_planning_documents (insee, status, status_on, document, source)
      SELECT insee, status, "statusOn"::date, document, source
      FROM json_to_recordset(${JSON.stringify(values)}::json)
        AS x(insee text, status text, "statusOn" text, document text, source text)
      ON CONFLICT (insee) DO UPDATE SET
        status = EXCLUDED.status, status_on = EXCLUDED.status_on, document = EXCLUDED.document,
        source = EXCLUDED.source, updated_at = now()
      WHERE (commune_planning_documents.status, commune_planning_documents.status_on,
             commune_planning_documents.document, commune_planning_documents.source)
        IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.status_on, EXCLUDED.document, EXCLUDED.source)
      RETURNING (xmax = 0) AS inserted`.execute(trx);
    const inserted = changed.filter((r) => r.inserted).length;
    counts = { inserted, updated: changed.length - inserted, unchanged: rows.length - changed.length };
  });
  return report.finish({ accepted: rows.length, ...counts, written });
}
