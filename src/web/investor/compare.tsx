/** @jsxImportSource hono/jsx */
// The comparison page (GET /sites/compare?ids=… asked by a browser): 2 to 5 sites side by side,
// one row per criterion (price, brownfield, ZAN, largest available plot, availability, power,
// access, label, the default score and its components), each site with a link to remove it.
// On a bad request the page shows the API's problem, explained in French, with its status.
import { type AppError, problemDocument } from '../../http/errors.js';
import type { ComparedSite } from '../../search/compare.js';
import { clientScript } from '../assets.js';
import { Layout, safeJson } from '../layout.js';
import * as fr from '../format.js';
import { labelStatus } from './format.js';
import { compareMax, compareUrl, sitePageUrl } from './links.js';

const render = (element: unknown) => `<!doctype html>${String(element)}`;

/** The score components (search/score.ts) under their French names. */
const componentNames: Record<string, string> = {
  size: 'Surface',
  readiness: 'Maturité',
  power: 'Puissance électrique',
  motorway: 'Autoroute',
  distance: 'Distance',
  rail: 'Embranchement ferré',
  price: 'Prix',
  brownfield: 'Friche',
  territory: "Territoire d'industrie",
};

/** The rows of the page: a French heading and each site's value as text. */
const rows: [string, (s: ComparedSite) => string][] = [
  ['Commune', ({ sheet: { site } }) => `${site.location.commune.name} (${site.location.commune.department})`],
  ['EPCI', ({ sheet: { site } }) => site.location.epci.name],
  [
    "Territoire d'industrie",
    ({ sheet: { site } }) => site.location.territories.map((t) => t.name).join(', ') || 'aucun',
  ],
  ['Prix le plus bas', ({ item }) => fr.eurosPerM2(item.lowestPriceEurM2)],
  ['Friche', ({ item }) => fr.yesNo(item.brownfield)],
  ['Espaces NAF consommés (ZAN)', ({ sheet }) => (sheet.zan ? fr.hectares(sheet.zan.nafConsumptionHa) : '—')],
  ['Part de l’enveloppe restante de la commune', ({ sheet }) => fr.percent(sheet.zan?.communeShareOfRemaining)],
  ['Plus grand terrain disponible', ({ sheet: { site } }) => fr.hectares(site.areas.maxPlotAreaHa)],
  ['Surface disponible', ({ sheet: { site } }) => fr.hectares(site.areas.availableAreaHa)],
  ['Disponible à partir du', ({ sheet: { site } }) => fr.frenchDate(site.availableFrom)],
  ['Puissance électrique', ({ sheet: { site } }) => fr.megawatts(site.utilities.powerMw)],
  ['Échangeur autoroutier', ({ sheet: { site } }) => fr.kilometres(site.access.motorway.interchangeKm)],
  ['Embranchement ferré (ITE)', ({ sheet: { site } }) => fr.yesNo(site.access.railSiding)],
  ['Quai fluvial', ({ sheet: { site } }) => fr.yesNo(site.access.riverQuay)],
  ['Gare de fret', ({ sheet: { site } }) => fr.kilometres(site.access.freightStation.km)],
  ['Port', ({ sheet: { site } }) => fr.kilometres(site.access.port.km)],
  ['Label', ({ sheet: { site } }) => labelStatus(site.turnkey.labelStatus)],
  ['Score (sur 100)', ({ item }) => fr.frenchNumber(item.score.total, 1)],
];

/** Where "Retirer" leads: the comparison of the others, or the one site left. */
const without = (ids: string[], id: string) => {
  const others = ids.filter((other) => other !== id);
  return others.length >= 2 ? compareUrl(others) : sitePageUrl(others[0] ?? id);
};

export function comparePage(compared: ComparedSite[]): string {
  const ids = compared.map((c) => c.sheet.site.id);
  const components = compared[0]?.item.score.components.map((c) => c.name) ?? [];
  return render(
    <Layout
      title="Comparaison de sites"
      crumbs={[{ label: 'Accueil', href: '/' }, { label: 'Comparaison' }]}
      alternates={[{ type: 'application/json', href: `${compareUrl(ids)}&f=json`, title: 'JSON' }]}
      scripts={[clientScript('compare-page')]}
    >
      <p class="lead">
        {`${compared.length} sites côte à côte. Le score est celui de la recherche sans filtre ; ` +
          'chaque composante est notée de 0 à 1.'}
      </p>
      <section
        class="table-scroll compare"
        tabindex={0}
        aria-label="Tableau de comparaison"
        data-compare-ids={ids.join(',')}
      >
        <table>
          <thead>
            <tr>
              <th scope="col">Critère</th>
              {compared.map(({ sheet: { site } }) => (
                <th scope="col">
                  <a href={sitePageUrl(site.id)}>{site.name}</a>
                  <br />
                  <a class="remove" href={without(ids, site.id)} data-compare-remove={site.id}>
                    {`Retirer ${site.name}`}
                  </a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, read]) => (
              <tr>
                <th scope="row">{label}</th>
                {compared.map((site) => (
                  <td>{read(site)}</td>
                ))}
              </tr>
            ))}
            {components.map((name) => (
              <tr>
                <th scope="row">{`Score : ${componentNames[name] ?? name}`}</th>
                {compared.map(({ item }) => {
                  const component = item.score.components.find((c) => c.name === name);
                  return (
                    <td>
                      {component ? fr.frenchNumber(component.value, 2) : '—'}
                      {component ? <span class="reason">{component.reasonFr}</span> : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>,
  );
}

/** GET /sites/compare without ids in a browser: its script opens the basket's comparison, or says how to fill it. */
export function basketPage(): string {
  return render(
    <Layout
      title="Comparaison de sites"
      crumbs={[{ label: 'Accueil', href: '/' }, { label: 'Comparaison' }]}
      scripts={[clientScript('compare-page')]}
    >
      <p class="lead" role="status" data-compare-basket>
        {`Ajoutez de 2 à ${compareMax} sites depuis leur page (« Ajouter à la comparaison ») pour les comparer ici.`}
      </p>
      <p>
        <a href="/">Chercher des sites</a>
      </p>
    </Layout>,
  );
}

const problemExplanations: Record<number, string> = {
  400:
    'La comparaison demande de 2 à 5 identifiants de site (UUID) différents, séparés par des virgules : ' +
    '/sites/compare?ids=a,b.',

  404: 'Un des sites demandés n’existe pas ou a été supprimé.',
};

/**
 * The API's problem on a page: what is wrong in French, then the problem as the API words it; the
 * problem document itself rides along (`script#problem`, application/problem+json) for programs.
 */
export function compareProblemPage(error: AppError, instance: string): string {
  return render(
    <Layout title="Comparaison impossible" crumbs={[{ label: 'Accueil', href: '/' }, { label: 'Comparaison' }]}>
      <p class="lead" role="alert">
        {problemExplanations[error.status] ?? 'La comparaison ne peut pas être affichée.'}
      </p>
      <h2>{`Réponse de l’API (${error.status})`}</h2>
      <dl class="facts">
        <dt>Problème</dt>
        <dd>
          <code>{error.code}</code>
        </dd>
        <dt>Détail</dt>
        <dd lang="en">{error.detail}</dd>
      </dl>
      <p>
        <a href="/">Retour à la recherche</a>
      </p>
      <script
        type="application/problem+json"
        id="problem"
        dangerouslySetInnerHTML={{ __html: safeJson(problemDocument(error, instance)) }}
      ></script>
    </Layout>,
  );
}
