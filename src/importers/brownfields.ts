// Brownfields (friches) in the CNIG friches CSV layout (as Cartofriches publishes it):
// `site_id`, `site_nom`, `site_type`, `site_statut`, `comm_insee`, `unite_fonciere_surface`,
// `geompoint` / `geomsurf` as WKT, `source_nom`, `source_producteur`; 'NA' means empty.
// A friche with a polygon keeps it; a point-only friche becomes a disc of its declared land
// unit area, flagged approximate. Upsert on site_id.
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { CRS84, LAMBERT_93 } from '../cnig/read.js';
import { inseeCommunePattern } from '../territories/codes.js';
import { checkGeometryRows, geometryExpression, type GeometryRow } from './geometry-rows.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { csvHeader, csvRecords } from './sources.js';

const required = ['site_id', 'geompoint', 'geomsurf'];
const value = (raw: string | undefined) =>
  raw === undefined || raw.trim() === '' || raw.trim() === 'NA' ? null : raw.trim();
/** Lambert-93 eastings are hundreds of thousands of metres; CRS84 longitudes are under 180. */
const sridOf = (wkt: string) => (Math.abs(Number(/-?\d+(\.\d+)?/.exec(wkt)?.[0] ?? 0)) > 1000 ? LAMBERT_93 : CRS84);

export async function importBrownfields(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('brownfields', path, options, 1);
  const header = await csvHeader(path);
  for (const column of required) if (!header.includes(column)) report.reject(0, column, 'missing column');
  if (report.fileRejected) return report.finish({ accepted: 0, written: false });
  const vintage = options.vintage ?? `friches-${basename(path).replace(/\.[^.]+$/, '')}`;
  const candidates: (GeometryRow & Record<string, unknown>)[] = [];
  const seen = new Map<string, number>();
  for await (const { row, record } of csvRecords(path)) {
    report.read();
    const id = value(record.site_id);
    if (!id) report.reject(row, 'site_id', 'missing identifier');
    else if (seen.has(id)) report.reject(row, 'site_id', `duplicate site_id (first on row ${seen.get(id)})`, id);
    else seen.set(id, row);
    const surfaceRaw = value(record.unite_fonciere_surface);
    const surface = surfaceRaw === null ? null : Number(surfaceRaw.replace(',', '.'));
    if (surface !== null && !(surface > 0))
      report.reject(row, 'unite_fonciere_surface', 'not a positive number of m²', surfaceRaw);
    const polygon = value(record.geomsurf);
    const point = value(record.geompoint);
    const insee = value(record.comm_insee);
    if (insee !== null && !inseeCommunePattern.test(insee))
      report.reject(row, 'comm_insee', 'not an INSEE commune code', insee);
    if (!polygon && !point) report.reject(row, 'geomsurf', 'neither geomsurf nor geompoint');
    else if (!polygon && surface === null)
      report.reject(row, 'unite_fonciere_surface', 'a point-only friche needs its land unit area to be mapped');
    if (report.isRejected(row)) continue;
    const wkt = (polygon ?? point)!;
    candidates.push({
      row,
      wkt,
      srid: sridOf(wkt),
      id,
      name: value(record.site_nom),
      siteType: value(record.site_type),
      status: value(record.site_statut),
      communeInsee: insee,
      surfaceM2: surface,
      approximate: polygon === null,
      sourceName: value(record.source_nom),
      sourceProducer: value(record.source_producteur),
    });
  }
  const polygons = await checkGeometryRows(
    db,
    report,
    candidates.filter((c) => !c.approximate),
    'geomsurf',
    ['POLYGON', 'MULTIPOLYGON'],
  );
  const points = await checkGeometryRows(
    db,
    report,
    candidates.filter((c) => c.approximate),
    'geompoint',
    ['POINT'],
  );
  const valid = [...polygons, ...points].sort((a, b) => a.row - b.row);
  if (!report.shouldWrite) return report.finish({ accepted: valid.length, written: false, vintages: [vintage] });
  let inserted = 0;
  let updated = 0;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < valid.length; i += 2_000) {
      const batch = valid.slice(i, i + 2_000).map(({ row: _row, ...r }) => r);
      const { rows } = await sql<{ inserted: boolean }>`
        INSERT INTO brownfields (id, name, site_type, status, commune_insee, surface_m2, geom, geom_approximate,
                                 source_name, source_producer, vintage)
        SELECT x.id, x.name, x."siteType", x.status, x."communeInsee", x."surfaceM2",
               CASE WHEN x.approximate
                 -- a disc of the declared area around the point: r = sqrt(A / π), on the ellipsoid
                 THEN ST_Multi(ST_Buffer((${geometryExpression})::geography, sqrt(x."surfaceM2" / pi()))::geometry)
                 ELSE ST_Multi(ST_CollectionExtract(${geometryExpression}, 3)) END,
               x.approximate, x."sourceName", x."sourceProducer", ${vintage}
        FROM json_to_recordset(${JSON.stringify(batch)}::json)
          AS x(id text, name text, "siteType" text, status text, "communeInsee" text, "surfaceM2" float8,
               approximate boolean, "sourceName" text, "sourceProducer" text, geojson text, wkt text, srid int)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, site_type = EXCLUDED.site_type, status = EXCLUDED.status,
          commune_insee = EXCLUDED.commune_insee, surface_m2 = EXCLUDED.surface_m2, geom = EXCLUDED.geom,
          geom_approximate = EXCLUDED.geom_approximate, source_name = EXCLUDED.source_name,
          source_producer = EXCLUDED.source_producer, vintage = EXCLUDED.vintage
        RETURNING (xmax = 0) AS inserted`.execute(trx);
      for (const r of rows) r.inserted ? inserted++ : updated++;
    }
  });
  return report.finish({ accepted: valid.length, inserted, updated, written: true, vintages: [vintage] });
}
