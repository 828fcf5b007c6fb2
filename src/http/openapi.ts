// The OpenAPI 3.1 document generated from the routes' zod schemas, a browsable reference
// page rendered from it (self-contained: no CDN, so it works offline and on Workers), and
// the landing document at /.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app.js';
import { renderReferencePage } from './reference-page.js';

export const apiInfo = {
  title: 'Foncier API',
  version: '0.1.0',
  description:
    "Inventory of industrial land and turnkey industrial sites in France's Territoires d'industrie, aligned with the CNIG \"Sites économiques\" standard (site-eco = site, terrain-eco = plot). Errors are RFC 9457 application/problem+json.",
  license: { name: 'MIT' },
};

export function openApiRoutes(app: OpenAPIHono<AppEnv>): void {
  const document = () => app.getOpenAPI31Document({ openapi: '3.1.0', info: apiInfo, tags: [
    { name: 'territories', description: "Territoires d'industrie (groups of EPCI)" },
    { name: 'sites', description: 'CNIG site-eco: economic sites' },
    { name: 'plots', description: 'CNIG terrain-eco: plots of economic land' },
    { name: 'operations', description: 'Health and readiness' },
  ] });

  let cached: ReturnType<typeof document> | undefined;
  const spec = () => (cached ??= document());
  const page = () => renderReferencePage(spec() as unknown as Parameters<typeof renderReferencePage>[0]);

  app.get('/openapi.json', (c) => c.json(spec()));
  app.get('/docs', (c) => c.html(page()));
  app.get('/', (c) =>
    c.json({
      title: apiInfo.title,
      description: apiInfo.description,
      links: [
        { rel: 'service-desc', href: '/openapi.json', type: 'application/vnd.oai.openapi+json;version=3.1' },
        { rel: 'service-doc', href: '/docs', type: 'text/html' },
        { rel: 'territories', href: '/territories', type: 'application/json' },
        { rel: 'health', href: '/healthz' },
        { rel: 'ready', href: '/readyz' },
      ],
    }),
  );
}
