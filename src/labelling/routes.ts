// /sites/{id}/label: the labelling file, assessments against the grid, workflow moves.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { allowInScope } from '../auth/guard.js';
import { limitBody } from '../http/body-limit.js';
import { uuidParam } from '../http/params.js';
import { parseIfMatch } from '../http/preconditions.js';
import { problemEntry } from '../http/schemas.js';
import { labelStates } from '../sites/vocabulary.js';
import { currentGrid } from './grid.js';
import { assess, labellingFile, transition } from './service.js';

const problems = {
  400: problemEntry('Invalid body or parameter'),
  401: problemEntry('No or invalid API key'),
  403: problemEntry('Role or territory scope does not allow it'),
  404: problemEntry('No such site or criterion'),
  409: problemEntry('Not allowed in the current state (names the state and the allowed moves)'),
} as const;
const security = [{ bearerAuth: [] }];

const evidenceSchema = z
  .object({
    title: z.string().trim().min(1).max(300),
    reference: z.string().trim().max(300).nullable().optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional(),
    date: z.iso.date({ message: 'evidence needs an ISO date YYYY-MM-DD' }),
    author: z.string().trim().min(1).max(200),
  })
  .strict()
  .openapi('Evidence');

const assessmentInput = z
  .object({
    status: z.enum(['met', 'not_met', 'not_applicable']),
    evidence: z.array(evidenceSchema).max(50).default([]),
    comment: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.status === 'met' && value.evidence.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['evidence'],
        message: 'a criterion is met on evidence: give at least one document',
      });
  })
  .openapi('AssessmentInput');

const transitionInput = z
  .object({ to: z.enum(labelStates), reason: z.string().trim().max(5000).optional() })
  .strict()
  .openapi('TransitionInput');

export function labellingRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labelling/grid',
      tags: ['labelling'],
      summary: 'The current labelling grid (versioned data)',
      responses: {
        200: {
          description: 'The grid',
          content: {
            'application/json': {
              schema: z.object({
                version: z.string(),
                title: z.string(),
                publishedOn: z.string(),
                criteria: z.array(z.any()),
              }),
            },
          },
        },
      },
    }),
    async (c) => c.json(await currentGrid(c.var.db), 200),
  );

  return app;
}

/** A site's labelling file and its moves, mounted by the sites router (sites/routes.ts). */
export function siteLabelRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/label',
      tags: ['labelling'],
      summary: "A site's labelling file: state, assessments with evidence, readiness, allowed moves",
      security,
      middleware: [allowInScope('site', 'editor', 'labeller', 'admin')] as const,
      request: { params: z.object({ id: uuidParam('site') }) },
      responses: {
        200: { description: 'The file', content: { 'application/json': { schema: z.any() } } },
        ...problems,
      },
    }),
    async (c) => c.json(await labellingFile(c.var.db, c.var.viewer, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{id}/label/criteria/{criterion}',
      tags: ['labelling'],
      summary: 'Assess one criterion of the grid, with evidence',
      security,
      middleware: [allowInScope('site', 'editor', 'labeller', 'admin'), limitBody] as const,
      request: {
        params: z.object({
          id: uuidParam('site'),
          criterion: z.string().regex(/^[a-z_]{1,60}$/, { message: 'not a criterion id' }),
        }),
        body: { required: true, content: { 'application/json': { schema: assessmentInput } } },
      },
      responses: {
        200: { description: 'The updated file', content: { 'application/json': { schema: z.any() } } },
        ...problems,
      },
    }),
    async (c) => {
      const { id, criterion } = c.req.valid('param');
      await assess(c.var.db, c.var.viewer, id, criterion, c.req.valid('json'));
      return c.json(await labellingFile(c.var.db, c.var.viewer, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/label/transitions',
      tags: ['labelling'],
      summary:
        'Move the site in the labelling workflow (draft, submitted, under_review, changes_requested, labelled, rejected, withdrawn)',
      security,
      middleware: [allowInScope('site', 'editor', 'labeller', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site') }),
        body: { required: true, content: { 'application/json': { schema: transitionInput } } },
      },
      responses: {
        200: {
          description: 'The move made',
          content: {
            'application/json': { schema: z.object({ from: z.string(), to: z.string(), version: z.number() }) },
          },
        },
        ...problems,
        412: problemEntry('If-Match given and stale'),
      },
    }),
    async (c) => {
      const { to, reason } = c.req.valid('json');
      const result = await transition(
        c.var.db,
        c.var.viewer,
        c.var.changes,
        c.req.valid('param').id,
        to,
        reason,
        parseIfMatch(c.req.header('if-match')),
        c.var.clock.today(),
      );
      return c.json(result, 200);
    },
  );

  return app;
}
