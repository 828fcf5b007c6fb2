/** @jsxImportSource hono/jsx */
// A site's edit form for its territory's team (issue #16 item 4): what investors filter on
// (state, power, declared availability, utilities, access distances; src/search/brief.ts) goes
// to PATCH /sites/{id} with the ETag the page was loaded with. The page embeds what it was
// loaded with (#site-loaded): after a 412 the script reads the same block from the page as it
// is now and lists what differs, the form's fields and the figures the site takes from its
// plots (a plot write moves the site's version too, sql/012).
import type { SiteRow } from '../../sites/repository.js';
import type { SiteJson } from '../../sites/representation.js';
import { siteStates, urbanisationTypes } from '../../sites/vocabulary.js';
import { clientScript } from '../assets.js';
import type { SiteLoaded } from '../client/site-changes.js';
import { Layout } from '../layout.js';

type Csrf = { name: string; value: string };

type SiteField =
  | { name: string; label: string; kind: 'text' }
  | { name: string; label: string; kind: 'date' }
  | { name: string; label: string; kind: 'flag' }
  | { name: string; label: string; kind: 'number'; step: string }
  | { name: string; label: string; kind: 'select'; values: readonly string[]; optional: boolean };

/** The form's fields, by their PATCH /sites names (src/editing/inputs.ts), French labels. */
export const siteFields: readonly SiteField[] = [
  { name: 'name', label: 'Nom du site', kind: 'text' },
  { name: 'state', label: 'État', kind: 'select', values: siteStates, optional: false },
  { name: 'urbanisationType', label: 'Type d’urbanisation', kind: 'select', values: urbanisationTypes, optional: true },
  { name: 'powerMw', label: 'Puissance électrique disponible (MW)', kind: 'number', step: '0.1' },
  { name: 'availableFrom', label: 'Disponible le (déclaré)', kind: 'date' },
  { name: 'availableAreaHa', label: 'Surface commercialisable disponible déclarée (ha)', kind: 'number', step: '0.01' },
  { name: 'networkElectricity', label: 'Réseau électrique', kind: 'flag' },
  { name: 'networkGas', label: 'Gaz', kind: 'flag' },
  { name: 'networkDrinkingWater', label: 'Eau potable', kind: 'flag' },
  { name: 'networkSewerage', label: 'Assainissement', kind: 'flag' },
  { name: 'networkFibre', label: 'Fibre optique', kind: 'flag' },
  { name: 'railSiding', label: 'Embranchement ferroviaire (ITE)', kind: 'flag' },
  { name: 'riverQuay', label: 'Quai fluvial', kind: 'flag' },
  { name: 'motorwayInterchangeKm', label: 'Distance à l’échangeur autoroutier (km)', kind: 'number', step: '0.1' },
  { name: 'freightStationKm', label: 'Distance à la gare de fret (km)', kind: 'number', step: '0.1' },
  { name: 'portKm', label: 'Distance au port (km)', kind: 'number', step: '0.1' },
];

/** What the site takes from its live plots: not in the form, but its version moves with them. */
const derivedLabels = {
  plots: 'Terrains du site',
  plotsForSale: 'Terrains en vente',
  availableAreaHa: 'Surface disponible (terrains en vente, ha)',
  maxPlotAreaHa: 'Plus grand terrain disponible (ha)',
  availableFrom: 'Disponible le (terrains en vente)',
  lowestPriceEurM2: 'Prix le plus bas (€/m²)',
} as const;

const isoDay = (value: unknown) => (value === null || value === undefined ? null : String(value).slice(0, 10));

/** The values the form shows and the derived figures, as the 412 report compares them. */
export function siteLoaded(row: SiteRow, json: SiteJson): SiteLoaded {
  const values = row as unknown as Record<string, unknown>;
  const fields = Object.fromEntries(
    siteFields.map((f) => [f.name, f.kind === 'date' ? isoDay(values[f.name]) : (values[f.name] ?? null)]),
  );
  const derived =
    json.availabilitySource === 'plots'
      ? {
          plots: json.plots.count,
          plotsForSale: json.plots.availableCount,
          availableAreaHa: json.areas.availableAreaHa,
          maxPlotAreaHa: json.areas.maxPlotAreaHa,
          availableFrom: isoDay(json.availableFrom),
          lowestPriceEurM2: json.lowestPriceEurM2,
        }
      : { plots: json.plots.count, plotsForSale: json.plots.availableCount };
  return { version: json.version, fields, derived };
}

