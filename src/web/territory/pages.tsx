/** @jsxImportSource hono/jsx */
// The territory team's pages (issue #16 items 1–4), in French: the territories a key keeps, a
// territory's inventory with filters, its data quality, the import of its CNIG files (dry run
// report row by row, then commit) and a plot's edit form with its geometry on the map. The
// forms talk to the JSON API from the pages' scripts (client/territory-*.ts) with the session's
// CSRF token; the server renders everything the page shows first.
import type { PlotJson } from '../../plots/representation.js';
import {
  developmentStages,
  landControls,
  landUses,
  marketingStages,
  occupations,
  planningZones,
} from '../../plots/vocabulary.js';
import type { PlotCheck, QualityReport } from '../../quality/representation.js';
import { assetPaths, clientScript } from '../assets.js';
import { Layout, MapFigure, type Crumb } from '../layout.js';
import { SignOutForm } from '../sign-in-page.js';
import type { InventoryFilters, InventoryPlot, InventorySite } from './inventory.js';

type Csrf = { name: string; value: string };

const hectares = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const ha = (value: number) => `${hectares.format(value)} ha`;
const frenchDate = (iso: string | null) => (iso ? iso.split('-').reverse().join('/') : '—');

const home: Crumb = { label: 'Mon territoire', href: '/territoire' };
const territoryCrumb = (t: { id: string; name: string }): Crumb => ({ label: t.name, href: `/territoire/${t.id}` });

/** A check said in French, from its code and figures (the API's reason is English). */
export function checkText(check: PlotCheck): string {
  if (check.check === 'declared_area')
    return `surface déclarée ${ha(check.declaredHa)}, dessinée ${ha(check.drawnHa)} (${check.differencePct > 0 ? '+' : ''}${decimal.format(check.differencePct)} %)`;
  return `parcelles de la commune ${check.parcelCommunes.join(', ')} sur un terrain de ${check.plotCommune} : ${check.parcels.join(', ')}`;
}

