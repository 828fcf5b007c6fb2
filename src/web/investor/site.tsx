/** @jsxImportSource hono/jsx */
// The site page for people (GET /sites/{id} asked by a browser, and GET /sites/{id}/sheet?f=html):
// the site's map with its plots coloured by availability, the plots table, areas, utilities,
// access, ZAN figures, label and readiness, contacts, and the source and date of the data, in
// French. Rendered from the investor sheet (search/sheet.ts), so the page says what the JSON says;
// owners and buyers of plots are never on it, whoever they are. Prints on paper (pages.css).
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { NotFoundError } from '../../http/errors.js';
import { sitePlotShapes } from '../../plots/repository.js';
import { scoredByDefault, type SiteItem } from '../../search/compare.js';
import { siteSheet, type SiteSheet } from '../../search/sheet.js';
import { clientScript } from '../assets.js';
import { Layout, MapFigure } from '../layout.js';
import type { MapSettings } from '../ogc-pages.js';
import { availabilityClasses, availabilityLabels, availabilityOf, labelStatus } from './format.js';
import {
  eurosPerM2,
  frenchDate,
  frenchNumber,
  hectares,
  kilometres,
  megawatts,
  percent,
  text,
  yesNo,
} from '../format.js';
import { compareUrl, sitePageUrl } from './links.js';

type PlotShape = Awaited<ReturnType<typeof sitePlotShapes>>[number];

const mapSettings = (c: Context, basemapStyleUrl: string | undefined): MapSettings => ({
  styleUrl: `${new URL(c.req.url).origin}/tiles/style.json`,
  basemapStyleUrl,
});

const render = (element: unknown) => `<!doctype html>${String(element)}`;

