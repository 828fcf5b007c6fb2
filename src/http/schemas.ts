// OpenAPI components shared by the resources: GeoJSON geometry, problem documents.
import { z } from '@hono/zod-openapi';

export const geometrySchema = z.object({ type: z.string(), coordinates: z.array(z.any()) }).openapi('Geometry', {
  description: 'RFC 7946 GeoJSON geometry (CRS84, 6 decimals, counter-clockwise exterior rings)',
});

export const bboxSchema = z
  .array(z.number())
  .length(4)
  .openapi('BBox', { description: '[minLon, minLat, maxLon, maxLat], CRS84' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    invalidParams: z.array(z.object({ in: z.string(), name: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/** An OpenAPI response entry for a problem document. */
export const problemEntry = (description: string) => ({ description, content: problemContent });

export const problemResponses = {
  400: { description: 'Invalid parameter (named in invalidParams)', content: problemContent },
  404: { description: 'No such resource', content: problemContent },
  503: {
    description:
      'The database is unreachable or too slow (database_unavailable, database_timeout); ' +
      'retry after Retry-After seconds',
    headers: { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } },
    content: problemContent,
  },
} as const;

export function featureSchema<Properties extends z.ZodTypeAny>(name: string, properties: Properties) {
  return z
    .object({
      type: z.literal('Feature'),
      id: z.string(),
      geometry: geometrySchema,
      properties,
      bbox: bboxSchema.optional(),
    })
    .openapi(name);
}