function TerritoryNav(props: { territory: { id: string; name: string }; current: string }) {
  const links = [
    { href: `/territoire/${props.territory.id}`, label: 'Inventaire' },
    { href: `/territoire/${props.territory.id}/qualite`, label: 'Qualité des données' },
    { href: `/territoire/${props.territory.id}/import`, label: 'Importer un fichier' },
  ];
  return (
    <nav aria-label="Pages du territoire" class="territory-nav">
      <ul>
        {links.map((l) => (
          <li>
            <a href={l.href} aria-current={l.href === props.current ? 'page' : undefined}>
              {l.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function TerritoriesPage(props: { territories: { id: string; name: string }[]; who: string; csrf: Csrf }) {
  return (
    <Layout title="Mon territoire" crumbs={[{ label: 'Foncier', href: '/' }, { label: 'Mon territoire' }]}>
      <p class="lead">
        Connecté avec la clé <strong>{props.who}</strong>. Choisissez le territoire dont vous tenez l’inventaire.
      </p>
      {props.territories.length === 0 ? (
        <p>Cette clé ne couvre aucun territoire.</p>
      ) : (
        <ul class="cards">
          {props.territories.map((t) => (
            <li>
              <a href={`/territoire/${t.id}`}>{t.name}</a> <span>{t.id}</span>
            </li>
          ))}
        </ul>
      )}
      <SignOutForm csrf={props.csrf} />
    </Layout>
  );
}

function Choice(props: { id: string; label: string; values: readonly string[]; selected: string }) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        {props.values.map((v) => (
          <option value={v} selected={v === props.selected}>
            {v}
          </option>
        ))}
      </select>
    </>
  );
}

/** A plot from its cadastral parcels: POST /plots without a geometry takes their union. */
function NewPlotForm(props: { sites: { id: string; name: string }[]; csrf: Csrf }) {
  return (
    <details class="new-plot">
      <summary>Créer un terrain à partir de parcelles cadastrales</summary>
      <form id="new-plot-form" class="stacked-form plot-form" data-csrf={props.csrf.value}>
        <label for="siteId">Site</label>
        <select id="siteId" name="siteId" required>
          {props.sites.map((site) => (
            <option value={site.id}>{site.name}</option>
          ))}
        </select>
        <label for="cadastralRefs">Parcelles (identifiants de 14 caractères, séparés par des espaces)</label>
        <textarea id="cadastralRefs" name="cadastralRefs" rows={2} required spellcheck={false}></textarea>
        <Choice id="landControl" label="Maîtrise foncière" values={landControls} selected="commune" />
        <Choice id="developmentStage" label="Aménagement" values={developmentStages} selected="inconnu" />
        <Choice id="marketingStage" label="Commercialisation" values={marketingStages} selected="en vente" />
        <Choice id="occupation" label="Occupation" values={occupations} selected="inoccupé" />
        <Choice id="landUse" label="Usage" values={landUses} selected="inconnu" />
        <button type="submit">Créer le terrain</button>
      </form>
      <section id="new-plot-status" aria-live="polite"></section>
      <script type="module" src={clientScript('territory-new-plot')}></script>
    </details>
  );
}

export function InventoryPage(props: {
  territory: { id: string; name: string };
  plots: InventoryPlot[];
  filters: InventoryFilters;
  sites: InventorySite[];
  csrf: Csrf;
}) {
  const { territory, plots, filters } = props;
  const here = `/territoire/${territory.id}`;
  return (
    <Layout title={`Inventaire — ${territory.name}`} crumbs={[home, { label: territory.name }]}>
      <TerritoryNav territory={territory} current={here} />
      <form method="get" action={here} class="filters" aria-label="Filtrer les terrains">
        <div>
          <label for="q">Site ou identifiant</label>
          <input id="q" name="q" type="search" value={filters.q ?? ''} />
        </div>
        <div>
          <label for="etape">Commercialisation</label>
          <select id="etape" name="etape">
            <option value="">toutes</option>
            {marketingStages.map((s) => (
              <option value={s} selected={filters.stage === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="check">
          <input id="controles" name="controles" type="checkbox" value="1" checked={filters.failing === true} />
          <label for="controles">Seulement les terrains à vérifier</label>
        </div>
        <div class="stacked-form">
          <button type="submit">Filtrer</button>
        </div>
      </form>
      <h2>Sites</h2>
      <section class="table-scroll" tabindex={0} aria-label="Sites du territoire">
        <table class="inventory-sites">
          <caption>
            {props.sites.length} site{props.sites.length > 1 ? 's' : ''} du territoire {territory.name}
          </caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Commune (INSEE)</th>
              <th scope="col">Puissance</th>
              <th scope="col">Disponible le</th>
              <th scope="col">Terrains</th>
            </tr>
          </thead>
          <tbody>
            {props.sites.map((site) => (
              <tr>
                <th scope="row">
                  <a href={`${here}/sites/${site.id}`}>{site.name}</a>
                </th>
                <td>{site.communeInsee}</td>
                <td class="num">{site.powerMw === null ? 'non renseignée' : `${decimal.format(site.powerMw)} MW`}</td>
                <td>{frenchDate(site.availableFrom)}</td>
                <td class="num">
                  <a
                    href={`${here}?q=${encodeURIComponent(site.name)}`}
                    aria-label={`${site.plots} terrain${site.plots > 1 ? 's' : ''} du site ${site.name}`}
                  >
                    {site.plots}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <h2>Terrains</h2>
      <NewPlotForm sites={props.sites} csrf={props.csrf} />
      <p role="status">
        {plots.length} terrain{plots.length > 1 ? 's' : ''}
      </p>
      <section class="table-scroll" tabindex={0} aria-label="Terrains du territoire">
        <table class="inventory">
          <caption>Terrains du territoire {territory.name}</caption>
          <thead>
            <tr>
              <th scope="col">Terrain</th>
              <th scope="col">Site</th>
              <th scope="col">Surface</th>
              <th scope="col">Commercialisation</th>
              <th scope="col">Prix (€/m²)</th>
              <th scope="col">Disponible le</th>
              <th scope="col">Mis à jour le</th>
              <th scope="col">À vérifier</th>
            </tr>
          </thead>
          <tbody>
            {plots.map((p) => (
              <tr>
                <th scope="row">
                  <a href={`/territoire/terrains/${p.id}`}>{p.cnigId}</a>
                </th>
                <td>{p.siteName}</td>
                <td class="num">{ha(p.areaHa)}</td>
                <td>{p.marketingStage}</td>
                <td class="num">{p.priceEurM2 === null ? '—' : decimal.format(p.priceEurM2)}</td>
                <td>{frenchDate(p.availableFrom)}</td>
                <td>{frenchDate(p.updatedOn)}</td>
                <td>{p.checks.length ? p.checks.map(checkText).join(' ; ') : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}

const missingText = { powerMw: 'puissance électrique (MW)', availableFrom: 'date de disponibilité' } as const;

export function QualityPage(props: { report: QualityReport }) {
  const { report } = props;
  const { territory, counts } = report;
  const summary = [
    {
      label: 'Surface déclarée et dessinée écartées de plus de 10 %',
      count: counts.areaMismatches,
      anchor: 'controles',
    },
    { label: 'Parcelles d’une autre commune', count: counts.parcelCommunes, anchor: 'controles' },
    { label: 'Terrains qui se chevauchent', count: counts.overlaps, anchor: 'chevauchements' },
    {
      label: 'Sites sans puissance ou date de disponibilité',
      count: counts.missingInvestorFields,
      anchor: 'manquants',
    },
    {
      label: `Fiches non mises à jour depuis ${report.thresholds.staleMonths} mois`,
      count: counts.stale,
      anchor: 'anciennes',
    },
  ];
  return (
    <Layout
      title={`Qualité des données — ${territory.name}`}
      crumbs={[home, territoryCrumb(territory), { label: 'Qualité' }]}
    >
      <TerritoryNav territory={territory} current={`/territoire/${territory.id}/qualite`} />
      <p class="lead">
        {counts.sites} sites et {counts.plots} terrains, au {frenchDate(report.today)}.
      </p>
      <ul class="quality-summary">
        {summary.map((s) => (
          <li class={s.count > 0 ? 'to-check' : 'ok'}>
            <a href={`#${s.anchor}`}>
              <strong>{s.count}</strong> {s.label}
            </a>
          </li>
        ))}
      </ul>
      <h2 id="controles">Terrains à vérifier</h2>
      {report.plotChecks.length === 0 ? (
        <p>Aucun terrain en écart.</p>
      ) : (
        <ul class="issues">
          {report.plotChecks.map((p) => (
            <li>
              <a href={`/territoire/terrains/${p.id}`}>{p.cnigId}</a> ({p.site.name}) :{' '}
              {p.checks.map(checkText).join(' ; ')}
            </li>
          ))}
        </ul>
      )}
      <h2 id="chevauchements">Terrains qui se chevauchent</h2>
      {report.overlaps.length === 0 ? (
        <p>Aucun chevauchement.</p>
      ) : (
        <ul class="issues">
          {report.overlaps.map((o) => (
            <li>
              <a href={`/territoire/terrains/${o.plots[0].id}`}>{o.plots[0].cnigId}</a> et{' '}
              <a href={`/territoire/terrains/${o.plots[1].id}`}>{o.plots[1].cnigId}</a> :{' '}
              {o.overlapHa < 0.01 ? 'moins de 0,01 ha' : ha(o.overlapHa)} en commun
            </li>
          ))}
        </ul>
      )}
      <h2 id="manquants">Ce que les investisseurs cherchent et qui manque</h2>
      {report.missingInvestorFields.length === 0 ? (
        <p>Rien ne manque.</p>
      ) : (
        <ul class="issues">
          {report.missingInvestorFields.map((m) => (
            <li>
              {m.site.name} ({m.site.cnigId}) : {m.missing.map((f) => missingText[f]).join(', ')}
            </li>
          ))}
        </ul>
      )}
      <h2 id="anciennes">Fiches anciennes</h2>
      {report.stale.length === 0 ? (
        <p>Toutes les fiches ont été mises à jour depuis moins de {report.thresholds.staleMonths} mois.</p>
      ) : (
        <details>
          <summary>
            {report.stale.length} fiche{report.stale.length > 1 ? 's' : ''} sans mise à jour depuis{' '}
            {report.thresholds.staleMonths} mois (les plus anciennes d’abord)
          </summary>
          <ul class="issues">
            {report.stale.map((s) => (
              <li>
                {s.entity === 'site' ? 'Site' : 'Terrain'} {s.cnigId} ({s.name}) : mis à jour le{' '}
                {frenchDate(s.updatedOn)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Layout>
  );
}

export function ImportPage(props: { territory: { id: string; name: string }; csrf: Csrf }) {
  const { territory } = props;
  return (
    <Layout
      title={`Importer un fichier — ${territory.name}`}
      crumbs={[home, territoryCrumb(territory), { label: 'Import' }]}
    >
      <TerritoryNav territory={territory} current={`/territoire/${territory.id}/import`} />
      <p class="lead">
        Un fichier CNIG « Sites économiques » (CSV séparé par des points-virgules, ou GeoJSON) de votre territoire. Il
        est d’abord vérifié sans rien écrire ; le rapport dit, ligne par ligne, ce qui serait refusé et pourquoi. Les
        lignes hors de votre territoire sont refusées.
      </p>
      <form class="stacked-form" id="import-form" data-csrf={props.csrf.value}>
        <label for="kind">Classe</label>
        <select id="kind" name="kind">
          <option value="terrain-eco">terrain-eco (terrains)</option>
          <option value="site-eco">site-eco (sites)</option>
        </select>
        <label for="file">Fichier</label>
        <input id="file" name="file" type="file" accept=".csv,.geojson,.json,.geojsonl" required />
        <button type="submit" id="dry-run">
          Vérifier le fichier
        </button>
      </form>
      <section id="import-report" aria-live="polite"></section>
      <div class="stacked-form">
        <button type="button" id="commit" hidden>
          Importer pour de bon
        </button>
      </div>
      <script type="module" src={clientScript('territory-import')}></script>
    </Layout>
  );
}

/** The fields the edit form changes, with their French labels (the 412 report names them). */
export const editableFields = [
  { name: 'marketingStage', label: 'Commercialisation' },
  { name: 'developmentStage', label: 'Aménagement' },
  { name: 'priceEurM2', label: 'Prix (€/m²)' },
  { name: 'planningZone', label: 'Zone du PLU' },
  { name: 'availableFrom', label: 'Disponible le' },
] as const;

export function PlotEditPage(props: {
  plot: PlotJson;
  territory: { id: string; name: string };
  csrf: Csrf;
  etag: string;
  styleUrl: string;
  basemapStyleUrl: string | undefined;
}) {
  const { plot, territory } = props;
  const loaded = Object.fromEntries([
    ...editableFields.map((f) => [f.name, plot[f.name]]),
    ['geometry', plot.geometry],
  ]);
  return (
    <Layout title={`Terrain ${plot.cnigId}`} crumbs={[home, territoryCrumb(territory), { label: plot.cnigId }]}>
      {/* The map is this page's script's (territory-plot.ts, with Terra Draw), not ogc-map.js's. */}
      <link rel="stylesheet" href={assetPaths().maplibreCss} />
      <p class="lead">
        {plot.site.name} — {ha(plot.areaHa)} dessinés, {ha(plot.grossAreaHa)} déclarés.
      </p>
      <section aria-labelledby="checks-title">
        <h2 id="checks-title">Contrôles</h2>
        <ul id="plot-checks" class="issues">
          {plot.checks.length === 0 ? <li>Aucun écart.</li> : plot.checks.map((c) => <li>{checkText(c)}</li>)}
        </ul>
      </section>
      <form
        id="plot-form"
        class="stacked-form plot-form"
        data-plot={plot.id}
        data-etag={props.etag}
        data-csrf={props.csrf.value}
        data-maplibre-for="plot-map"
      >
        <label for="marketingStage">Commercialisation</label>
        <select id="marketingStage" name="marketingStage">
          {marketingStages.map((s) => (
            <option value={s} selected={plot.marketingStage === s}>
              {s}
            </option>
          ))}
        </select>
        <label for="developmentStage">Aménagement</label>
        <select id="developmentStage" name="developmentStage">
          {developmentStages.map((s) => (
            <option value={s} selected={plot.developmentStage === s}>
              {s}
            </option>
          ))}
        </select>
        <label for="priceEurM2">Prix (€/m²)</label>
        <input id="priceEurM2" name="priceEurM2" type="number" min="0" step="0.01" value={plot.priceEurM2 ?? ''} />
        <label for="planningZone">Zone du PLU</label>
        <select id="planningZone" name="planningZone">
          <option value="">non renseignée</option>
          {planningZones.map((z) => (
            <option value={z} selected={plot.planningZone === z}>
              {z}
            </option>
          ))}
        </select>
        <label for="availableFrom">Disponible le</label>
        <input id="availableFrom" name="availableFrom" type="date" value={plot.availableFrom ?? ''} />
        <p class="hint">Sur la carte : cliquez le contour pour le sélectionner, puis déplacez ses sommets.</p>
        <button type="submit">Enregistrer</button>
        <button type="button" id="redraw">
          Redessiner le contour
        </button>
      </form>
      <section id="plot-status" aria-live="polite"></section>
      <MapFigure
        id="plot-map"
        label={`Contour du terrain ${plot.cnigId}`}
        styleUrl={props.styleUrl}
        basemapStyleUrl={props.basemapStyleUrl}
        bounds={plot.bbox as [number, number, number, number] | null}
      />
      <form id="delete-form" class="stacked-form plot-form" data-back={`/territoire/${territory.id}`}>
        <h2>Supprimer ce terrain</h2>
        <label for="delete-reason">Motif (gardé dans le journal)</label>
        <input id="delete-reason" name="reason" type="text" required maxlength={500} />
        <button type="submit" class="danger">
          Supprimer le terrain
        </button>
      </form>
      <script
        type="application/json"
        id="plot-loaded"
        dangerouslySetInnerHTML={{ __html: JSON.stringify(loaded).replace(/</g, '\\u003c') }}
      ></script>
      <script
        type="application/json"
        id="plot-labels"
        dangerouslySetInnerHTML={{
          __html: JSON.stringify(
            Object.fromEntries([...editableFields.map((f) => [f.name, f.label]), ['geometry', 'Contour']]),
          ),
        }}
      ></script>
      <script type="module" src={clientScript('territory-plot')}></script>
    </Layout>
  );
}
