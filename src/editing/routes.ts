// Write routes for sites and plots: POST (201 + Location + ETag), PATCH with If-Match
// (200 + new ETag; 428 without it, 412 when stale), DELETE with If-Match (soft, 204).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { allow, allowInScope } from '../auth/guard.js';
import { limitBody } from '../http/body-limit.js';
import { entityTag } from '../http/entity.js';
import { NotFoundError } from '../http/errors.js';
import { requireIfMatch } from '../http/preconditions.js';
import { uuidParam } from '../http/params.js';
import { problemEntry } from '../http/schemas.js';
import { findPlot } from '../plots/repository.js';
import { plotChecks } from '../quality/checks.js';
import { plotSchema, toPlotJson } from '../plots/representation.js';
import { findSite } from '../sites/repository.js';
import { siteSchema, toSiteJson } from '../sites/representation.js';
import { plotInputSchema, plotPatchSchema, siteInputSchema, sitePatchSchema } from './inputs.js';
import {
  createPlot,
  createSite,
  deletePlot,
  deleteSite,
  requireNaturalPersonRights,
  updatePlot,
  updateSite,
  type WriteContext,
} from './writes.js';

const writeProblems = {
  400: problemEntry('Invalid body or parameter (named in invalidParams)'),
  401: problemEntry('No or invalid API key'),
  403: problemEntry('The key may not write here (role or territory scope)'),
  404: problemEntry('No such resource'),
  409: problemEntry('Conflict (duplicate cnigId, live plots on a deleted site)'),
  412: problemEntry('If-Match does not match the current version'),
  422: problemEntry('Geometry outside the territory'),
  428: problemEntry('If-Match missing'),
  429: problemEntry('Too many failed authentications'),
} as const;
const security = [{ bearerAuth: [] }];
const ifMatchHeader = z.object({
  'if-match': z.string().optional().openapi({ description: 'ETag of the version being changed' }),
});

/** The `reason` query of a soft delete, kept in the audit log. */
const deleteReasonQuery = (entity: 'site' | 'plot', example: string) =>
  z
    .object({
      reason: z
        .string()
        .trim()
        .min(1)
        .max(500)
        .optional()
        .openapi({ description: `Why the ${entity} is deleted, kept in the audit log`, example }),
    })
    .strict();

const context = (c: Context<AppEnv>): WriteContext => ({
  db: c.var.db,
  viewer: c.var.viewer,
  changes: c.var.changes,
  today: c.var.clock.today(),
});

async function siteBody(c: Context<AppEnv>, id: string) {
  const row = await findSite(c.var.db, id);
  if (!row) throw new NotFoundError('site', id);
  return toSiteJson(row);
}

async function plotBody(c: Context<AppEnv>, id: string) {
  const row = await findPlot(c.var.db, id);
  if (!row) throw new NotFoundError('plot', id);
  return toPlotJson(row, c.var.viewer, await plotChecks(c.var.db, id));
}

export function siteWriteRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['sites'],
      summary: 'Create a site (editor in its territory, or admin)',
      security,
      middleware: [allow('editor', 'admin'), limitBody] as const,
      request: { body: { required: true, content: { 'application/json': { schema: siteInputSchema } } } },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: siteSchema } } },
        ...writeProblems,
      },
    }),
    async (c) => {
      const id = await createSite(context(c), c.req.valid('json'));
      const body = await siteBody(c, id);
      return c.json(body, 201, { location: `/sites/${id}`, etag: entityTag('site', id, body.version) });
    },
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['sites'],
      summary: 'Change a site (If-Match required)',
      security,
      middleware: [allowInScope('site', 'editor', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site') }),
        headers: ifMatchHeader,
        body: { required: true, content: { 'application/json': { schema: sitePatchSchema } } },
      },
      responses: {
        200: { description: 'Changed', content: { 'application/json': { schema: siteSchema } } },
        ...writeProblems,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await updateSite(context(c), id, requireIfMatch(c.req.header('if-match')), c.req.valid('json'));
      const body = await siteBody(c, id);
      return c.json(body, 200, { etag: entityTag('site', id, body.version) });
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['sites'],
      summary: 'Delete a site (soft; its history and the reason stay in the audit log; If-Match required)',
      security,
      middleware: [allowInScope('site', 'editor', 'admin')] as const,
      request: {
        params: z.object({ id: uuidParam('site') }),
        query: deleteReasonQuery('site', 'zone déclassée au PLU'),
        headers: ifMatchHeader,
      },
      responses: { 204: { description: 'Deleted' }, ...writeProblems },
    }),
    async (c) => {
      const { reason } = c.req.valid('query');
      await deleteSite(context(c), c.req.valid('param').id, requireIfMatch(c.req.header('if-match')), reason);
      return c.body(null, 204);
    },
  );
  return app;
}

export function plotWriteRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['plots'],
      summary: 'Create a plot in a site (editor in its territory, or admin)',
      security,
      middleware: [allow('editor', 'admin'), limitBody] as const,
      request: { body: { required: true, content: { 'application/json': { schema: plotInputSchema } } } },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: plotSchema } } },
        ...writeProblems,
      },
    }),
    async (c) => {
      const id = await createPlot(context(c), c.req.valid('json'));
      const body = await plotBody(c, id);
      return c.json(body, 201, { location: `/plots/${id}`, etag: entityTag('plot', id, body.version) });
    },
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['plots'],
      summary: 'Change a plot (If-Match required)',
      security,
      middleware: [allowInScope('plot', 'editor', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('plot') }),
        headers: ifMatchHeader,
        body: { required: true, content: { 'application/json': { schema: plotPatchSchema } } },
      },
      responses: {
        200: { description: 'Changed', content: { 'application/json': { schema: plotSchema } } },
        ...writeProblems,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      // A field this key may not set is refused before the If-Match precondition (428).
      requireNaturalPersonRights(c.var.viewer, patch);
      await updatePlot(context(c), id, requireIfMatch(c.req.header('if-match')), patch);
      const body = await plotBody(c, id);
      return c.json(body, 200, { etag: entityTag('plot', id, body.version) });
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['plots'],
      summary: 'Delete a plot (soft; If-Match required; the reason kept in the audit log)',
      security,
      middleware: [allowInScope('plot', 'editor', 'admin')] as const,
      request: {
        params: z.object({ id: uuidParam('plot') }),
        query: deleteReasonQuery('plot', 'vendu et bâti'),
        headers: ifMatchHeader,
      },
      responses: { 204: { description: 'Deleted' }, ...writeProblems },
    }),
    async (c) => {
      const { reason } = c.req.valid('query');
      await deletePlot(context(c), c.req.valid('param').id, requireIfMatch(c.req.header('if-match')), reason);
      return c.body(null, 204);
    },
  );
  return app;
}
