// Cerema "consommation d'espaces NAF" per commune (fichiers fonciers), in its official column
// layout: `idcom`, then per year `naf{YY}art{YY+1}` (total, m²) and `art{YY}{act,hab,mix,rou,
// fer,inc}{YY+1}` (by destination), for whatever years the vintage holds. Idempotent upsert on
// (commune, year); the last year of the file is provisional.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { inseeCommunePattern } from '../territories/codes.js';
import { csvHeader, csvRecords } from './sources.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';

const destinations = [
  ['act', 'activityM2'],
  ['hab', 'housingM2'],
  ['mix', 'mixedM2'],
  ['rou', 'roadM2'],
  ['fer', 'railM2'],
  ['inc', 'unknownM2'],
] as const;

const numberPattern = /^-?\d+(?:[.,]\d+)?$/;
const BATCH = 2_000;

interface YearColumns {
  year: number;
  naf: string;
  destinations: Record<(typeof destinations)[number][1], string>;
}

/** Years in the header, from naf{YY}art{YY+1}; 2-digit years are 20YY (the series starts in 2009). */
function yearColumns(header: string[]): YearColumns[] {
  return header
    .map((name) => /^naf(\d{2})art(\d{2})$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === (Number(m[1]) + 1) % 100)
    .map((m) => {
      const [yy, next] = [m[1]!, m[2]!];
      return {
        year: 2000 + Number(yy),
        naf: m[0],
        destinations: Object.fromEntries(
          destinations.map(([code, key]) => [key, `art${yy}${code}${next}`]),
        ) as YearColumns['destinations'],
      };
    })
    .sort((a, b) => a.year - b.year);
}

export async function importCeremaConsumption(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  // CSV data row n is file line n + 1 (the header is line 1).
  const report = new ImportReportBuilder('cerema-consumption', path, options, 1);
  const header = await csvHeader(path);
  const years = yearColumns(header);
  if (!header.includes('idcom')) report.reject(0, 'idcom', 'missing column (the commune INSEE code)');
  if (years.length === 0) report.reject(0, 'naf{YY}art{YY+1}', 'no yearly consumption column');
  for (const y of years)
    for (const column of Object.values(y.destinations))
      if (!header.includes(column)) report.reject(0, column, 'missing column');
  if (report.fileRejected) return report.finish({ accepted: 0, written: false });

  const lastYear = years[years.length - 1]!.year;
  // Cerema publishes a vintage the year after its last flow year (data to 1 Jan 2024 = 2024).
  const vintage = options.vintage ?? `cerema-${lastYear + 1}`;
  const rows: Record<string, unknown>[] = [];
  const seen = new Map<string, number>();
  for await (const { row, record } of csvRecords(path)) {
    report.read();
    const insee = (record.idcom ?? '').trim();
    if (!inseeCommunePattern.test(insee)) report.reject(row, 'idcom', 'not an INSEE commune code', insee);
    else if (seen.has(insee)) report.reject(row, 'idcom', `duplicate commune (first on row ${seen.get(insee)})`, insee);
    else seen.set(insee, row);
    const parsed: Record<string, unknown>[] = [];
    for (const y of years) {
      const values: Record<string, number> = {};
      for (const [key, column] of [['nafM2', y.naf], ...Object.entries(y.destinations)] as [string, string][]) {
        const raw = (record[column] ?? '').trim();
        if (!numberPattern.test(raw)) report.reject(row, column, raw === '' ? 'empty value' : 'not a number', raw);
        else if (Number(raw.replace(',', '.')) < 0) report.reject(row, column, 'negative area', raw);
        else values[key] = Number(raw.replace(',', '.'));
      }
      parsed.push({
        insee,
        year: y.year,
        ...values,
        vintage,
        provisional: y.year === lastYear,
        source: basename(path),
      });
    }
    if (!report.isRejected(row)) rows.push(...parsed);
  }

  const accepted = rows.length / years.length;
  if (!report.shouldWrite) return report.finish({ accepted, written: false, vintages: [vintage] });
  let inserted = 0;
  let updated = 0;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      // xmax = 0 on a freshly inserted tuple; an updated one carries the updating transaction.
      const { rows: result } = await sql<{ inserted: boolean }>`
        INSERT INTO commune_consumption (insee, year, naf_m2, activity_m2, housing_m2, mixed_m2, road_m2, rail_m2,
                                         unknown_m2, vintage, provisional, source)
        SELECT insee, year, "nafM2", "activityM2", "housingM2", "mixedM2", "roadM2", "railM2",
               "unknownM2", vintage, provisional, source
        FROM json_to_recordset(${JSON.stringify(batch)}::json)
          AS x(insee text, year int, "nafM2" float8, "activityM2" float8, "housingM2" float8, "mixedM2" float8,
               "roadM2" float8, "railM2" float8, "unknownM2" float8, vintage text, provisional boolean, source text)
        ON CONFLICT (insee, year) DO UPDATE SET
          naf_m2 = EXCLUDED.naf_m2, activity_m2 = EXCLUDED.activity_m2, housing_m2 = EXCLUDED.housing_m2,
          mixed_m2 = EXCLUDED.mixed_m2, road_m2 = EXCLUDED.road_m2, rail_m2 = EXCLUDED.rail_m2,
          unknown_m2 = EXCLUDED.unknown_m2,
          vintage = EXCLUDED.vintage, provisional = EXCLUDED.provisional, source = EXCLUDED.source
        RETURNING (xmax = 0) AS inserted`.execute(trx);
      for (const r of result) r.inserted ? inserted++ : updated++;
    }
  });
  return report.finish({ accepted, inserted, updated, written: true, vintages: [vintage] });
}
