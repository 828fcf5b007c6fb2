// CNIG "Sites économiques" GeoJSON downloads (site-eco, terrain-eco), shaped like the
// standard's GeoPackage: one FeatureCollection, the surface as each Feature's geometry (CRS84,
// or the GeoPackage's own Lambert-93 with `crs=EPSG:2154`, named in the `crs` member GDAL reads),
// the other fields as properties under their CNIG names, typed as the TableSchema declares
// them (cnig/write.ts), the layer named as in the GeoPackage. The CNIG importer reads it back
// unchanged. Streamed page by page.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigFeatureText, cnigLayerName } from '../cnig/write.js';
import { featureCollectionChunks } from '../http/features.js';
import { crs84, legacyCrsMember, type CrsDefinition } from '../ogc/crs.js';
import { cnigPages } from './cnig-csv.js';

async function* featureTexts(
  db: Kysely<Database>,
  kind: CnigClass,
  territory: string | undefined,
  crs: CrsDefinition,
  extensions: boolean,
): AsyncGenerator<string[]> {
  for await (const rows of cnigPages(db, kind, 'geojson', territory, crs, extensions))
    yield rows.map((row) => cnigFeatureText(kind, row, extensions));
}

/** With `extensions`, Foncier's extension columns as more properties. */
export function cnigGeoJsonChunks(
  db: Kysely<Database>,
  kind: CnigClass,
  territory?: string,
  crs: CrsDefinition = crs84,
  extensions = false,
): AsyncGenerator<string> {
  // `name`: GDAL and QGIS then call the layer as the GeoPackage does (site_eco, terrain_eco).
  return featureCollectionChunks(featureTexts(db, kind, territory, crs, extensions), {
    name: cnigLayerName(kind),
    ...legacyCrsMember(crs),
  });
}
