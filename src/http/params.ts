// Query and path schemas shared by every resource: ids, formats, bbox, limit.
// Query objects are strict: an unknown parameter is a 400 that names it.
import { z } from '@hono/zod-openapi';
import { territoryIdPattern } from '../territories/codes.js';

// No /i flag: JSON Schema patterns carry no flags, and the document shows this source verbatim.
export const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const uuidParam = (resource: string) =>
  z
    .string()
    .regex(uuidPattern, { message: `not a ${resource} id (expected a UUID)` })
    .transform((id) => id.toLowerCase())
    .openapi({
      param: { name: 'id', in: 'path' },
      example: '3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15',
      description: `${resource} id (UUID)`,
    });

/** A territory id in a query; `territoryIdParam` is the path parameter. */
export const territoryId = z
  .string()
  .regex(territoryIdPattern, { message: 'not a territory id (expected e.g. ti-8401)' });

export const territoryIdParam = territoryId.openapi({
  param: { name: 'id', in: 'path' },
  example: 'ti-8401',
  description: "Territoire d'industrie id as ANCT writes it",
});

/** `f=` overrides the Accept header. */
export const featureFormat = z
  .enum(['json', 'geojson'])
  .optional()
  .openapi({
    param: { name: 'f', in: 'query' },
    description: 'Response format; overrides Accept (json, or geojson for a GeoJSON Feature)',
  });

export const emptyQuery = z.object({}).strict();
export const formatQuery = z.object({ f: featureFormat }).strict();

/** `bbox=minLon,minLat,maxLon,maxLat` in CRS84 degrees, parsed to four numbers. */
export const bboxQuery = z
  .string()
  .transform((text, ctx) => {
    const parts = text.split(',').map((part) => Number(part.trim()));
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)))
      return fail('expected four numbers minLon,minLat,maxLon,maxLat');
    const [minLon, minLat, maxLon, maxLat] = parts as [number, number, number, number];
    if ([minLon, maxLon].some((lon) => lon < -180 || lon > 180)) return fail('longitude out of -180..180');
    if ([minLat, maxLat].some((lat) => lat < -90 || lat > 90)) return fail('latitude out of -90..90');
    if (minLon > maxLon || minLat > maxLat) return fail('min greater than max');
    return [minLon, minLat, maxLon, maxLat] as [number, number, number, number];
  })
  .openapi({
    param: { name: 'bbox', in: 'query' },
    type: 'string',
    example: '4.3,44.3,5.1,45.2',
    description: 'minLon,minLat,maxLon,maxLat (CRS84)',
  });

/** Page size: 1..`max`; `fallback` when absent (undefined: absent stays absent). */
export const limitQuery = (fallback: number | undefined, max = 1000) => {
  const limit = z.coerce
    .number({ message: 'expected an integer' })
    .int({ message: 'expected an integer' })
    .min(1, { message: `must be between 1 and ${max}` })
    .max(max, { message: `must be between 1 and ${max}` });
  const described = (schema: z.ZodType) =>
    schema.openapi({
      param: { name: 'limit', in: 'query' },
      type: 'integer',
      description: `Page size, 1 to ${max}${fallback === undefined ? '' : ` (default ${fallback})`}`,
    });
  return fallback === undefined
    ? (described(limit.optional()) as z.ZodOptional<typeof limit>)
    : (described(limit.default(fallback)) as z.ZodDefault<typeof limit>);
};

/** An opaque keyset cursor (base64url), decoded and checked by the resource that issued it. */
export const cursorQuery = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,400}$/, { message: 'not a cursor issued by this API' })
  .optional()
  .openapi({ param: { name: 'cursor', in: 'query' }, description: 'Opaque cursor from a `next` link' });
