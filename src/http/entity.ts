// Rendering one catalogue entity: JSON by default, a GeoJSON Feature on `f=geojson` or
// `Accept: application/geo+json`, with an ETag from its version so caches and
// If-Match writers can tell versions apart.
import type { Context } from 'hono';
import { geoJson, wantsGeoJson } from './media.js';

export interface VersionedEntity {
  id: string;
  version: number;
  geometry: unknown;
  location?: { bbox?: unknown };
}

export function entityTag(kind: string, id: string, version: number): string {
  return `"${kind}-${id}-v${version}"`;
}

export function renderEntity<T extends VersionedEntity>(c: Context, kind: string, entity: T, f: string | undefined): Response {
  const etag = entityTag(kind, entity.id, entity.version);
  const headers = { etag, 'cache-control': 'no-cache', vary: 'accept' };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  if (wantsGeoJson(c, f)) {
    const { geometry, ...properties } = entity;
    return geoJson(c, { type: 'Feature', id: entity.id, geometry, properties }, 200, headers);
  }
  return c.json(entity, 200, headers);
}
