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
  const spec = () => (cached ??= describeSuffixedParams(document()));
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

type Spec = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;
type ParameterObject = { name: string; in: string; description?: string; schema?: { pattern?: string; example?: unknown; description?: string } };

/**
 * Hono names a parameter followed by a suffix in the same segment (`/:y.mvt`) after the whole
 * segment, so routes declare `{y.mvt}`. Clients write `/12/2106/1466.mvt`: the document says
 * `{y}.mvt` with a parameter `y`, as OpenAPI path templating allows.
 */
export function describeSuffixedParams(spec: Spec): Spec {
  const suffixed = /\{(\w+)\.(\w+)\}/g;
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    paths[path.replace(suffixed, '{$1}.$2')] = item;
    for (const operation of Object.values(item ?? {})) {
      for (const p of ((operation as { parameters?: ParameterObject[] }).parameters ?? [])) {
        const match = /^(\w+)\.(\w+)$/.exec(p.name);
        if (!match || p.in !== 'path') continue;
        const [, name, ext] = match;
        const tail = new RegExp(`\\s*followed by \\.${ext}$`);
        p.name = name!;
        if (p.description) p.description = p.description.replace(tail, '');
        if (p.schema) {
          if (p.schema.description) p.schema.description = p.schema.description.replace(tail, '');
          if (typeof p.schema.example === 'string') p.schema.example = p.schema.example.replace(`.${ext}`, '');
          if (p.schema.pattern) p.schema.pattern = p.schema.pattern.replace(`\\.${ext}$`, '$');
        }
      }
    }
  }
  return { ...spec, paths: paths as Spec['paths'] };
}
