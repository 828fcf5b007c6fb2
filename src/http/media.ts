// Media types by name, and the one negotiation rule: `f=` wins over `Accept`.
import type { Context } from 'hono';

export const mediaTypes = {
  json: 'application/json',
  geojson: 'application/geo+json',
  problem: 'application/problem+json',
  mvt: 'application/vnd.mapbox-vector-tile',
  csv: 'text/csv',
  flatgeobuf: 'application/flatgeobuf',
  html: 'text/html',
  openapi: 'application/vnd.oai.openapi+json;version=3.1',
} as const;

export function wantsGeoJson(c: Context, f: string | undefined): boolean {
  if (f) return f === 'geojson';
  const accept = c.req.header('accept') ?? '';
  return accept.includes(mediaTypes.geojson);
}

/** The HTML encoding: f=html, or no f and an Accept that names text/html before any JSON (a browser). */
export function wantsHtml(c: Context, f: string | undefined): boolean {
  if (f) return f === 'html';
  const accept = c.req.header('accept') ?? '';
  const html = accept.indexOf(mediaTypes.html);
  const json = accept.search(/application\/(geo\+)?json/);
  return html !== -1 && (json === -1 || html < json);
}

/** GeoJSON is JSON under its own media type: c.json's typed response, so routes keep their response types. */
export function geoJson<T extends object>(
  c: Context,
  body: T,
  status: 200 = 200,
  headers: Record<string, string> = {},
) {
  return c.json(body, status, { 'content-type': mediaTypes.geojson, vary: 'accept', ...headers });
}
