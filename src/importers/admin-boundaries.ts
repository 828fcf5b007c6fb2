// Administrative boundaries: EPCI, communes, départements and régions from ADMIN EXPRESS (or
// the simplified france-geojson files), as GeoJSON or shapefile, in Lambert-93 or CRS84
// (declared `crs`, .prj, or detected by coordinate range; --srid overrides). Both the IGN
// attribute names (CODE_SIREN, INSEE_COM, NOM…) and the lower-case ones (code, nom) are read.
// Simplified boundaries are often slightly invalid: they are repaired (ST_MakeValid), not
// rejected.
import { extname } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { departmentPattern, inseeCommunePattern, regionPattern, sirenPattern } from '../territories/codes.js';
import {
  UpsertBatches,
  upsertCommunes,
  upsertDepartments,
  upsertEpci,
  upsertRegions,
  type EpciNature,
  type GeometryInput,
} from './admin-upsert.js';
import type { UpsertCounts } from './cnig-upsert.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { shapefileFeatures } from './shapefile.js';
import { geoJsonFeatures, type GeoFeature, type NumberedRecord } from './sources.js';

export type BoundaryKind = 'epci' | 'communes' | 'departments' | 'regions';

const batchSize = 500;

/** BANATIC / ADMIN EXPRESS nature juridique, long or short form. */
export function epciNature(text: string): EpciNature | undefined {
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
  const byName: Record<string, EpciNature> = {
    cc: 'CC',
    'communaute de communes': 'CC',
    ca: 'CA',
    "communaute d'agglomeration": 'CA',
    cu: 'CU',
    'communaute urbaine': 'CU',
    metro: 'METRO',
    met69: 'METRO',
    metropole: 'METRO',
    'metropole de lyon': 'METRO',
    ept: 'EPT',
    'etablissement public territorial': 'EPT',
  };
  return Object.hasOwn(byName, folded) ? byName[folded] : undefined;
}

const pick = (properties: Record<string, unknown>, ...names: string[]): string | undefined => {
  for (const name of names) {
    const value = properties[name];
    if (value !== undefined && value !== null && String(value).trim() !== '') return String(value).trim();
  }
  return undefined;
};

/** The département of a commune: 3 characters overseas (97x), else 2 (2A and 2B included). */
export const departmentOf = (insee: string) => (insee.startsWith('97') ? insee.slice(0, 3) : insee.slice(0, 2));

function features(path: string, srid?: number): AsyncGenerator<NumberedRecord<GeoFeature>> {
  const options = srid ? { srid } : {};
  return extname(path).toLowerCase() === '.shp' ? shapefileFeatures(path, options) : geoJsonFeatures(path, options);
}

type Row = Record<string, unknown> & GeometryInput;

function rowOf(kind: BoundaryKind, row: number, feature: GeoFeature, report: ImportReportBuilder): Row | undefined {
  const p = feature.properties;
  if (!feature.geometry || (feature.geometry.type !== 'Polygon' && feature.geometry.type !== 'MultiPolygon')) {
    report.reject(
      row,
      'geometry',
      `a ${feature.geometry?.type ?? 'missing geometry'} where a Polygon or MultiPolygon is expected`,
    );
    return undefined;
  }
  const geometry = { geom_json: JSON.stringify(feature.geometry), srid: feature.srid };
  const name = pick(p, 'NOM', 'nom', 'name', 'NOM_COM', 'LIBELLE', 'libelle');
  if (!name) {
    report.reject(row, 'nom', 'missing name');
    return undefined;
  }
  switch (kind) {
    case 'epci': {
      const siren = pick(p, 'CODE_SIREN', 'SIREN_EPCI', 'siren', 'code');
      const natureText = pick(p, 'NATURE', 'nature', 'nature_juridique') ?? '';
      const nature = epciNature(natureText);
      if (!siren || !sirenPattern.test(siren)) report.reject(row, 'CODE_SIREN', 'not a SIREN (9 digits)', siren);
      if (!nature)
        report.reject(row, 'NATURE', 'not a nature of EPCI à fiscalité propre (CC, CA, CU, METRO, EPT)', natureText);
      return report.isRejected(row) ? undefined : { siren, name, nature, ...geometry };
    }
    case 'communes': {
      const insee = pick(p, 'INSEE_COM', 'code', 'insee', 'CODE_INSEE');
      if (!insee || !inseeCommunePattern.test(insee)) {
        report.reject(row, 'code', 'not an INSEE commune code', insee);
        return undefined;
      }
      return { insee, name, department: departmentOf(insee), ...geometry };
    }
    case 'departments': {
      const code = pick(p, 'INSEE_DEP', 'code', 'DEP');
      if (!code || !departmentPattern.test(code)) {
        report.reject(row, 'code', 'not a département code', code);
        return undefined;
      }
      return { code, name, region_code: pick(p, 'INSEE_REG', 'region', 'REG') ?? null, ...geometry };
    }
    case 'regions': {
      const code = pick(p, 'INSEE_REG', 'code', 'REG');
      if (!code || !regionPattern.test(code)) {
        report.reject(row, 'code', 'not a région code', code);
        return undefined;
      }
      return { code, name, ...geometry };
    }
  }
}

const writers: Record<BoundaryKind, (db: Kysely<Database>, rows: Row[]) => Promise<UpsertCounts>> = {
  epci: (db, rows) => upsertEpci(db, rows as never),
  communes: (db, rows) => upsertCommunes(db, rows as never),
  departments: (db, rows) => upsertDepartments(db, rows as never),
  regions: (db, rows) => upsertRegions(db, rows as never),
};

export async function importBoundaries(
  db: Kysely<Database>,
  kind: BoundaryKind,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder(kind, path, options);
  const batches = new UpsertBatches(writers[kind], batchSize);
  const key = kind === 'epci' ? 'siren' : kind === 'communes' ? 'insee' : 'code';
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const seen = new Map<string, number>();
    for await (const { row, record } of features(path, options.srid)) {
      report.read();
      const value = rowOf(kind, row, record, report);
      if (!value) continue;
      const id = String(value[key]);
      if (seen.has(id)) {
        report.reject(row, key, `duplicate code (first on feature ${seen.get(id)})`, id);
        continue;
      }
      seen.set(id, row);
      await batches.push(trx, value);
    }
    await batches.flush(trx);
  });
  return report.finish({ ...batches.counts, written });
}
