// Land cover as an OCS GE `artif`-style layer (GeoJSON or GeoJSON Lines, CRS84 or Lambert-93):
// polygon + artificialised yes/no + cover (CS) and use (US) codes. A vintage replaces the rows
// of the same source and vintage, so re-importing a file changes nothing.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { checkGeometryRows, geometryExpression, type GeometryRow } from './geometry-rows.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { geoJsonFeatures } from './sources.js';

const truthy = new Set(['true', '1', 'oui', 'yes', 'artif', 'artificialise', 'artificialisé']);
const falsy = new Set(['false', '0', 'non', 'no', 'non artif', 'non artificialise', 'non artificialisé', 'naf']);

/** The artificialised flag under its usual names (`artificial`, `is_artificial`, OCS GE `artif`). */
function artificialFlag(properties: Record<string, unknown>): { column: string; value: unknown; flag: boolean | undefined } {
  for (const column of ['artificial', 'is_artificial', 'artif']) {
    if (!(column in properties)) continue;
    const value = properties[column];
    if (typeof value === 'boolean') return { column, value, flag: value };
    const text = String(value).trim().toLowerCase();
    return { column, value, flag: truthy.has(text) ? true : falsy.has(text) ? false : undefined };
  }
  return { column: 'artificial', value: undefined, flag: undefined };
}

const text = (properties: Record<string, unknown>, ...names: string[]) => {
  for (const name of names) if (properties[name] !== undefined && properties[name] !== null && properties[name] !== '') return String(properties[name]);
  return null;
};

export async function importLandCover(db: Kysely<Database>, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const report = new ImportReportBuilder('land-cover', path, options);
  const candidates: (GeometryRow & { artificial: boolean; coverCode: string | null; useCode: string | null; vintage: string })[] = [];
  for await (const { row, record } of geoJsonFeatures(path)) {
    report.read();
    const { column, value, flag } = artificialFlag(record.properties);
    if (flag === undefined) report.reject(row, `properties.${column}`, value === undefined ? 'missing artificialised flag' : 'not a yes/no value', value);
    const vintage = options.vintage ?? text(record.properties, 'vintage', 'millesime');
    if (!vintage) report.reject(row, 'properties.millesime', 'no vintage in the feature; give --vintage');
    if (!record.geometry) report.reject(row, 'geometry', 'missing geometry');
    if (report.isRejected(row)) continue;
    candidates.push({
      row,
      geojson: JSON.stringify(record.geometry),
      srid: record.srid,
      artificial: flag!,
      coverCode: text(record.properties, 'code_cs', 'cover_code', 'couverture'),
      useCode: text(record.properties, 'code_us', 'use_code', 'usage'),
      vintage: vintage!,
    });
  }
  const valid = candidates.length ? await checkGeometryRows(db, report, candidates, 'geometry', ['POLYGON', 'MULTIPOLYGON']) : [];
  const vintages = [...new Set(valid.map((r) => r.vintage))].sort();
  if (!report.shouldWrite) return report.finish({ accepted: valid.length, written: false, vintages });
  const source = basename(path);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('landCover').where('source', '=', source).where('vintage', 'in', vintages.length ? vintages : ['-']).execute();
    for (let i = 0; i < valid.length; i += 2_000) {
      const batch = valid.slice(i, i + 2_000).map(({ row: _row, ...r }) => r);
      await sql`
        INSERT INTO land_cover (geom, artificial, cover_code, use_code, vintage, source)
        SELECT ST_Multi(ST_CollectionExtract(${geometryExpression}, 3)), x.artificial, x."coverCode", x."useCode", x.vintage, ${source}
        FROM json_to_recordset(${JSON.stringify(batch)}::json) AS x(geojson text, wkt text, srid int, artificial boolean, "coverCode" text, "useCode" text, vintage text)`.execute(trx);
    }
  });
  return report.finish({ accepted: valid.length, inserted: valid.length, written: true, vintages });
}
