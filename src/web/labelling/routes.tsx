/** @jsxImportSource hono/jsx */
// The labelling workspace's pages: the review queue and a dossier (signed in: a session from
// /connexion, or a Bearer key), the programme dashboard and its list as a CSV (public, as
// GET /programme/turnkey-sites is). The forms of a dossier post to the API routes themselves.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import type { AppEnv } from '../../app-env.js';
import { reviewQueue, queueSorts } from '../../labelling/queue.js';
import { labellingFile } from '../../labelling/service.js';
import { uuidParam } from '../../http/params.js';
import { problemEntry } from '../../http/schemas.js';
import {
  isBrownfield,
  programmeDashboard,
  programmeSites,
  readinessPeriod,
  readinessPeriods,
} from '../../programme/dashboard.js';
import { labelStates } from '../../sites/vocabulary.js';
import { csrfField, requirePageViewer } from '../session.js';
import { DashboardPage } from './dashboard-page.js';
import { DossierPage } from './dossier-page.js';
import { periodLabels, stateLabels } from './labels.js';
import { QueuePage } from './queue-page.js';

const htmlPage = { 'text/html': { schema: z.string().openapi({ description: 'a page' }) } };
const signIn = { 303: { description: 'Signed out: to /connexion, and back here afterwards' } };
// An empty select ("Tous") arrives as an empty string.
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export function labellingPages(turnkeyTarget: number) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labellisation',
      tags: ['pages'],
      summary: 'Workspace: the review queue (signed in), by state, region, readiness and waiting time',
      request: {
        query: z
          .object({
            etat: optional(z.enum(labelStates)),
            region: optional(z.string().regex(/^\d{2,3}$/, { message: 'a region code' })),
            periode: optional(z.enum(readinessPeriods)),
            tri: optional(z.enum(queueSorts)),
          })
          .strict(),
      },
      responses: { 200: { description: 'The queue', content: htmlPage }, ...signIn, 400: problemEntry('Bad filter') },
    }),
    async (c) => {
      const viewer = requirePageViewer(c, 'editor', 'labeller', 'decider', 'admin');
      const q = c.req.valid('query');
      const query = { state: q.etat, region: q.region, period: q.periode, sort: q.tri ?? 'attente' };
      const queue = await reviewQueue(c.var.db, viewer, query, c.var.clock.now());
      return c.html(<QueuePage viewer={viewer} csrf={csrfField(c)} query={query} {...queue} />, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labellisation/dossiers/{id}',
      tags: ['pages'],
      summary: 'Workspace: a dossier (signed in): grid, flags, evidence, moves, comments, history',
      request: {
        params: z.object({ id: uuidParam('site') }),
        query: z.object({ erreur: z.string().max(600).optional(), fait: z.literal('1').optional() }).strict(),
      },
      responses: {
        200: { description: 'The dossier', content: htmlPage },
        ...signIn,
        403: problemEntry('Another territory'),
        404: problemEntry('No such site'),
      },
    }),
    async (c) => {
      const viewer = requirePageViewer(c, 'editor', 'labeller', 'decider', 'admin');
      const { erreur, fait } = c.req.valid('query');
      const file = await labellingFile(c.var.db, viewer, c.req.valid('param').id);
      return c.html(
        <DossierPage file={file} viewer={viewer} csrf={csrfField(c)} error={erreur} done={fait === '1'} />,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labellisation/programme',
      tags: ['pages'],
      summary:
        'The programme dashboard as a page: states against the target, regions, readiness, hectares, brownfields',
      responses: { 200: { description: 'The dashboard', content: htmlPage } },
    }),
    async (c) =>
      c.html(<DashboardPage dashboard={await programmeDashboard(c.var.db, turnkeyTarget, c.var.clock.today())} />, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/labellisation/programme.csv',
      tags: ['pages'],
      summary: 'The programme list as a spreadsheet CSV (UTF-8 with BOM, semicolons)',
      responses: { 200: { description: 'One line per site', content: { 'text/csv': { schema: z.string() } } } },
    }),
    async (c) => {
      const rows = await programmeSites(c.var.db);
      const decimal = (n: number | null, digits: number) => (n === null ? '' : n.toFixed(digits).replace('.', ','));
      const csv = stringify(
        rows.map((r) => [
          r.id,
          r.name,
          r.territoryId ?? '',
          r.territoryName ?? '',
          r.regionName ?? '',
          stateLabels[(r.labelStatus ?? 'none') as keyof typeof stateLabels],
          r.labelDate ?? '',
          decimal(r.areaHa, 1),
          isBrownfield(r) ? 'oui' : 'non',
          r.availableFrom ?? '',
          periodLabels[readinessPeriod(r.availableFrom)],
        ]),
        {
          delimiter: ';',
          header: true,
          columns: [
            'identifiant',
            'site',
            'territoire_id',
            'territoire',
            'région',
            'état',
            'date_label',
            'surface_ha',
            'friche',
            'disponible_le',
            'période',
          ],
          record_delimiter: '\r\n',
        },
      );
      // The BOM makes spreadsheets read UTF-8 (accents) rather than the system code page.
      return c.body(`\uFEFF${csv}`, 200, {
        'content-type': 'text/csv; charset=utf-8; header=present',
        'content-disposition': 'attachment; filename="programme-sites-cles-en-main.csv"',
      });
    },
  );

  return app;
}
