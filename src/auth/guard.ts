// Route guards: who may call a route, decided before anything the request carries is read.
// A guard goes in createRoute({ middleware: [...] }), which runs after `authenticate` and
// before the route's validators, so an anonymous caller gets 401 and a key of another role
// 403 whatever its query, If-Match or body, and nothing else is said. On a route about one
// site or plot, an editor's territory scope is checked here too, against the resource the
// path id names. A create names its territory only in its body (communeInsee, siteId): its
// scope is checked after the body is validated, in editing/writes.ts, and so is any field a
// role may not set (natural persons). The writes check scope again under their row lock.
// A signed-in form's CSRF token (its `_csrf` field) is read here too, after the role check.
import type { MiddlewareHandler } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { AppEnv } from '../app-env.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../http/errors.js';
import { uuidPattern } from '../http/params.js';
import { verifyFormCsrf } from '../web/session.js';
import { requireRole, requireTerritoryScope, type Role } from './viewer.js';

/** 401 for anonymous callers, 403 for other roles; runs before validation. */
export function allow(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    requireRole(c.var.viewer, ...roles);
    await verifyFormCsrf(c);
    await next();
  };
}

/** The territories of a live site, or of the site of a live plot; undefined when there is none. */
export async function territoriesOf(
  db: Kysely<Database>,
  entity: 'site' | 'plot',
  id: string,
): Promise<string[] | undefined> {
  const { rows } = await sql<{ territories: string[] }>`
    SELECT coalesce(
             (SELECT array_agg(te.territory_id ORDER BY te.territory_id)
              FROM territory_epci te
              WHERE te.epci_siren = s.epci_siren),
             '{}') AS territories
    FROM ${sql.table(entity === 'site' ? 'sites' : 'plots')} r
    JOIN sites s ON s.id = ${entity === 'site' ? sql`r.id` : sql`r.site_id`}
    WHERE r.id = ${id} AND r.deleted_at IS NULL`.execute(db);
  return rows[0]?.territories;
}

/**
 * `allow` for a route on the site or plot named by the path parameter `id`: an editor must
 * also hold one of its territories (403), and learns nothing of a missing one but 404. A
 * path id that is not a UUID is left to the route's validator (400), the role already checked.
 */
export function allowInScope(entity: 'site' | 'plot', ...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const viewer = c.var.viewer;
    requireRole(viewer, ...roles);
    const id = c.req.param('id');
    if (viewer.role === 'editor' && id && uuidPattern.test(id)) {
      const territories = await territoriesOf(c.var.db, entity, id.toLowerCase());
      if (!territories) throw new NotFoundError(entity, id.toLowerCase());
      requireTerritoryScope(viewer, territories);
    }
    await verifyFormCsrf(c);
    await next();
  };
}
