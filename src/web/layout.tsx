/** @jsxImportSource hono/jsx */
// The HTML page frame shared by the browsable pages (OGC API landing, collections, items):
// French, one stylesheet and one script of the project's own (src/web/assets.ts), a skip link,
// a header with the breadcrumb, and a main landmark. Server-rendered with hono/jsx.
import type { Child } from 'hono/jsx';
import { assetPaths, clientScript } from './assets.js';

export interface Crumb {
  label: string;
  href?: string;
}

export interface AlternateLink {
  type: string;
  href: string;
  title: string;
}

/**
 * The sections of the site, in the header of every page. Each application adds its entry here
 * (one line): the investor search, the labelling workspace, the territory pages.
 */
export const sections: Array<{ label: string; href: string }> = [
  { label: 'Rechercher un site', href: '/' },
  { label: 'Comparaison', href: '/sites/compare' },
  { label: 'Mon territoire', href: '/territoire' },
  { label: 'Données (OGC API)', href: '/ogc' },
  { label: 'API', href: '/docs' },
  { label: 'Territoires', href: '/territoires' },
  { label: 'Labellisation', href: '/labellisation' },
];

export function Layout(props: {
  title: string;
  crumbs: Crumb[];
  alternates?: AlternateLink[];
  map?: boolean;
  /** Further elements of the head: a page's own script and the styles it needs. */
  head?: Child;
  /** The page's own module scripts (clientScript paths); given, they replace the OGC map script. */
  scripts?: string[];
  children?: Child;
}) {
  return (
    <html lang="fr">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title.includes('Foncier') ? props.title : `${props.title} — Foncier`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={assetPaths().pagesCss} />
        {props.map ? <link rel="stylesheet" href={assetPaths().maplibreCss} /> : null}
        {(props.alternates ?? []).map((alt) => (
          <link rel="alternate" type={alt.type} href={alt.href} title={alt.title} />
        ))}
        {props.map && !props.scripts ? <script type="module" src={clientScript('ogc-map')}></script> : null}
        {(props.scripts ?? []).map((src) => (
          <script type="module" src={src}></script>
        ))}
        {props.head}
      </head>
      <body>
        <a class="skip" href="#contenu">
          Aller au contenu
        </a>
        <header>
          <nav aria-label="Sections" class="sections">
            <a class="brand" href="/">
              Foncier
            </a>
            <ul>
              {sections.map((section) => (
                <li>
                  <a href={section.href}>{section.label}</a>
                </li>
              ))}
            </ul>
          </nav>
          <nav aria-label="Fil d’Ariane">
            <ol class="crumbs">
              {props.crumbs.map((crumb, i) => (
                <li>
                  {crumb.href && i < props.crumbs.length - 1 ? (
                    <a href={crumb.href}>{crumb.label}</a>
                  ) : (
                    <span aria-current="page">{crumb.label}</span>
                  )}
                </li>
              ))}
            </ol>
          </nav>
        </header>
        <main id="contenu">
          <h1>{props.title}</h1>
          {props.children}
        </main>
        {props.alternates && props.alternates.length > 0 ? (
          <footer>
            <p>
              Autres formats :{' '}
              {props.alternates.map((alt, i) => (
                <>
                  {i > 0 ? ', ' : ''}
                  <a href={alt.href} type={alt.type}>
                    {alt.title}
                  </a>
                </>
              ))}
            </p>
          </footer>
        ) : null}
      </body>
    </html>
  );
}

/** The map element the page script fills: the data travels in data attributes and a JSON script. */
export function MapFigure(props: {
  id: string;
  label: string;
  styleUrl: string;
  basemapStyleUrl?: string;
  bounds?: [number, number, number, number] | null;
  features?: unknown;
  tilesStyleUrl?: string;
}) {
  return (
    <figure class="map-figure">
      <section
        class="map"
        id={props.id}
        aria-label={props.label}
        data-maplibre={assetPaths().maplibreJs}
        data-style={props.styleUrl}
        data-basemap={props.basemapStyleUrl ?? ''}
        data-bounds={props.bounds ? JSON.stringify(props.bounds) : ''}
        data-features={props.features ? `${props.id}-data` : ''}
      ></section>
      {props.features ? (
        <script
          type="application/json"
          id={`${props.id}-data`}
          dangerouslySetInnerHTML={{ __html: safeJson(props.features) }}
        ></script>
      ) : null}
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}

/** JSON inside <script>: `<` escaped so that no `</script>` in a property ends the element. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
