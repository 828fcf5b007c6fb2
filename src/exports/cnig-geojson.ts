// CNIG "Sites économiques" GeoJSON downloads (site-eco, terrain-eco), shaped like the
// standard's GeoPackage: one FeatureCollection, the surface as each Feature's geometry (CRS84),
// the other fields as properties under their CNIG names, typed as the TableSchema declares
// them (cnig/write.ts), the layer named as in the GeoPackage. The CNIG importer reads it back
// unchanged. Streamed page by page.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigFeatureText, cnigLayerName } from '../cnig/write.js';
import { featureCollectionChunks } from '../http/features.js';
import { cnigPages } from './cnig-csv.js';

async function* featureTexts(db: Kysely<Database>, kind: CnigClass, territory?: string): AsyncGenerator<string[]> {
  for await (const rows of cnigPages(db, kind, 'geojson', territory)) yield rows.map((row) => cnigFeatureText(kind, row));
}

export function cnigGeoJsonChunks(db: Kysely<Database>, kind: CnigClass, territory?: string): AsyncGenerator<string> {
  // `name`: GDAL and QGIS then call the layer as the GeoPackage does (site_eco, terrain_eco).
  return featureCollectionChunks(featureTexts(db, kind, territory), { name: cnigLayerName(kind) });
}
