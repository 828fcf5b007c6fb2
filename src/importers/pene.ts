// Perimeters of projects of national or European scope (PENE, loi du 20 juillet 2023) from
// GeoJSON: `id`, `nom`/`name`, optional `legal_ref`/`arrete`. Upsert on id.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { checkGeometryRows, geometryExpression, type GeometryRow } from './geometry-rows.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { geoJsonFeatures } from './sources.js';

export async function importPene(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('pene', path, options);
  const vintage = options.vintage ?? `pene-${basename(path).replace(/\.[^.]+$/, '')}`;
  const candidates: (GeometryRow & { id: string; name: string; legalRef: string | null })[] = [];
  const seen = new Map<string, number>();
  for await (const { row, record } of geoJsonFeatures(path)) {
    report.read();
    const p = record.properties;
    const id = String(p.id ?? record.id ?? '').trim();
    const name = String(p.nom ?? p.name ?? '').trim();
    if (!id) report.reject(row, 'properties.id', 'missing identifier');
    else if (seen.has(id)) report.reject(row, 'properties.id', `duplicate id (first on feature ${seen.get(id)})`, id);
    else seen.set(id, row);
    if (!name) report.reject(row, 'properties.nom', 'missing name');
    if (!record.geometry) report.reject(row, 'geometry', 'missing geometry');
    if (report.isRejected(row)) continue;
    candidates.push({
      row,
      id,
      name,
      legalRef: (p.legal_ref ?? p.arrete ?? null) as string | null,
      geojson: JSON.stringify(record.geometry),
      srid: record.srid,
    });
  }
  const valid = candidates.length
    ? await checkGeometryRows(db, report, candidates, 'geometry', ['POLYGON', 'MULTIPOLYGON'])
    : [];
  if (!report.shouldWrite) return report.finish({ accepted: valid.length, written: false, vintages: [vintage] });
  const { rows } = await sql<{ inserted: boolean }>`
    INSERT INTO pene_perimeters (id, name, legal_ref, geom, vintage, source)
    SELECT x.id, x.name, x."legalRef", ST_Multi(ST_CollectionExtract(${geometryExpression}, 3)),
           ${vintage}, ${basename(path)}
    FROM json_to_recordset(${JSON.stringify(valid.map(({ row: _row, ...r }) => r))}::json)
      AS x(id text, name text, "legalRef" text, geojson text, wkt text, srid int)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, legal_ref = EXCLUDED.legal_ref, geom = EXCLUDED.geom,
      vintage = EXCLUDED.vintage, source = EXCLUDED.source
    RETURNING (xmax = 0) AS inserted`.execute(db);
  const inserted = rows.filter((r) => r.inserted).length;
  return report.finish({
    accepted: valid.length,
    inserted,
    updated: rows.length - inserted,
    written: true,
    vintages: [vintage],
  });
}