/** A two-column list of facts: a heading per row, `—` for what is unknown. */
function Facts(props: { rows: [string, string][] }) {
  return (
    <dl class="facts">
      {props.rows.map(([term, value]) => (
        <>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}

const distance = (place: { name: string | null; km: number | null }) =>
  place.km === null && place.name === null ? '—' : [place.name, kilometres(place.km)].filter(Boolean).join(', ');

/** The map's data: the site's outline and its plots, each with its number in the table and its class. */
function mapFeatures(sheet: SiteSheet, shapes: PlotShape[]) {
  const number = new Map(sheet.plots.map((p, i) => [p.id, i + 1]));
  return {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: sheet.site.id, geometry: sheet.site.geometry, properties: { kind: 'site' } },
      ...shapes.map((p) => ({
        type: 'Feature',
        id: p.id,
        geometry: p.geometry,
        properties: {
          kind: 'plot',
          number: number.get(p.id) ?? 0,
          cnigId: p.cnigId,
          availability: availabilityOf(p.marketingStage, p.occupation),
        },
      })),
    ],
  };
}

export function sitePage(sheet: SiteSheet, shapes: PlotShape[], item: SiteItem | undefined, map: MapSettings): string {
  const s = sheet.site;
  const readiness = item?.score.components.find((c) => c.name === 'readiness');
  const counts = new Map<string, number>();
  for (const p of sheet.plots) {
    const cls = availabilityOf(p.marketingStage, p.occupation);
    counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }
  const zan = sheet.zan;
  return render(
    <Layout
      title={s.name}
      crumbs={[{ label: 'Accueil', href: '/' }, { label: 'Sites' }, { label: s.name }]}
      alternates={[
        { type: 'application/json', href: `${sitePageUrl(s.id)}?f=json`, title: 'JSON' },
        { type: 'application/geo+json', href: `${sitePageUrl(s.id)}?f=geojson`, title: 'GeoJSON' },
        { type: 'application/json', href: `${sitePageUrl(s.id)}/zan`, title: 'Mesures ZAN (JSON)' },
      ]}
      map
      scripts={[clientScript('site-page')]}
    >
      <p class="lead">
        {`${s.location.commune.name} (${s.location.commune.department}) · ${s.location.epci.name} · ` +
          `${s.siteType} · ${s.state}`}
      </p>
      <p class="site-actions">
        <button type="button" class="button" data-compare-add={s.id} aria-pressed="false">
          Ajouter à la comparaison
        </button>{' '}
        <a href={compareUrl([s.id])} data-compare-link hidden>
          Voir la comparaison
        </a>{' '}
        <span role="status" data-compare-status></span>
      </p>

      <h2>Carte des terrains</h2>
      <MapFigure
        id="carte"
        label={`Le site ${s.name} et ses ${sheet.plots.length} terrains, numérotés comme dans le tableau`}
        styleUrl={map.styleUrl}
        basemapStyleUrl={map.basemapStyleUrl}
        bounds={s.location.bbox as [number, number, number, number] | null}
        features={mapFeatures(sheet, shapes)}
      />
      <ul class="legend" aria-label="Légende de la carte">
        {availabilityClasses.map((cls) => (
          <li>
            <span class={`swatch availability-${cls}`} aria-hidden="true"></span>
            {`${availabilityLabels[cls]} (${counts.get(cls) ?? 0})`}
          </li>
        ))}
      </ul>

      <h2>Terrains</h2>
      <section class="table-scroll" tabindex={0} aria-label="Tableau des terrains">
        <table class="plots">
          <thead>
            <tr>
              <th scope="col">N°</th>
              <th scope="col">Terrain</th>
              <th scope="col">Surface</th>
              <th scope="col">Disponibilité</th>
              <th scope="col">Commercialisation</th>
              <th scope="col">Aménagement</th>
              <th scope="col">Zone</th>
              <th scope="col">Prix</th>
              <th scope="col">Disponible le</th>
            </tr>
          </thead>
          <tbody>
            {sheet.plots.map((p, i) => {
              const cls = availabilityOf(p.marketingStage, p.occupation);
              return (
                <tr>
                  <td>{String(i + 1)}</td>
                  <th scope="row">{p.cnigId}</th>
                  <td class="n">{hectares(p.areaHa)}</td>
                  <td>
                    <span class={`swatch availability-${cls}`} aria-hidden="true"></span>
                    {availabilityLabels[cls]}
                  </td>
                  <td>{p.marketingStage}</td>
                  <td>{p.developmentStage}</td>
                  <td>{text(p.planningZone)}</td>
                  <td class="n">{eurosPerM2(p.priceEurM2)}</td>
                  <td>{frenchDate(p.availableFrom)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <h2>Surfaces</h2>
      <Facts
        rows={[
          ['Surface du périmètre', hectares(s.areas.areaHa)],
          ['Surface utile', hectares(s.areas.usableAreaHa)],
          [
            'Surface disponible',
            s.availabilitySource === 'plots'
              ? `${hectares(s.areas.availableAreaHa)} en ${s.plots.availableCount} terrain(s) en vente`
              : `${hectares(s.areas.availableAreaHa)} (déclarée, aucun terrain enregistré)`,
          ],
          ['Surface disponible déclarée (CNIG)', hectares(s.areas.declaredAvailableAreaHa)],
          ['Plus grand terrain disponible', hectares(s.areas.maxPlotAreaHa)],
          ['Disponible à partir du', frenchDate(s.availableFrom)],
          ['Prix le plus bas (terrains en vente)', eurosPerM2(s.lowestPriceEurM2)],
          ['Friche', yesNo(item?.brownfield)],
        ]}
      />

      <h2>Réseaux</h2>
      <Facts
        rows={[
          [
            'Électricité',
            s.utilities.powerMw === null
              ? yesNo(s.utilities.electricity)
              : `${yesNo(s.utilities.electricity)}, ${megawatts(s.utilities.powerMw)}`,
          ],
          ['Gaz', yesNo(s.utilities.gas)],
          ['Eau potable', yesNo(s.utilities.drinkingWater)],
          ['Assainissement', yesNo(s.utilities.sewerage)],
          ['Eaux pluviales', yesNo(s.utilities.rainwater)],
          ['Fibre optique', yesNo(s.utilities.fibre)],
        ]}
      />

      <h2>Accès</h2>
      <Facts
        rows={[
          ['Échangeur autoroutier', distance({ name: s.access.motorway.name, km: s.access.motorway.interchangeKm })],
          ['Embranchement ferré (ITE)', yesNo(s.access.railSiding)],
          ['Quai fluvial', yesNo(s.access.riverQuay)],
          ['Gare de fret', distance(s.access.freightStation)],
          ['Gare', distance(s.access.station)],
          ['Port', distance(s.access.port)],
          ['Aéroport', distance(s.access.airport)],
          ['Transports en commun', yesNo(s.access.publicTransport)],
          ['Route principale', text(s.access.mainRoad)],
        ]}
      />

      <h2>Sobriété foncière (ZAN)</h2>
      {zan ? (
        <Facts
          rows={[
            ['Espaces NAF consommés si les terrains libres sont aménagés', hectares(zan.nafConsumptionHa)],
            ['Dont imputé sur l’enveloppe de la commune', hectares(zan.consumptionHa)],
            ['Part des terrains en friche', percent(zan.brownfieldShare)],
            ['Part déjà urbanisée (renouvellement)', percent(zan.renewalShare)],
            ['Part de l’enveloppe décennale restante de la commune', percent(zan.communeShareOfRemaining)],
            ['Part de l’enveloppe restante de l’EPCI', percent(zan.epciShareOfRemaining)],
            ['Règles appliquées', zan.ruleSet],
          ]}
        />
      ) : (
        <p>Aucun terrain à mesurer sur ce site.</p>
      )}

      <h2>Label et maturité</h2>
      <Facts
        rows={[
          ['Programme', s.turnkey.programme ? 'Sites clés en main' : 'hors programme'],
          [
            'Label',
            s.turnkey.labelDate
              ? `${labelStatus(s.turnkey.labelStatus)} (${frenchDate(s.turnkey.labelDate)})`
              : labelStatus(s.turnkey.labelStatus),
          ],
          [
            'Maturité (score de la recherche)',
            readiness ? `${frenchNumber(readiness.value * 100, 0)} sur 100 : ${readiness.reasonFr}` : '—',
          ],
          ['Score sans filtre', item ? `${frenchNumber(item.score.total, 1)} sur 100` : '—'],
          [
            'Procédures levées',
            sheet.proceduresCleared.length === 0
              ? 'aucune enregistrée'
              : sheet.proceduresCleared.map((p) => p.title).join(' ; '),
          ],
        ]}
      />

      <h2>Contacts</h2>
      <Facts rows={sheet.contacts.map((contact): [string, string] => [contact.role, contact.name])} />

      <h2>Source des données</h2>
      <Facts
        rows={[
          ['Producteur', text(s.management.producer)],
          ['Identifiant CNIG', s.cnigId],
          ['Identifié le', frenchDate(s.dates.identifiedOn)],
          ['Mis à jour le', frenchDate(s.dates.updatedOn)],
          ['Fiche établie le', frenchDate(sheet.generatedOn)],
        ]}
      />
    </Layout>,
  );
}

/** The site page of `id`, or a 404 problem. */
export async function renderSitePage(c: Context<AppEnv>, id: string, basemapStyleUrl: string | undefined) {
  const today = c.var.clock.today();
  const [sheet, shapes, scored] = await Promise.all([
    siteSheet(c.var.db, id, today),
    sitePlotShapes(c.var.db, id),
    scoredByDefault(c.var.db, [id], today),
  ]);
  if (!sheet) throw new NotFoundError('site', id);
  const item = scored.get(id);
  return c.html(sitePage(sheet, shapes, item, mapSettings(c, basemapStyleUrl)), 200, { vary: 'accept' });
}
