// Rendering one catalogue entity: JSON by default, a GeoJSON Feature on `f=geojson` or
// `Accept: application/geo+json`, with an ETag from its version so caches and
// If-Match writers can tell versions apart.
import type { Context } from 'hono';
import { feature } from './features.js';
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

/** A tag without its weak marker: `W/"x"` compares as `"x"` (RFC 9110 §8.8.3.2, weak comparison). */
export function strongTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** If-None-Match: a list of tags, weak or strong, or `*` (RFC 9110 §13.1.2, weak comparison). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => tag.trim() === '*' || strongTag(tag) === strongTag(etag));
}

export function renderEntity<T extends VersionedEntity>(
  c: Context,
  kind: string,
  entity: T,
  f: string | undefined,
): Response {
  const etag = entityTag(kind, entity.id, entity.version);
  // What a key holder sees may differ (personal data for admins): shared caches must not
  // hand one caller's representation to another.
  const authenticated = c.req.header('authorization') !== undefined;
  const headers = {
    etag,
    'cache-control': authenticated ? 'private, no-cache' : 'no-cache',
    vary: 'accept, authorization',
  };
  if (noneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  if (wantsGeoJson(c, f)) {
    const { geometry, ...properties } = entity;
    return geoJson(c, feature({ id: entity.id, geometry, properties }), 200, headers);
  }
  return c.json(entity, 200, headers);
}
