// CNIG "Sites économiques" imports: site-eco (sites) and terrain-eco (plots), from the
// standard's ';'-separated CSV (geometry as GeoJSON text, often Lambert-93) or from
// GeoPackage-shaped GeoJSON (CNIG fields as properties, the surface as the geometry; also
// GeoJSON Lines). Each row is validated against the standard's TableSchema, then against what
// we hold (the EPCI, commune or site it names), then its geometry by PostGIS; valid rows are
// upserted on the CNIG id in batches. A plot without geometry but with terr_refcad takes the
// union of its cadastral parcels (imported with `foncier import cadastre`).
import { extname } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CnigClass } from '../cnig/fields.js';
import { readCnigRow, type CnigRow } from '../cnig/read.js';
import { cnigSchemas, unknownColumns } from '../cnig/table-schema.js';
import { parcelsUnion } from './admin-upsert.js';
import { upsertPlots, upsertSites, type PreparedRow, type UpsertCounts } from './cnig-upsert.js';
import { checkGeometryRows } from './geometry-rows.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { csvHeader, csvRecords, geoJsonFeatures, type NumberedRecord } from './sources.js';

const batchSize = 2_000;

/** CNIG rows as text records, from CSV or GeoJSON (geometry → the geomsurf field). */
async function* cnigRecords(kind: CnigClass, path: string): AsyncGenerator<NumberedRecord<Record<string, string>>> {
  const geometryField = kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf';
  if (/^\.(geo)?jsonl?$/i.test(extname(path))) {
    for await (const { row, record } of geoJsonFeatures(path)) {
      const text = Object.fromEntries(Object.entries(record.properties).map(([k, v]) => [k, v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'oui' : 'non') : String(v)]));
      if (record.geometry) text[geometryField] = JSON.stringify(record.geometry);
      yield { row, record: text };
    }
    return;
  }
  yield* csvRecords(path, ';');
}

interface Candidate extends PreparedRow {
  row: number;
  cnigId: string;
  siteCnigId?: string;
  refs: string[];
}

async function checkReferences(trx: Transaction<Database>, kind: CnigClass, report: ImportReportBuilder, batch: Candidate[]): Promise<(Candidate & { siteId?: string })[]> {
  if (kind === 'site-eco') {
    const sirens = [...new Set(batch.map((c) => String(c.values.epciSiren)))];
    const insees = [...new Set(batch.map((c) => String(c.values.communeInsee)))];
    const epci = new Set((await trx.selectFrom('epci').select('siren').where('siren', 'in', sirens.length ? sirens : ['']).execute()).map((e) => e.siren));
    const communes = new Set((await trx.selectFrom('communes').select('insee').where('insee', 'in', insees.length ? insees : ['']).execute()).map((c) => c.insee));
    return batch.filter((c) => {
      const siren = String(c.values.epciSiren);
      const insee = String(c.values.communeInsee);
      if (!epci.has(siren)) report.reject(c.row, 'site_epci_siren', 'no such EPCI (import the EPCI boundaries first)', siren);
      if (!communes.has(insee)) report.reject(c.row, 'site_comm_insee', 'no such commune (a commune merged since? import the communes first)', insee);
      return epci.has(siren) && communes.has(insee);
    });
  }
  const ids = [...new Set(batch.map((c) => c.siteCnigId!))];
  const sites = new Map((await trx.selectFrom('sites').select(['id', 'cnigId']).where('cnigId', 'in', ids.length ? ids : ['']).execute()).map((s) => [s.cnigId, s.id]));
  return batch.flatMap((c) => {
    const siteId = sites.get(c.siteCnigId!);
    if (!siteId) {
      report.reject(c.row, 'site_id', 'no such site (import site-eco first)', c.siteCnigId);
      return [];
    }
    return [{ ...c, siteId }];
  });
}

