// GET /audit: the append-only log, for admins and labellers. Natural persons' names in
// before/after snapshots are withheld from labellers as everywhere else: in both snapshots
// when the party is a natural person in either, so that an entry declaring it a legal
// person (or an older one from before editors were refused that) does not show the name.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { allow } from '../auth/guard.js';
import { canSeePersonalData, type Viewer } from '../auth/viewer.js';
import { problemSchema } from '../http/schemas.js';
import { changedFields, listAudit } from './repository.js';

type Snapshot = Record<string, unknown> | null;

const parties = [
  { flag: 'ownerIsNaturalPerson', name: 'ownerName' },
  { flag: 'buyerIsNaturalPerson', name: 'buyerName' },
] as const;

function redact(before: Snapshot, after: Snapshot, viewer: Viewer): [Snapshot, Snapshot] {
  if (canSeePersonalData(viewer)) return [before, after];
  const out: [Snapshot, Snapshot] = [before && { ...before }, after && { ...after }];
  for (const { flag, name } of parties) {
    if (!before?.[flag] && !after?.[flag]) continue;
    for (const row of out) if (row?.[name]) row[name] = null;
  }
  return out;
}

const querySchema = z
  .object({
    entity: z.enum(['site', 'plot']).optional(),
    entity_id: z.uuid().optional(),
    after: z.coerce.number().int().min(0).optional().openapi({ description: 'return entries after this id (paging)' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function auditRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['audit'],
      summary: 'The audit log: who changed what, when, before and after (admins, labellers)',
      security: [{ bearerAuth: [] }],
      // The role before the query is validated: a caller without it learns nothing else.
      middleware: allow('admin', 'labeller'),
      request: { query: querySchema },
      responses: {
        200: {
          description: 'Entries, oldest first',
          content: {
            'application/json': { schema: z.object({ items: z.array(z.any()), next: z.string().nullable() }) },
          },
        },
        401: { description: 'No key', content: { 'application/problem+json': { schema: problemSchema } } },
        403: {
          description: 'Not admin or labeller',
          content: { 'application/problem+json': { schema: problemSchema } },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listAudit(c.var.db, {
        entity: q.entity,
        entityId: q.entity_id,
        afterId: q.after,
        limit: q.limit,
      });
      const items = rows.map((r) => {
        const [before, after] = redact(r.before as Snapshot, r.after as Snapshot, c.var.viewer);
        return {
          id: r.id,
          at: r.at.toISOString(),
          actor: { keyId: r.actorKeyId, name: r.actorName, role: r.actorRole },
          action: r.action,
          entity: r.entity,
          entityId: r.entityId,
          changedFields: changedFields(before, after),
          before,
          after,
          reason: r.reason,
        };
      });
      const last = items.at(-1);
      const params = new URLSearchParams({
        ...(q.entity ? { entity: q.entity } : {}),
        ...(q.entity_id ? { entity_id: q.entity_id } : {}),
        limit: String(q.limit),
      });
      return c.json(
        { items, next: items.length === q.limit && last ? `/audit?${params}&after=${last.id}` : null },
        200,
      );
    },
  );
  return app;
}
