// /labelling/grid and /sites/{id}/label: the dossier, assessments against its grid, evidence
// documents, flag overrides, comments and workflow moves.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.js';
import { allowInScope } from '../auth/guard.js';
import { limitBody } from '../http/body-limit.js';
import { AppError, ValidationError } from '../http/errors.js';
import { uuidParam } from '../http/params.js';
import { parseIfMatch } from '../http/preconditions.js';
import { problemEntry } from '../http/schemas.js';
import { labelStates } from '../sites/vocabulary.js';
import { documentContent, evidenceMediaTypes, uploadDocument } from './evidence.js';
import { allGrids, currentGrid } from './grid.js';
import { addComment, assess, labellingFile, overrideFlag, transition } from './service.js';

const problems = {
  400: problemEntry('Invalid body or parameter'),
  401: problemEntry('No or invalid API key (or session)'),
  403: problemEntry('Role, territory scope or the four-eyes rule does not allow it; CSRF token missing'),
  404: problemEntry('No such site, criterion or document'),
  409: problemEntry('Not allowed in the current state (names the state and the allowed moves)'),
} as const;
const security = [{ bearerAuth: [] }];
const criterionParam = z.string().regex(/^[a-z_]{1,60}$/, { message: 'not a criterion id' });
const readers = ['editor', 'labeller', 'decider', 'admin'] as const;

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
    if (value.status === 'not_applicable' && !value.comment?.trim())
      ctx.addIssue({
        code: 'custom',
        path: ['comment'],
        message: 'a criterion set aside as not applicable needs its justification',
      });
  })
  .openapi('AssessmentInput');

/** The workspace's assessment form: one evidence entry at most, as flat fields. */
const assessmentForm = z
  .object({
    status: z.enum(['met', 'not_met', 'not_applicable']),
    comment: z.string().optional(),
    evidenceTitle: z.string().optional(),
    evidenceDate: z.string().optional(),
    evidenceAuthor: z.string().optional(),
  })
  .openapi('AssessmentForm');
const assessmentFromForm = ({ status, comment, evidenceTitle, evidenceDate, evidenceAuthor }: Fields) => ({
  status,
  comment: comment || null,
  evidence: evidenceTitle ? [{ title: evidenceTitle, date: evidenceDate, author: evidenceAuthor }] : [],
});

const transitionInput = z
  .object({ to: z.enum(labelStates), reason: z.string().trim().max(5000).optional() })
  .strict()
  .openapi('TransitionInput');

const reasonInput = z
  .object({ reason: z.string().trim().min(1, { message: 'an override needs its reason' }).max(5000) })
  .strict()
  .openapi('FlagOverrideInput');

const commentInput = z
  .object({ criterionId: criterionParam.nullable().optional(), body: z.string().trim().min(1).max(10_000) })
  .strict()
  .openapi('CommentInput');

/** The comment form: an empty criterion is the dossier's own thread. */
const commentForm = z.object({ criterionId: z.string().optional(), body: z.string() }).openapi('CommentForm');
const commentFromForm = ({ criterionId, body }: Fields) => ({ criterionId: criterionId || null, body });

const documentForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: 'a PDF or a PNG, JPEG or WebP image' }),
    kind: z.string().trim().min(1).max(200).openapi({ description: 'the kind of document ("rapport de diagnostic")' }),
    issuer: z.string().trim().min(1).max(300),
    issuedOn: z.iso.date({ message: 'the issue date as YYYY-MM-DD' }),
    reference: z.string().trim().max(300).optional(),
  })
  .openapi('DocumentUpload');

/** The multipart body of an upload: the document limit plus room for the form's other fields. */
const limitUpload: MiddlewareHandler<AppEnv> = async (c, next) => {
  const maxSize = c.var.maxUploadBytes + 64 * 1024;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('payload_too_large', `documents are limited to ${c.var.maxUploadBytes} bytes`, {
        maxBytes: c.var.maxUploadBytes,
      });
    },
  })(c, next);
};

// The forms' schemas strip what they do not name (the CSRF token travels in every form).
// The workspace's forms (src/web/labelling/) post to these same routes: a browser's navigation
// (Accept: text/html) is answered by going back to the dossier page, 303, with what went wrong
// in ?erreur= (a refusal, the same checks as for API calls); an API client gets JSON as before.
const wantsPage = (accept: string | undefined) => /text\/html/.test(accept ?? '');
export const dossierPagePath = (siteId: string) => `/labellisation/dossiers/${siteId}`;