const hectares = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const frenchDate = (iso: string | null) => (iso ? iso.split('-').reverse().join('/') : '—');
const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function Field(props: { field: SiteField; value: unknown }) {
  const { field, value } = props;
  const id = `site-${field.name}`;
  const label = <label for={id}>{field.label}</label>;
  if (field.kind === 'select' || field.kind === 'flag') {
    const options: [string, string][] =
      field.kind === 'flag'
        ? [
            ['', 'non renseigné'],
            ['true', 'oui'],
            ['false', 'non'],
          ]
        : [
            ...(field.optional ? [['', 'non renseigné'] as [string, string]] : []),
            ...field.values.map((v): [string, string] => [v, v]),
          ];
    const selected = value === null || value === undefined ? '' : String(value);
    return (
      <>
        {label}
        <select id={id} name={field.name} data-kind={field.kind}>
          {options.map(([v, text]) => (
            <option value={v} selected={v === selected}>
              {text}
            </option>
          ))}
        </select>
      </>
    );
  }
  return (
    <>
      {label}
      <input
        id={id}
        name={field.name}
        data-kind={field.kind}
        type={field.kind}
        {...(field.kind === 'number' ? { min: '0', step: field.step } : {})}
        {...(field.kind === 'text' ? { required: true, maxlength: 200 } : {})}
        value={value === null || value === undefined ? '' : String(value)}
      />
    </>
  );
}

export function SiteEditPage(props: {
  site: SiteJson;
  loaded: SiteLoaded;
  territory: { id: string; name: string };
  csrf: Csrf;
  etag: string;
}) {
  const { site, loaded, territory } = props;
  const back = `/territoire/${territory.id}`;
  const fromPlots = site.availabilitySource === 'plots';
  return (
    <Layout
      title={`Site ${site.name}`}
      crumbs={[
        { label: 'Mon territoire', href: '/territoire' },
        { label: territory.name, href: back },
        { label: site.name },
      ]}
    >
      <p class="lead">
        {site.cnigId} — {site.location.commune.name} ({site.location.commune.insee}), {site.plots.count} terrain
        {site.plots.count > 1 ? 's' : ''}, mis à jour le {frenchDate(site.dates.updatedOn)}.{' '}
        <a href={`${back}?q=${encodeURIComponent(site.name)}`}>Voir ses terrains</a>
      </p>
      <section aria-labelledby="derived-title">
        <h2 id="derived-title">Ce que le site tire de ses terrains</h2>
        {fromPlots ? (
          <ul class="issues">
            <li>
              {site.plots.availableCount} terrain{site.plots.availableCount > 1 ? 's' : ''} en vente,{' '}
              {hectares.format(site.areas.availableAreaHa ?? 0)} ha disponibles, le plus grand{' '}
              {site.areas.maxPlotAreaHa === null ? '—' : `${hectares.format(site.areas.maxPlotAreaHa)} ha`}
            </li>
            <li>Disponible le {frenchDate(site.availableFrom)} (le plus tôt des terrains en vente)</li>
          </ul>
        ) : (
          <p>Ce site n’a pas de terrain : les investisseurs lisent la surface et la date qu’il déclare ci-dessous.</p>
        )}
        <p class="hint">
          Ces chiffres se calculent à partir des terrains et ne se saisissent pas ici. La version du site change aussi
          quand un de ses terrains change : si l’enregistrement est alors refusé, la page dit lesquels de ces chiffres
          ont bougé. La zone du PLU se renseigne sur chaque terrain.
        </p>
      </section>
      <form
        id="site-form"
        class="stacked-form plot-form"
        data-site={site.id}
        data-etag={props.etag}
        data-csrf={props.csrf.value}
        aria-label={`Modifier le site ${site.name}`}
      >
        {siteFields.map((field) => (
          <Field field={field} value={loaded.fields[field.name]} />
        ))}
        <button type="submit">Enregistrer</button>
      </form>
      <section id="site-status" aria-live="polite"></section>
      <form id="site-delete-form" class="stacked-form plot-form" data-back={back}>
        <h2>Supprimer ce site</h2>
        {site.plots.count > 0 ? (
          <p>
            Ce site a encore {site.plots.count} terrain{site.plots.count > 1 ? 's' : ''} : supprimez-les d’abord (depuis
            la page de chaque terrain).
          </p>
        ) : (
          <>
            <label for="site-delete-reason">Motif (gardé dans le journal)</label>
            <input id="site-delete-reason" name="reason" type="text" required maxlength={500} />
            <button type="submit" class="danger">
              Supprimer le site
            </button>
          </>
        )}
      </form>
      <script type="application/json" id="site-loaded" dangerouslySetInnerHTML={{ __html: json(loaded) }}></script>
      <script
        type="application/json"
        id="site-labels"
        dangerouslySetInnerHTML={{
          __html: json({
            fields: Object.fromEntries(siteFields.map((f) => [f.name, f.label])),
            derived: derivedLabels,
          }),
        }}
      ></script>
      <script type="module" src={clientScript('territory-site')}></script>
    </Layout>
  );
}
