/** @jsxImportSource hono/jsx */
// The HTML encoding of /ogc (f=html), as tipg and pg_featureserv offer: landing page, the
// collections, one collection, a page of items and one item, each with a small map drawn on
// the project's own tiles (plus the configured basemap, if any) and links to the JSON/GeoJSON.
// Pure rendering: the routes hand over the documents they would send as JSON.
import { Layout, MapFigure, type Crumb } from './layout.js';

export interface PageLink {
  rel: string;
  type?: string;
  href: string;
  title?: string;
}

export interface CollectionSummary {
  id: string;
  title: string;
  description: string;
  bbox: [number, number, number, number] | null;
  htmlHref: string;
  itemsHtmlHref: string;
  itemsHref: string;
  queryablesHref: string;
}

export interface FeatureSummary {
  id: string | number | undefined;
  properties: object;
  geometry: unknown;
}

const propertiesOf = (f: FeatureSummary) => f.properties as Record<string, unknown>;

export interface MapSettings {
  /** The project's style (tiles), absolute. */
  styleUrl: string;
  basemapStyleUrl: string | undefined;
}

const doctype = '<!doctype html>';
const render = (element: unknown) => doctype + String(element);

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 4 });

function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'number') return number.format(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatBbox(bbox: [number, number, number, number] | null): string {
  if (!bbox) return 'aucune donnée';
  return `${bbox.map((v) => number.format(Math.round(v * 1e4) / 1e4)).join(' ; ')} (lon/lat, CRS84)`;
}

const home = (base: string): Crumb => ({ label: 'OGC API', href: `${base}?f=html` });
const collectionsCrumb = (base: string): Crumb => ({ label: 'Collections', href: `${base}/collections?f=html` });

export function landingPage(doc: { title: string; description: string; links: PageLink[] }, base: string): string {
  const describedBy = (rel: string) => doc.links.find((l) => l.rel === rel)?.href;
  return render(
    <Layout
      title={doc.title}
      crumbs={[{ label: 'OGC API' }]}
      alternates={[{ type: 'application/json', href: `${base}?f=json`, title: 'JSON' }]}
    >
      <p class="lead">{doc.description}</p>
      <ul class="cards">
        <li>
          <a href={`${base}/collections?f=html`}>Collections</a>
          <span>Territoires, sites, terrains, communes, EPCI et friches, en GeoJSON ou ici en HTML.</span>
        </li>
        <li>
          <a href={describedBy('conformance')}>Classes de conformité</a>
          <span>Les parties d’OGC API Features mises en œuvre (JSON).</span>
        </li>
        <li>
          <a href={describedBy('service-desc')}>Définition OpenAPI 3.0</a>
          <span>Pour les clients (GDAL, QGIS) qui lisent la définition.</span>
        </li>
        <li>
          <a href={describedBy('service-doc')}>Documentation de l’API</a>
          <span>Toutes les routes de Foncier.</span>
        </li>
      </ul>
    </Layout>,
  );
}

export function collectionsPage(collections: CollectionSummary[], base: string): string {
  return render(
    <Layout
      title="Collections"
      crumbs={[home(base), { label: 'Collections' }]}
      alternates={[{ type: 'application/json', href: `${base}/collections?f=json`, title: 'JSON' }]}
    >
      <p class="lead">{`${collections.length} collections d’entités, en coordonnées CRS84.`}</p>
      <ul class="cards">
        {collections.map((collection) => (
          <li>
            <a href={collection.htmlHref}>{collection.title}</a>
            <span>{collection.description}</span>
            <span class="links">
              <a href={collection.itemsHtmlHref}>Entités</a> ·{' '}
              <a href={collection.itemsHref} type="application/geo+json">
                GeoJSON
              </a>{' '}
              · <a href={collection.queryablesHref}>Propriétés interrogeables</a>
            </span>
          </li>
        ))}
      </ul>
    </Layout>,
  );
}

export function collectionPage(collection: CollectionSummary, base: string, map: MapSettings): string {
  return render(
    <Layout
      title={collection.title}
      crumbs={[home(base), collectionsCrumb(base), { label: collection.title }]}
      alternates={[{ type: 'application/json', href: `${base}/collections/${collection.id}?f=json`, title: 'JSON' }]}
      map
    >
      <p class="lead">{collection.description}</p>
      <dl class="facts">
        <dt>Identifiant</dt>
        <dd>
          <code>{collection.id}</code>
        </dd>
        <dt>Emprise</dt>
        <dd>{formatBbox(collection.bbox)}</dd>
      </dl>
      <p class="actions">
        <a class="button" href={collection.itemsHtmlHref}>
          Parcourir les entités
        </a>{' '}
        <a href={collection.itemsHref} type="application/geo+json">
          GeoJSON
        </a>{' '}
        · <a href={collection.queryablesHref}>Propriétés interrogeables</a>
      </p>
      <MapFigure
        id="carte"
        label={`Emprise de la collection ${collection.title}`}
        styleUrl={map.styleUrl}
        basemapStyleUrl={map.basemapStyleUrl}
        bounds={collection.bbox}
      />
    </Layout>,
  );
}

export function itemsPage(
  collection: CollectionSummary,
  page: { features: FeatureSummary[]; numberMatched: number; offset: number; links: PageLink[]; selfJson: string },
  base: string,
  map: MapSettings,
): string {
  // The name is the row's link already.
  const propertyNames = [...new Set(page.features.flatMap((f) => Object.keys(propertiesOf(f))))]
    .filter((name) => name !== 'name')
    .slice(0, 6);
  const first = page.features.length === 0 ? 0 : page.offset + 1;
  const last = page.offset + page.features.length;
  const htmlOf = (href: string) => withFormat(href, 'html');
  const next = page.links.find((l) => l.rel === 'next');
  const prev = page.links.find((l) => l.rel === 'prev');
  const featureHref = (id: FeatureSummary['id']) =>
    `${base}/collections/${collection.id}/items/${encodeURIComponent(String(id))}?f=html`;
  return render(
    <Layout
      title={`${collection.title} : entités`}
      crumbs={[
        home(base),
        collectionsCrumb(base),
        { label: collection.title, href: collection.htmlHref },
        { label: 'Entités' },
      ]}
      alternates={[{ type: 'application/geo+json', href: page.selfJson, title: 'GeoJSON' }]}
      map
    >
      <p class="lead" role="status">
        {page.numberMatched === 0
          ? 'Aucune entité ne répond à la requête.'
          : `Entités ${first} à ${last} sur ${number.format(page.numberMatched)}.`}
      </p>
      <MapFigure
        id="carte"
        label={`Carte des entités ${first} à ${last} de ${collection.title}`}
        styleUrl={map.styleUrl}
        basemapStyleUrl={map.basemapStyleUrl}
        bounds={collection.bbox}
        features={{
          type: 'FeatureCollection',
          features: page.features.map((f) => ({
            type: 'Feature',
            id: f.id,
            geometry: f.geometry,
            properties: { id: f.id },
          })),
        }}
      />
      <nav class="pager" aria-label="Pages">
        {prev ? (
          <a href={htmlOf(prev.href)} rel="prev">
            ← Page précédente
          </a>
        ) : null}
        {next ? (
          <a href={htmlOf(next.href)} rel="next">
            Page suivante →
          </a>
        ) : null}
      </nav>
      {page.features.length > 0 ? (
        <section class="table-scroll" tabindex={0} aria-label="Tableau des entités">
          <table class="features">
            <caption>{`Propriétés des entités ${first} à ${last}`}</caption>
            <thead>
              <tr>
                <th scope="col">Identifiant</th>
                {propertyNames.map((name) => (
                  <th scope="col">{name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {page.features.map((f) => (
                <tr>
                  <th scope="row">
                    <a href={featureHref(f.id)}>{String(propertiesOf(f).name ?? f.id)}</a>
                  </th>
                  {propertyNames.map((name) => (
                    <td>{formatValue(propertiesOf(f)[name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </Layout>,
  );
}

export function itemPage(
  collection: CollectionSummary,
  item: FeatureSummary,
  base: string,
  map: MapSettings,
  jsonHref: string,
): string {
  const name = String(propertiesOf(item).name ?? item.id);
  return render(
    <Layout
      title={name}
      crumbs={[
        home(base),
        collectionsCrumb(base),
        { label: collection.title, href: collection.htmlHref },
        { label: 'Entités', href: collection.itemsHtmlHref },
        { label: name },
      ]}
      alternates={[{ type: 'application/geo+json', href: jsonHref, title: 'GeoJSON' }]}
      map
    >
      <MapFigure
        id="carte"
        label={`Carte de ${name}`}
        styleUrl={map.styleUrl}
        basemapStyleUrl={map.basemapStyleUrl}
        features={{
          type: 'FeatureCollection',
          features: [{ type: 'Feature', id: item.id, geometry: item.geometry, properties: { id: item.id } }],
        }}
      />
      <section class="table-scroll" tabindex={0} aria-label="Propriétés">
        <table class="properties">
          <caption>Propriétés</caption>
          <tbody>
            <tr>
              <th scope="row">Identifiant</th>
              <td>
                <code>{String(item.id)}</code>
              </td>
            </tr>
            {Object.entries(propertiesOf(item)).map(([key, value]) => (
              <tr>
                <th scope="row">{key}</th>
                <td>{formatValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>,
  );
}

/** The same URL with f= set (the JSON links of a page become its HTML links). */
export function withFormat(href: string, f: string): string {
  const url = new URL(href);
  url.searchParams.set('f', f);
  return url.toString();
}