const backToPage: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!wantsPage(c.req.header('accept'))) return next();
  const id = c.req.param('id') ?? '';
  await next();
  // A refusal thrown further down has already been rendered by onError; c.error keeps it.
  const error = c.error;
  if (error instanceof AppError && error.status !== 401)
    c.res = c.redirect(`${dossierPagePath(id)}?erreur=${encodeURIComponent(error.detail.slice(0, 500))}#resultat`, 303);
  else if (c.res.status < 300) c.res = c.redirect(`${dossierPagePath(id)}?fait=1#resultat`, 303);
};

type Fields = Record<string, string | undefined>;

/**
 * The body of a route taking JSON from API clients and a form from the workspace's pages: the
 * form's fields mapped to the JSON shape and held to the same schema.
 */
function jsonOrForm<T>(
  c: Context<AppEnv>,
  schema: z.ZodType<T>,
  fromForm: (fields: Fields) => unknown = (fields) => fields,
): T {
  const type = c.req.header('content-type') ?? '';
  if (/^application\/json\b/i.test(type)) return c.req.valid('json' as never) as T;
  // The form as the route's form schema validated it (unnamed fields, the CSRF token among them, stripped).
  const fields = c.req.valid('form' as never) as Fields;
  const parsed = schema.safeParse(fromForm(fields));
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ in: 'body' as const, name: i.path.join('.') || 'body', message: i.message })),
    );
  return parsed.data;
}

/**
 * The body of a route that takes JSON or the page's form. Not `required`: zod-openapi would then
 * validate the JSON schema against a form too.
 */
function jsonOrFormBody<Json extends z.ZodType, Form extends z.ZodType>(json: Json, form: Form) {
  return {
    required: false,
    content: {
      'application/json': { schema: json },
      'application/x-www-form-urlencoded': { schema: form },
    },
  };
}

const backToDossier = { description: 'From a page: back to the dossier' };

const fileResponse = Object.fromEntries(
  evidenceMediaTypes.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }]),
);

