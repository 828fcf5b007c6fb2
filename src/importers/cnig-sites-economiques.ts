// CNIG "Sites économiques" imports: site-eco (sites) and terrain-eco (plots), from the
// standard's ';'-separated CSV (geometry as GeoJSON text, often Lambert-93) or from
// GeoPackage-shaped GeoJSON (CNIG fields as properties, the surface as the geometry; also
// GeoJSON Lines). Each row is validated here against the standard's TableSchema and, a batch at
// a time, COPYed and its geometry checked by PostGIS into a staging table (cnig-upsert.ts) while
// the next batch is read; then, set-based over the whole file, a CNIG id repeated is rejected,
// each row is checked against what we hold (the EPCI, commune or site it names), and the valid
// rows are upserted on the CNIG id in one statement. A plot without geometry but with terr_refcad takes the union of its cadastral
// parcels (imported with `foncier import cadastre`).
import { extname } from 'node:path';
import type { Geometry } from 'geojson';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { cnigExtensions, type CnigClass } from '../cnig/fields.js';
import { readCnigRow, type CnigRow } from '../cnig/read.js';
import { cnigSchemas, unknownColumns } from '../cnig/table-schema.js';
import { parcelsUnion } from './admin-upsert.js';
import {
  analyzeStaging,
  copyStaged,
  createStaging,
  removeDuplicates,
  resolveStagedGeometry,
  StagedRows,
  stagedRowsQuery,
  stagedWithoutGeometry,
  writeStaged,
  type BatchRow,
} from './cnig-upsert.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { prepareBulkLoad } from './bulk-load.js';
import { checksOf, plotCheckQuery, type PlotCheckRow } from '../quality/checks.js';
import { csvHeader, csvRecords, geoJsonFeatures, type NumberedRecord } from './sources.js';

// Rows are COPYed 5,000 at a time; two batches in memory at most (one being copied, one read).
const batchSize = 5_000;

/** CNIG rows as text records, from CSV or GeoJSON (geometry → the geomsurf field). */
async function* cnigRecords(
  kind: CnigClass,
  path: string,
): AsyncGenerator<NumberedRecord<Record<string, string>> & { geometry?: Geometry }> {
  const geometryField = kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf';
  if (/^\.(geo)?jsonl?$/i.test(extname(path))) {
    for await (const { row, record } of geoJsonFeatures(path)) {
      const text = Object.fromEntries(
        Object.entries(record.properties).map(([k, v]) => [
          k,
          v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'oui' : 'non') : String(v),
        ]),
      );
      if (!record.geometry) {
        yield { row, record: text };
        continue;
      }
      text[geometryField] = JSON.stringify(record.geometry);
      yield { row, record: text, geometry: record.geometry };
    }
    return;
  }
  yield* csvRecords(path, ';');
}

interface Candidate extends BatchRow {
  cnigId: string;
  refs: string[];
}

function candidateOf(
  kind: CnigClass,
  row: number,
  cnig: CnigRow,
  report: ImportReportBuilder,
  record: Record<string, string>,
): Candidate | undefined {
  const geometryField = kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf';
  const refs = (cnig.values.cadastralRefs as string[] | null | undefined) ?? [];
  // A plot may come with its parcels instead of a drawn surface.
  const problems =
    kind === 'terrain-eco' && refs.length > 0
      ? cnig.problems.filter((p) => !(p.field === geometryField && p.reason.endsWith('missing')))
      : cnig.problems;
  for (const p of problems) report.reject(row, p.field, p.reason, record[p.field]);
  if (problems.length > 0) return undefined;
  const cnigId = String(cnig.values.cnigId);
  return {
    row,
    cnigId,
    refs,
    values: cnig.values,
    geometry: cnig.geometry ?? { geojson: '', srid: 4326 },
    ...(cnig.siteCnigId ? { siteCnigId: cnig.siteCnigId } : {}),
  };
}

/**
 * Rows given by their parcels (rare): their surface is the union of the parcels, or they are
 * rejected naming the parcels we do not hold.
 */
async function resolveParcels(trx: Transaction<Database>, report: ImportReportBuilder): Promise<void> {
  for (const { row, refs } of await stagedWithoutGeometry(trx)) {
    const union = await parcelsUnion(trx, refs);
    if (union.missing.length > 0)
      report.reject(row, 'terr_refcad', `no geometry and unknown parcels: ${union.missing.join(', ')}`, refs.join('|'));
    await resolveStagedGeometry(trx, 'terrain-eco', row, union.missing.length > 0 ? null : union.geojson);
  }
}

/**
 * The quality checks of the plots written (or unchanged), read back in the import's
 * transaction (a dry run's too, before it rolls back), as warnings on their rows.
 */
