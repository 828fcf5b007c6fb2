// CNIG "Sites économiques" imports: site-eco (sites) and terrain-eco (plots), from the
// standard's ';'-separated CSV (geometry as GeoJSON text, often Lambert-93) or from
// GeoPackage-shaped GeoJSON (CNIG fields as properties, the surface as the geometry; also
// GeoJSON Lines). Each row is validated here against the standard's TableSchema; then, one
// statement per batch (cnig-upsert.ts), against what we hold (the EPCI, commune or site it
// names) and its geometry by PostGIS, the valid rows upserted on the CNIG id. A plot without
// geometry but with terr_refcad takes the union of its cadastral parcels (imported with
// `foncier import cadastre`).
import { extname } from 'node:path';
import type { Geometry } from 'geojson';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { cnigExtensions, type CnigClass } from '../cnig/fields.js';
import { readCnigRow, type CnigRow } from '../cnig/read.js';
import { cnigSchemas, unknownColumns } from '../cnig/table-schema.js';
import { parcelsUnion } from './admin-upsert.js';
import { CnigBatch, writeCnigBatch, type BatchResult, type BatchRow } from './cnig-upsert.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { prepareBulkLoad } from './bulk-load.js';
import { plotChecksByCnigId } from '../quality/checks.js';
import { csvHeader, csvRecords, geoJsonFeatures, type NumberedRecord } from './sources.js';

// Big batches amortise each statement; two in memory at most (one being written, one read).
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

interface PreparedBatch {
  /** Rows with a surface, their statement payload built. */
  batch: CnigBatch;
  /** Rows given by their parcels: their surface needs the database. */
  fromParcels: Candidate[];
}

/** Node-side work on a batch, done while the database writes the previous one. */
function prepareBatch(kind: CnigClass, report: ImportReportBuilder, candidates: Candidate[]): PreparedBatch {
  // Later rows with the same id in one batch would hit the same row twice in one statement.
  const seen = new Map<string, number>();
  const prepared: PreparedBatch = { batch: new CnigBatch(kind, report.options.scope), fromParcels: [] };
  for (const c of candidates) {
    const first = seen.get(c.cnigId);
    if (first !== undefined)
      report.reject(
        c.row,
        kind === 'site-eco' ? 'site_id' : 'terr_id',
        `duplicate id (first on row ${first})`,
        c.cnigId,
      );
    else {
      seen.set(c.cnigId, c.row);
      if (c.geometry.geojson === '') prepared.fromParcels.push(c);
      else prepared.batch.add(c);
    }
  }
  return prepared;
}

async function writeBatch(
  trx: Transaction<Database>,
  report: ImportReportBuilder,
  { batch, fromParcels }: PreparedBatch,
): Promise<BatchResult> {
  // Rare: a plot given by its parcels instead of a surface.
  for (const c of fromParcels) {
    const union = await parcelsUnion(trx, c.refs);
    if (union.missing.length > 0)
      report.reject(
        c.row,
        'terr_refcad',
        `no geometry and unknown parcels: ${union.missing.join(', ')}`,
        c.refs.join('|'),
      );
    else batch.add({ ...c, geometry: { geojson: union.geojson!, srid: 4326 } });
  }
  const result = await writeCnigBatch(trx, batch);
  for (const r of result.rejected) report.reject(r.row, r.column, r.reason, r.value ?? undefined);
  if (batch.kind === 'terrain-eco') await warnOfChecks(trx, report, batch, result);
  return result;
}

/**
 * The quality checks of the plots a batch wrote, read back in the import's transaction (a dry
 * run's too, before it rolls back), as warnings on their rows.
 */
async function warnOfChecks(
  trx: Transaction<Database>,
  report: ImportReportBuilder,
  batch: CnigBatch,
  result: BatchResult,
): Promise<void> {
  const rejected = new Set(result.rejected.map((r) => r.row));
  const rowOf = new Map(batch.rows.filter((r) => !rejected.has(r.row)).map((r) => [String(r.values.cnigId), r.row]));
  const checks = await plotChecksByCnigId(trx, [...rowOf.keys()]);
  for (const [cnigId, found] of checks)
    for (const check of found) {
      const column = check.check === 'declared_area' ? 'terr_surf_brute' : 'terr_refcad';
      const value = check.check === 'declared_area' ? check.declaredHa : check.parcels.join('|');
      report.warn(rowOf.get(cnigId)!, column, check.reason, value, check.check);
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
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const finishBulkLoad = options.dryRun
      ? undefined
      : await prepareBulkLoad(trx, kind === 'site-eco' ? 'sites' : 'plots', path, options.indexes);
    // The database writes batch N while this process reads, validates and prepares the
    // statement of batch N+1: one statement in flight at most, so memory stays flat and a slow
    // database slows the reader.
    let inFlight: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = async (candidates: Candidate[]) => {
      const prepared = prepareBatch(kind, report, candidates);
      await inFlight;
      if (failure) throw failure;
      inFlight = writeBatch(trx, report, prepared).then(
        (counts) => {
          totals.accepted += counts.accepted;
          totals.created += counts.created;
          totals.updated += counts.updated;
          totals.unchanged += counts.unchanged;
        },
        (error: unknown) => {
          failure = error;
        },
      );
    };
    let batch: Candidate[] = [];
    try {
      for await (const { row, record, geometry } of cnigRecords(kind, path)) {
        report.read();
        const cnig = readCnigRow(kind, record, {
          ...(options.srid ? { srid: options.srid } : {}),
          ...(geometry ? { geometry } : {}),
        });
        const candidate = candidateOf(kind, row, cnig, report, record);
        if (candidate) batch.push(candidate);
        if (batch.length >= batchSize) {
          await flush(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await flush(batch);
    } finally {
      // A file that breaks mid-read leaves the transaction only once the batch being written
      // is done: the rollback must not overtake it on the connection.
      await inFlight;
    }
    if (failure) throw failure;
    // A load that will roll back (rejections, all-or-nothing) gets its indexes back from the rollback.
    if (finishBulkLoad && report.shouldWrite) {
      await finishBulkLoad();
      indexesRebuilt = true;
    }
  });
  return report.finish({
    accepted: totals.accepted,
    inserted: totals.created,
    updated: totals.updated,
    unchanged: totals.unchanged,
    written,
    indexesRebuilt,
  });
}