export function labellingRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labelling/grid',
      tags: ['labelling'],
      summary: 'A labelling grid (versioned data): the current one, or the version asked for',
      request: {
        query: z
          .object({ version: z.string().max(100).optional().openapi({ description: 'default: the current grid' }) })
          .strict(),
      },
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
                versions: z.array(z.string()),
              }),
            },
          },
        },
        400: problems[400],
        404: problemEntry('No such grid version'),
      },
    }),
    async (c) => {
      const { version } = c.req.valid('query');
      const grids = await allGrids(c.var.db);
      const grid = version ? grids.find((g) => g.version === version) : await currentGrid(c.var.db);
      if (!grid)
        throw new AppError(
          'not_found',
          `no grid ${JSON.stringify(version)}; versions: ${grids.map((g) => g.version).join(', ')}`,
          {
            resource: 'grid',
            id: version,
          },
        );
      return c.json({ ...grid, versions: grids.map((g) => g.version) }, 200);
    },
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
      summary:
        "A site's labelling file: state, grid, assessments with catalogue flags, " +
        'documents, comments, history, allowed moves',
      security,
      middleware: [allowInScope('site', ...readers)] as const,
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
      summary: 'Assess one criterion of the dossier’s grid (met on evidence; not applicable with a justification)',
      security,
      middleware: [allowInScope('site', 'editor', 'labeller', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site'), criterion: criterionParam }),
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
      path: '/{id}/label/criteria/{criterion}',
      tags: ['labelling'],
      summary: 'Assess one criterion from the workspace’s form (or JSON, as PUT); a page is sent back to the dossier',
      security,
      middleware: [backToPage, allowInScope('site', 'editor', 'labeller', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site'), criterion: criterionParam }),
        body: jsonOrFormBody(assessmentInput, assessmentForm),
      },
      responses: {
        200: { description: 'The updated file', content: { 'application/json': { schema: z.any() } } },
        303: backToDossier,
        ...problems,
      },
    }),
    async (c) => {
      const { id, criterion } = c.req.valid('param');
      await assess(c.var.db, c.var.viewer, id, criterion, jsonOrForm(c, assessmentInput, assessmentFromForm));
      return c.json(await labellingFile(c.var.db, c.var.viewer, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/label/criteria/{criterion}/override',
      tags: ['labelling'],
      summary: 'A labeller clears the catalogue’s flag on a criterion, with a reason',
      security,
      middleware: [backToPage, allowInScope('site', 'labeller', 'admin'), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site'), criterion: criterionParam }),
        body: jsonOrFormBody(reasonInput, reasonInput.strip()),
      },
      responses: {
        200: { description: 'The updated file', content: { 'application/json': { schema: z.any() } } },
        303: backToDossier,
        ...problems,
      },
    }),
    async (c) => {
      const { id, criterion } = c.req.valid('param');
      await overrideFlag(c.var.db, c.var.viewer, id, criterion, jsonOrForm(c, reasonInput).reason);
      return c.json(await labellingFile(c.var.db, c.var.viewer, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/label/comments',
      tags: ['labelling'],
      summary: 'Comment on the dossier, or on one of its criteria',
      security,
      middleware: [backToPage, allowInScope('site', ...readers), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site') }),
        body: jsonOrFormBody(commentInput, commentForm),
      },
      responses: {
        201: { description: 'The comment', content: { 'application/json': { schema: z.any() } } },
        303: backToDossier,
        ...problems,
      },
    }),
    async (c) => {
      const { criterionId, body } = jsonOrForm(c, commentInput, commentFromForm);
      return c.json(await addComment(c.var.db, c.var.viewer, c.req.valid('param').id, criterionId ?? null, body), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/label/criteria/{criterion}/documents',
      tags: ['labelling'],
      summary:
        'Upload an evidence document for a criterion ' +
        '(PDF or image, type read from the content; the same kind again is its next version)',
      security,
      middleware: [backToPage, allowInScope('site', 'editor', 'labeller', 'admin'), limitUpload] as const,
      request: {
        params: z.object({ id: uuidParam('site'), criterion: criterionParam }),
        body: { required: true, content: { 'multipart/form-data': { schema: documentForm } } },
      },
      responses: {
        201: {
          description: 'The document’s record (no content)',
          content: { 'application/json': { schema: z.any() } },
        },
        ...problems,
        303: backToDossier,
        413: problemEntry('The document is past the upload limit'),
        415: problemEntry('The content is not a PDF, PNG, JPEG or WebP'),
      },
    }),
    async (c) => {
      const { id, criterion } = c.req.valid('param');
      const form = c.req.valid('form');
      if (!(form.file instanceof File))
        throw new ValidationError([{ in: 'body', name: 'file', message: 'attach the document as the file field' }]);
      const meta = await uploadDocument(
        c.var.db,
        c.var.viewer,
        id,
        {
          criterionId: criterion,
          kind: form.kind,
          issuer: form.issuer,
          issuedOn: form.issuedOn,
          reference: form.reference || null,
          fileName: form.file.name,
          bytes: new Uint8Array(await form.file.arrayBuffer()),
        },
        c.var.maxUploadBytes,
      );
      return c.json(meta, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/label/documents/{documentId}',
      tags: ['labelling'],
      summary: 'Download an evidence document (those who may read the dossier)',
      security,
      middleware: [allowInScope('site', ...readers)] as const,
      request: {
        params: z.object({
          id: uuidParam('site'),
          documentId: uuidParam('document').openapi({ param: { name: 'documentId', in: 'path' } }),
        }),
      },
      responses: { 200: { description: 'The document', content: fileResponse }, ...problems },
    }),
    async (c) => {
      const { id, documentId } = c.req.valid('param');
      const doc = await documentContent(c.var.db, c.var.viewer, id, documentId);
      return c.body(new Uint8Array(doc.content), 200, {
        'content-type': doc.mediaType,
        'content-length': String(doc.sizeBytes),
        // RFC 6266 / 8187: an ASCII fallback and the UTF-8 name.
        'content-disposition':
          `attachment; filename="${doc.fileName.replace(/[^\x20-\x7e]/g, '_')}"; ` +
          `filename*=UTF-8''${encodeURIComponent(doc.fileName)}`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, no-store',
        digest: `sha-256=${Buffer.from(doc.sha256, 'hex').toString('base64')}`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/label/transitions',
      tags: ['labelling'],
      summary:
        'Move the dossier (draft, submitted, under_review, changes_requested, labelled, rejected, withdrawn); ' +
        'a decision names its instructor and assessors',
      security,
      middleware: [backToPage, allowInScope('site', ...readers), limitBody] as const,
      request: {
        params: z.object({ id: uuidParam('site') }),
        body: jsonOrFormBody(transitionInput, transitionInput.strip()),
      },
      responses: {
        200: {
          description: 'The move made',
          content: {
            'application/json': {
              schema: z.object({ from: z.string(), to: z.string(), version: z.number(), decision: z.any().optional() }),
            },
          },
        },
        303: backToDossier,
        ...problems,
        412: problemEntry('If-Match given and stale'),
        422: problemEntry('Submission refused: criteria not assessed, or catalogue flags open (lists them)'),
      },
    }),
    async (c) => {
      const { to, reason } = jsonOrForm(c, transitionInput);
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
