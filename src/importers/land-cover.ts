// Land cover as OCS GE polygons (GeoJSON or GeoJSON Lines, CRS84 or Lambert-93). A row is
// classified either by its own artificialised flag (an OCS GE `artif` layer, whose producer
// applied the décret 2023-1096 rules) or, with no flag, by its cover (CS…) and use (US…)
// codes through the OCS GE cover × use matrix (src/zan/ocsge-matrix.ts), which also says
// whether it is consumed and NAF. Unknown codes and pairs the matrix does not classify are
// rejected rows, never defaulted. A vintage replaces the rows of the same source and vintage,
// so re-importing a file changes nothing.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { loadCoverUseMatrix, normaliseOcsgeCode } from '../zan/ocsge-matrix.js';
import { checkGeometryRows, geometryExpression, type GeometryRow } from './geometry-rows.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { geoJsonFeatures } from './sources.js';

const truthy = new Set(['true', '1', 'oui', 'yes', 'artif', 'artificialise', 'artificialisé']);
const falsy = new Set(['false', '0', 'non', 'no', 'non artif', 'non artificialise', 'non artificialisé', 'naf']);

/** The artificialised flag under its usual names (`artificial`, `is_artificial`, OCS GE `artif`). */
function artificialFlag(
  properties: Record<string, unknown>,
): { column: string; value: unknown; flag: boolean | undefined } | undefined {
  for (const column of ['artificial', 'is_artificial', 'artif']) {
    if (!(column in properties) || properties[column] === null) continue;
    const value = properties[column];
    if (typeof value === 'boolean') return { column, value, flag: value };
    const text = String(value).trim().toLowerCase();
    return { column, value, flag: truthy.has(text) ? true : falsy.has(text) ? false : undefined };
  }
  return undefined;
}

/** The first non-empty property of `names`, with the name it was found under. */
function field(properties: Record<string, unknown>, ...names: string[]): { column: string; value: string } | undefined {
  for (const name of names) {
    const value = properties[name];
    if (value !== undefined && value !== null && String(value).trim() !== '')
      return { column: name, value: String(value) };
  }
  return undefined;
}

// OCS GE deliveries name them CODE_CS / CODE_US (shapefile) or code_cs / code_us (GeoPackage).
const coverNames = ['code_cs', 'CODE_CS', 'cover_code', 'couverture'];
const useNames = ['code_us', 'CODE_US', 'use_code', 'usage'];

interface Candidate extends GeometryRow {
  artificial: boolean;
  consumed: boolean | null;
  naf: boolean | null;
  classifiedBy: string;
  coverCode: string | null;
  useCode: string | null;
  vintage: string;
}

export async function importLandCover(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('land-cover', path, options);
  const matrix = await loadCoverUseMatrix(db);
  const candidates: Candidate[] = [];
  for await (const { row, record } of geoJsonFeatures(path)) {
    report.read();
    const p = record.properties;
    const cover = field(p, ...coverNames);
    const use = field(p, ...useNames);
    const given = artificialFlag(p);
    let classes: Pick<Candidate, 'artificial' | 'consumed' | 'naf' | 'classifiedBy'> | undefined;
    if (given) {
      // The producer's decision wins: an `artif` layer applies thresholds a per-polygon matrix cannot.
      if (given.flag === undefined) report.reject(row, `properties.${given.column}`, 'not a yes/no value', given.value);
      else classes = { artificial: given.flag, consumed: null, naf: null, classifiedBy: 'flag' };
    } else if (!cover && !use) {
      report.reject(
        row,
        'properties.artificial',
        'missing artificialised flag, or OCS GE cover (code_cs) and use (code_us) codes',
      );
    } else if (!cover || !use) {
      const missing = cover ? 'properties.code_us' : 'properties.code_cs';
      report.reject(
        row,
        missing,
        `missing ${cover ? 'use (US…)' : 'cover (CS…)'} code: ` +
          'without an artificialised flag the cover × use matrix needs both',
      );
    } else {
      const c = matrix.classify(cover.value, use.value);
      if (c.ok) classes = { ...c.value, classifiedBy: matrix.classifiedBy };
      else if (c.code === 'cover') report.reject(row, `properties.${cover.column}`, c.reason, cover.value);
      else if (c.code === 'use') report.reject(row, `properties.${use.column}`, c.reason, use.value);
      else
        report.reject(
          row,
          `properties.${cover.column} × properties.${use.column}`,
          c.reason,
          `${cover.value} × ${use.value}`,
        );
    }
    const vintage = options.vintage ?? field(p, 'vintage', 'millesime', 'MILLESIME')?.value;
    if (!vintage) report.reject(row, 'properties.millesime', 'no vintage in the feature; give --vintage');
    if (!record.geometry) report.reject(row, 'geometry', 'missing geometry');
    if (report.isRejected(row) || !classes || !vintage) continue;
    // Codes beside a flag are kept as written; the ones the matrix read, as it read them.
    const code = (c: { value: string } | undefined) =>
      c ? (classes.classifiedBy === 'flag' ? c.value : normaliseOcsgeCode(c.value)) : null;
    candidates.push({
      row,
      geojson: JSON.stringify(record.geometry),
      srid: record.srid,
      ...classes,
      coverCode: code(cover),
      useCode: code(use),
      vintage,
    });
  }
  const valid = candidates.length
    ? await checkGeometryRows(db, report, candidates, 'geometry', ['POLYGON', 'MULTIPOLYGON'])
    : [];
  const vintages = [...new Set(valid.map((r) => r.vintage))].sort();
  if (!report.shouldWrite) return report.finish({ accepted: valid.length, written: false, vintages });
  const source = basename(path);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('landCover')
      .where('source', '=', source)
      .where('vintage', 'in', vintages.length ? vintages : ['-'])
      .execute();
    for (let i = 0; i < valid.length; i += 2_000) {
      const batch = valid.slice(i, i + 2_000).map(({ row: _row, ...r }) => r);
      await sql`
        INSERT INTO land_cover (geom, artificial, consumed, naf, classified_by, cover_code, use_code, vintage, source)
        SELECT ST_Multi(ST_CollectionExtract(${geometryExpression}, 3)), x.artificial, x.consumed, x.naf,
               x."classifiedBy", x."coverCode", x."useCode", x.vintage, ${source}
        FROM json_to_recordset(${JSON.stringify(batch)}::json)
          AS x(geojson text, wkt text, srid int, artificial boolean, consumed boolean, naf boolean,
               "classifiedBy" text, "coverCode" text, "useCode" text, vintage text)`.execute(trx);
    }
  });
  return report.finish({ accepted: valid.length, inserted: valid.length, written: true, vintages });
}