function candidateOf(kind: CnigClass, row: number, cnig: CnigRow, report: ImportReportBuilder, record: Record<string, string>): Candidate | undefined {
  const geometryField = kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf';
  const refs = (cnig.values.cadastralRefs as string[] | null | undefined) ?? [];
  // A plot may come with its parcels instead of a drawn surface.
  const problems = kind === 'terrain-eco' && refs.length > 0 ? cnig.problems.filter((p) => !(p.field === geometryField && p.reason.endsWith('missing'))) : cnig.problems;
  for (const p of problems) report.reject(row, p.field, p.reason, record[p.field]);
  if (problems.length > 0) return undefined;
  const cnigId = String(cnig.values.cnigId);
  return { row, cnigId, refs, values: cnig.values, geometry: cnig.geometry ?? { geojson: '', srid: 4326 }, ...(cnig.siteCnigId ? { siteCnigId: cnig.siteCnigId } : {}) };
}

async function writeBatch(trx: Transaction<Database>, kind: CnigClass, report: ImportReportBuilder, batch: Candidate[]): Promise<UpsertCounts & { accepted: number }> {
  // Later rows with the same id in one batch would hit the same row twice in one statement.
  const seen = new Map<string, number>();
  const unique = batch.filter((c) => {
    const first = seen.get(c.cnigId);
    if (first !== undefined) report.reject(c.row, kind === 'site-eco' ? 'site_id' : 'terr_id', `duplicate id (first on row ${first})`, c.cnigId);
    else seen.set(c.cnigId, c.row);
    return first === undefined;
  });
  const referenced = await checkReferences(trx, kind, report, unique);
  for (const c of referenced) {
    if (c.geometry.geojson !== '') continue;
    const union = await parcelsUnion(trx, c.refs);
    if (union.missing.length > 0) report.reject(c.row, 'terr_refcad', `no geometry and unknown parcels: ${union.missing.join(', ')}`, c.refs.join('|'));
    else c.geometry = { geojson: union.geojson!, srid: 4326 };
  }
  const withGeometry = referenced.filter((c) => c.geometry.geojson !== '');
  const checked = await checkGeometryRows(
    trx,
    report,
    withGeometry.map((c) => ({ ...c, geojson: c.geometry.geojson, srid: c.geometry.srid })),
    kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf',
    ['POLYGON', 'MULTIPOLYGON'],
  );
  const counts = kind === 'site-eco' ? await upsertSites(trx, checked) : await upsertPlots(trx, checked as (Candidate & { siteId: string })[]);
  return { ...counts, accepted: checked.length };
}

export async function importCnig(db: Kysely<Database>, kind: CnigClass, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const isCsv = !/^\.(geo)?jsonl?$/i.test(extname(path));
  const report = new ImportReportBuilder(kind, path, options, isCsv ? 1 : null);
  if (isCsv) {
    const header = await csvHeader(path, ';');
    const known = new Set(cnigSchemas[kind].fields.map((f) => f.name));
    const idField = kind === 'site-eco' ? 'site_id' : 'terr_id';
    if (!header.includes(idField)) report.reject(0, idField, `missing column: is this a ${kind} file, ';'-separated?`);
    const extra = unknownColumns(cnigSchemas[kind], header);
    if (extra.length > 0 && header.filter((h) => known.has(h)).length < header.length / 2) report.reject(0, null, `mostly unknown columns for ${kind}: ${extra.slice(0, 5).join(', ')}`);
    if (report.fileRejected) return report.finish({ accepted: 0, written: false });
  }
  const totals = { accepted: 0, created: 0, updated: 0, unchanged: 0 };
  const { written } = await inImportTransaction(db, report, async (trx) => {
    let batch: Candidate[] = [];
    const flush = async () => {
      const counts = await writeBatch(trx, kind, report, batch);
      totals.accepted += counts.accepted;
      totals.created += counts.created;
      totals.updated += counts.updated;
      totals.unchanged += counts.unchanged;
      batch = [];
    };
    for await (const { row, record } of cnigRecords(kind, path)) {
      report.read();
      const candidate = candidateOf(kind, row, readCnigRow(kind, record, options.srid ? { srid: options.srid } : {}), report, record);
      if (candidate) batch.push(candidate);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
  });
  return report.finish({
    accepted: totals.accepted,
    inserted: totals.created,
    updated: totals.updated,
    unchanged: totals.unchanged,
    written,
  });
}