async function warnOfChecks(trx: Transaction<Database>, report: ImportReportBuilder): Promise<void> {
  const { rows } = await sql<PlotCheckRow & { inputRow: number }>`
    SELECT w.*, st.input_row
    FROM (${plotCheckQuery(sql`p.cnig_id IN (SELECT cnig_id FROM (${stagedRowsQuery()}) AS st)`)}) AS w
    JOIN (${stagedRowsQuery()}) AS st ON st.cnig_id = w.cnig_id
    ORDER BY st.input_row`.execute(trx);
  for (const row of rows)
    for (const check of checksOf(row)) {
      const column = check.check === 'declared_area' ? 'terr_surf_brute' : 'terr_refcad';
      const value = check.check === 'declared_area' ? check.declaredHa : check.parcels.join('|');
      report.warn(row.inputRow, column, check.reason, value, check.check);
    }
}

export async function importCnig(
  db: Kysely<Database>,
  kind: CnigClass,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const isCsv = !/^\.(geo)?jsonl?$/i.test(extname(path));
  const report = new ImportReportBuilder(kind, path, options, isCsv ? 1 : null);
  if (isCsv) {
    const header = await csvHeader(path, ';');
    const known = new Set([...cnigSchemas[kind].fields, ...cnigExtensions(kind)].map((f) => f.name));
    const idField = kind === 'site-eco' ? 'site_id' : 'terr_id';
    if (!header.includes(idField)) report.reject(0, idField, `missing column: is this a ${kind} file, ';'-separated?`);
    const extra = unknownColumns(cnigSchemas[kind], header).filter((h) => !known.has(h));
    if (extra.length > 0 && header.filter((h) => known.has(h)).length < header.length / 2)
      report.reject(0, null, `mostly unknown columns for ${kind}: ${extra.slice(0, 5).join(', ')}`);
    if (report.fileRejected) return report.finish({ accepted: 0, written: false });
  }
  const totals = { accepted: 0, created: 0, updated: 0, unchanged: 0 };
  let indexesRebuilt = false;
  let phaseStarted = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    options.onPhase?.(name, now - phaseStarted);
    phaseStarted = now;
  };
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const finishBulkLoad = options.dryRun
      ? undefined
      : await prepareBulkLoad(trx, kind === 'site-eco' ? 'sites' : 'plots', path, options.indexes);
    await createStaging(trx, kind);
    phase('prepare');
    // The database copies and checks batch N while this process reads and validates batch N+1:
    // one batch in flight at most, so memory stays flat and a slow database slows the reader.
    let inFlight: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = async (rows: StagedRows) => {
      await inFlight;
      if (failure) throw failure;
      inFlight = copyStaged(trx, rows).catch((error: unknown) => {
        failure = error;
      });
    };
    let batch = new StagedRows(kind);
    try {
      for await (const { row, record, geometry } of cnigRecords(kind, path)) {
        report.read();
        const cnig = readCnigRow(kind, record, {
          ...(options.srid ? { srid: options.srid } : {}),
          ...(geometry ? { geometry } : {}),
        });
        const candidate = candidateOf(kind, row, cnig, report, record);
        if (candidate) batch.add(candidate);
        if (batch.size >= batchSize) {
          await flush(batch);
          batch = new StagedRows(kind);
        }
      }
      if (batch.size > 0) await flush(batch);
    } finally {
      // A file that breaks mid-read leaves the transaction only once the batch being copied
      // is done: the rollback must not overtake it on the connection.
      await inFlight;
    }
    if (failure) throw failure;
    phase('read, validate, COPY, geometry checks');
    await analyzeStaging(trx, kind);
    for (const r of await removeDuplicates(trx, kind)) report.reject(r.row, r.column, r.reason, r.value);
    if (kind === 'terrain-eco') await resolveParcels(trx, report);
    phase('analyze, duplicates, parcels');
    const result = await writeStaged(trx, kind, options.scope);
    phase('checks and upsert');
    for (const r of result.rejected) report.reject(r.row, r.column, r.reason, r.value ?? undefined);
    totals.accepted = result.accepted;
    totals.created = result.created;
    totals.updated = result.updated;
    totals.unchanged = result.unchanged;
    if (kind === 'terrain-eco') await warnOfChecks(trx, report);
    phase('quality warnings');
    // A load that will roll back (rejections, all-or-nothing) gets its indexes back from the rollback.
    if (finishBulkLoad && report.shouldWrite) {
      await finishBulkLoad();
      indexesRebuilt = true;
      phase('indexes, foreign keys, offers');
    }
  });
  phase('commit');
  return report.finish({
    accepted: totals.accepted,
    inserted: totals.created,
    updated: totals.updated,
    unchanged: totals.unchanged,
    written,
    indexesRebuilt,
  });
}
