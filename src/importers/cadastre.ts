// Etalab cadastre `cadastre-XX-parcelles.json` (FeatureCollection, CRS84): one parcel per
// feature with `id` (14 characters: commune + prefix + section + number), `commune`,
// `prefixe`, `section`, `numero`, `contenance` (m²), `created`, `updated`. Upserted on the id,
// so that plots can name their parcels (terr_refcad) and have their geometry derived.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { UpsertBatches, upsertParcels } from './admin-upsert.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { geoJsonFeatures } from './sources.js';

export const parcelIdPattern = /^[0-9]{2}[0-9AB][0-9]{2}[0-9]{3}[0-9A-Z]{2}[0-9]{4}$/;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const batchSize = 2_000;

export async function importCadastre(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('cadastre', path, options);
  const batches = new UpsertBatches(upsertParcels, batchSize);
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const seen = new Set<string>();
    for await (const { row, record } of geoJsonFeatures(path, options.srid ? { srid: options.srid } : {})) {
      report.read();
      const p = record.properties;
      const id = String(p.id ?? record.id ?? '');
      if (!parcelIdPattern.test(id)) report.reject(row, 'id', 'not a 14-character parcel id', id);
      else if (seen.has(id)) report.reject(row, 'id', 'duplicate parcel id', id);
      if (!record.geometry || !['Polygon', 'MultiPolygon'].includes(record.geometry.type))
        report.reject(row, 'geometry', 'a parcel needs a Polygon or MultiPolygon');
      if (report.isRejected(row)) continue;
      seen.add(id);
      const area = Number(p.contenance);
      const date = (value: unknown) => (typeof value === 'string' && isoDate.test(value) ? value : null);
      await batches.push(trx, {
        id,
        commune_insee: String(p.commune ?? id.slice(0, 5)),
        // Etalab writes numero without its leading zeros ('37'); the id has them ('0037').
        prefix: String(p.prefixe ?? id.slice(5, 8)).padStart(3, '0'),
        section: String(p.section ?? id.slice(8, 10)).padStart(2, '0'),
        number: String(p.numero ?? id.slice(10)).padStart(4, '0'),
        registered_area_m2: Number.isFinite(area) && p.contenance !== null ? Math.round(area) : null,
        created_on: date(p.created),
        updated_on: date(p.updated),
        geom_json: JSON.stringify(record.geometry),
        srid: record.srid,
      });
    }
    await batches.flush(trx);
  });
  return report.finish({ ...batches.counts, written });
}
