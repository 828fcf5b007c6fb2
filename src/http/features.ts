// GeoJSON Features as the API writes them (RFC 7946), from a row that already holds its id,
// geometry and properties: as an object (OGC items, entities, boundaries), or as text inside a
// streamed FeatureCollection (downloads, search exports), where the geometry is the database's
// ST_AsGeoJSON text spliced in rather than parsed and serialised again.

export interface FeatureParts<Geometry = unknown, Properties extends object = object> {
  id: string;
  geometry: Geometry;
  properties: Properties;
}

/** A Feature object; `members` (bbox, links) come after the properties. Its type keeps the parts'
 *  types, so a route's response schema checks what the handler returns. */
export function feature<Geometry, Properties extends object, Members extends object = object>(
  parts: FeatureParts<Geometry, Properties>,
  members?: Members,
) {
  return { type: 'Feature' as const, id: parts.id, geometry: parts.geometry, properties: parts.properties, ...members };
}

/** A Feature as JSON text, `geometry` being GeoJSON text already; without `id`, none is written. */
export function featureText(parts: { id?: string; geometry: string; properties: object }): string {
  const id = parts.id === undefined ? '' : `"id":${JSON.stringify(parts.id)},`;
  return `{"type":"Feature",${id}"geometry":${parts.geometry},"properties":${JSON.stringify(parts.properties)}}`;
}

/** A FeatureCollection written as it is read: one chunk of Feature texts per page. `members`
 *  (a layer `name`, as GDAL reads it) come before the features. */
export async function* featureCollectionChunks(
  pages: AsyncIterable<string[]>,
  members: object = {},
): AsyncGenerator<string> {
  yield `${JSON.stringify({ type: 'FeatureCollection', ...members }).slice(0, -1)},"features":[`;
  let first = true;
  for await (const features of pages) {
    if (features.length === 0) continue;
    yield (first ? '' : ',') + features.join(',');
    first = false;
  }
  yield ']}';
}
