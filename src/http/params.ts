// Query and path schemas shared by every resource: ids, formats, bbox, limit.
// Query objects are strict: an unknown parameter is a 400 that names it.
import { z } from '@hono/zod-openapi';

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuidParam = (resource: string) =>
  z
    .string()
    .regex(uuidPattern, { message: `not a ${resource} id (expected a UUID)` })
    .transform((id) => id.toLowerCase())
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15', description: `${resource} id (UUID)` });

export const territoryIdParam = z
  .string()
  .regex(/^ti-[a-z0-9-]{1,60}$/, { message: 'not a territory id (expected e.g. ti-8401)' })
  .openapi({ param: { name: 'id', in: 'path' }, example: 'ti-8401', description: "Territoire d'industrie id as ANCT writes it" });

/** `f=` overrides the Accept header. */
export const featureFormat = z
  .enum(['json', 'geojson'])
  .optional()
  .openapi({ param: { name: 'f', in: 'query' }, description: 'Response format; overrides Accept (json, or geojson for a GeoJSON Feature)' });

export const emptyQuery = z.object({}).strict();
export const formatQuery = z.object({ f: featureFormat }).strict();
