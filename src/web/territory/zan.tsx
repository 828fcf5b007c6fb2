/** @jsxImportSource hono/jsx */
// The ZAN pages of a Territoire d'industrie, an EPCI or a commune: what GET /territories/{id}/zan
// answers a browser. Key figures and the year the envelope runs out, the chart (src/zan/chart.ts,
// the one the printable report draws) with its table, the SPARTE reading beside ours, the
// communes sortable without script (?tri=), the pipeline of planned sites against what is left,
// and a project drawn on the map and simulated at every level (client script zan.ts).
import { raw } from 'hono/html';
import { assetPaths, clientScript } from '../assets.js';
import { frenchNumber, percent } from '../format.js';
import { Layout, type Crumb } from '../layout.js';
import { chartSvg, chartTable, exhaustionSentence, exhaustionText, haFr } from '../../zan/chart.js';
import type { Envelope } from '../../zan/formulas.js';
import { kindLabels } from '../../zan/report.js';
import { sparteComparison } from '../../zan/representation.js';
import type { CommuneEnvelope, territoryZan, ZanTerritory } from '../../zan/repository.js';
import { defaultRuleSetId, ruleSetSearch, type ZanRuleSet } from '../../zan/rule-sets.js';

type TerritoryZan = Awaited<ReturnType<typeof territoryZan>>;

export interface EpciEnvelope {
  siren: string;
  name: string;
  envelope: Envelope | null;
  missing: number;
}

export interface ZanPageData {
  rules: ZanRuleSet;
  territory: ZanTerritory;
  zan: TerritoryZan;
  /** The EPCI of a Territoire d'industrie, or of a commune (one). */
  epci: EpciEnvelope[];
  sort: CommuneSort;
  bounds: [number, number, number, number] | null;
  styleUrl: string;
  basemapStyleUrl?: string;
}

/** Sortable columns of the communes table, by their ?tri= name. */
const sortColumns = {
  nom: { label: 'Commune', value: (c: CommuneEnvelope) => c.name },
  enveloppe: { label: 'Enveloppe', value: (c: CommuneEnvelope) => c.envelope?.allowedHa ?? null },
  consomme: { label: 'Consommé', value: (c: CommuneEnvelope) => c.envelope?.consumedHa ?? null },
  restant: { label: 'Restant', value: (c: CommuneEnvelope) => c.envelope?.remainingHa ?? null },
  epuisement: { label: 'Épuisement', value: (c: CommuneEnvelope) => c.envelope?.exhaustionYear ?? null },
} as const;

export type SortKey = keyof typeof sortColumns;
export const sortValues = Object.keys(sortColumns).flatMap((k) => [k, `-${k}`]) as [string, ...string[]];
export interface CommuneSort {
  key: SortKey;
  descending: boolean;
}

export function parseSort(tri: string | undefined): CommuneSort {
  if (!tri) return { key: 'nom', descending: false };
  const descending = tri.startsWith('-');
  return { key: (descending ? tri.slice(1) : tri) as SortKey, descending };
}

/** Communes in the asked order; the ones without data (null figures) always last. */
export function sortCommunes(communes: CommuneEnvelope[], sort: CommuneSort): CommuneEnvelope[] {
  const value = sortColumns[sort.key].value;
  const sign = sort.descending ? -1 : 1;
  return [...communes].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return x === y ? a.name.localeCompare(b.name, 'fr') : x === null ? 1 : -1;
    const order = typeof x === 'string' ? x.localeCompare(y as string, 'fr') : x - (y as number);
    return sign * order || a.name.localeCompare(b.name, 'fr');
  });
}

function withQuery(id: string, rules: ZanRuleSet, tri?: string) {
  const query = new URLSearchParams();
  if (rules.id !== defaultRuleSetId) query.set('rule_set', rules.id);
  if (tri) query.set('tri', tri);
  const text = query.toString();
  return `/territories/${encodeURIComponent(id)}/zan${text ? `?${text}` : ''}`;
}

function Figures(props: { rules: ZanRuleSet; data: ZanPageData }) {
  const { rules, zan } = { rules: props.rules, zan: props.data.zan };
  const e = zan.envelope;
  const missing = zan.missingData;
  const guaranteeDefault = zan.communes.filter((c) => c.guarantee.basis === 'default').length;
  return (
    <dl class="facts zan-facts">
      <dt>
        Enveloppe {rules.target.from}-{rules.target.to}
      </dt>
      <dd>{e ? haFr(e.allowedHa) : 'données manquantes'}</dd>
      <dt>Consommé depuis {rules.target.from}</dt>
      <dd>{e ? haFr(e.consumedHa) : 'données manquantes'}</dd>
      <dt>Restant</dt>
      <dd>{e ? haFr(e.remainingHa) : 'données manquantes'}</dd>
      <dt>Rythme récent</dt>
      <dd>{e ? `${haFr(e.paceHaPerYear)} par an (moyenne des ${rules.paceYears} dernières années)` : '—'}</dd>
      <dt>Projection à {rules.target.to}</dt>
      <dd>{e ? haFr(e.projectedHa) : '—'}</dd>
      <dt>Épuisement</dt>
      <dd>
        <strong>{exhaustionText(rules, e)}</strong>
        {e?.yearsToExhaustion ? ` (${frenchNumber(e.yearsToExhaustion)} ans de rythme)` : ''}
      </dd>
      <dt>Garantie communale</dt>
      <dd>
        {e ? `${e.guaranteedCommunes} commune(s) relevée(s) à ${haFr(rules.communalGuaranteeHa, 0)}` : '—'}
        {e?.guaranteeWithheldCommunes
          ? `, ${e.guaranteeWithheldCommunes} sans garantie (document d’urbanisme hors délai)`
          : ''}
        {guaranteeDefault
          ? ` ; statut du document d’urbanisme non renseigné pour ${guaranteeDefault} commune(s) : garantie ` +
            (rules.communalGuarantee.default === 'applies' ? 'présumée (par défaut)' : 'refusée (par défaut)')
          : ' ; statut du document d’urbanisme renseigné pour toutes les communes'}
      </dd>
      {missing.communes ? (
        <>
          <dt>Données manquantes</dt>
          <dd class="zan-missing">
            {missing.communes} commune(s) sans consommation Cerema, hors des totaux (au moins{' '}
            {haFr(missing.allowedAtLeastHa)} d’enveloppe en plus par leur garantie)
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function Sparte(props: { rules: ZanRuleSet; envelope: Envelope | null }) {
  const sparte = sparteComparison(props.rules, props.envelope);
  if (!sparte || !props.envelope) return null;
  return (
    <section aria-labelledby="sparte">
      <h2 id="sparte">Comparaison avec SPARTE</h2>
      <section class="table-scroll" tabindex={0} aria-label="Tableau de comparaison avec SPARTE">
        <table>
          <thead>
            <tr>
              <th scope="col">Lecture</th>
              <th scope="col">Enveloppe</th>
              <th scope="col">Projection à {props.rules.target.to}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Foncier (garantie par commune)</th>
              <td>{haFr(props.envelope.allowedHa)}</td>
              <td>{haFr(props.envelope.projectedHa)}</td>
            </tr>
            <tr>
              <th scope="row">SPARTE (plancher au total)</th>
              <td>{haFr(sparte.allowedHa)}</td>
              <td>{haFr(sparte.projectedHa)}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <p>{sparte.explanation} La lecture de Foncier, commune par commune, suit la loi de plus près.</p>
    </section>
  );
}

function SortHeader(props: { id: string; rules: ZanRuleSet; sort: CommuneSort; column: SortKey }) {
  const active = props.sort.key === props.column;
  const next = active && !props.sort.descending ? `-${props.column}` : props.column;
  return (
    <th scope="col" aria-sort={active ? (props.sort.descending ? 'descending' : 'ascending') : 'none'}>
      <a href={`${withQuery(props.id, props.rules, next)}#communes`}>
        {sortColumns[props.column].label}
        {active ? (props.sort.descending ? ' ▼' : ' ▲') : ''}
        <span class="visually-hidden">
          {active && !props.sort.descending ? ', trier par ordre décroissant' : ', trier par ordre croissant'}
        </span>
      </a>
    </th>
  );
}

function Communes(props: { data: ZanPageData }) {
  const { rules, territory, zan, sort } = props.data;
  const rows = sortCommunes(zan.communes, sort);
  const header = (column: SortKey) => <SortHeader id={territory.id} rules={rules} sort={sort} column={column} />;
  return (
    <section aria-labelledby="communes">
      <h2 id="communes">Communes</h2>
      <section class="table-scroll" tabindex={0} aria-label="Tableau des communes">
        <table class="zan-communes">
          <caption>Enveloppes par commune ; cliquez un en-tête pour trier</caption>
          <thead>
            <tr>
              {header('nom')}
              {header('enveloppe')}
              {header('consomme')}
              {header('restant')}
              {header('epuisement')}
              <th scope="col">Garantie de 1 ha</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr>
                <th scope="row">
                  <a href={withQuery(c.insee, rules)}>{c.name}</a>
                </th>
                {c.envelope ? (
                  <>
                    <td>{haFr(c.envelope.allowedHa)}</td>
                    <td>{haFr(c.envelope.consumedHa)}</td>
                    <td>{haFr(c.envelope.remainingHa)}</td>
                    <td>{c.envelope.exhaustionYear ?? '—'}</td>
                  </>
                ) : (
                  <td colspan={4} class="zan-missing">
                    données manquantes
                  </td>
                )}
                <td>
                  {c.guarantee.applies ? 'oui' : 'non'}
                  {c.guarantee.basis === 'default' ? ' (par défaut)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}

function Epci(props: { data: ZanPageData }) {
  const { rules, epci } = props.data;
  if (epci.length === 0) return null;
  return (
    <section aria-labelledby="epci">
      <h2 id="epci">{props.data.territory.kind === 'commune' ? 'Son EPCI' : 'EPCI'}</h2>
      <ul class="cards">
        {epci.map((e) => (
          <li>
            <a href={withQuery(e.siren, rules)}>{e.name}</a>
            <span>
              Enveloppe {e.envelope ? haFr(e.envelope.allowedHa) : 'données manquantes'}, restant{' '}
              {e.envelope ? haFr(e.envelope.remainingHa) : '—'} ; {exhaustionText(rules, e.envelope)}
              {e.missing ? ` ; données manquantes pour ${e.missing} commune(s)` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Pipeline(props: { data: ZanPageData }) {
  const { zan } = props.data;
  const remaining = zan.envelope?.remainingHa ?? null;
  let cumulative = 0;
  return (
    <section aria-labelledby="pipeline">
      <h2 id="pipeline">Sites en projet face à l’enveloppe restante</h2>
      <p>
        {zan.pipeline.plots} terrain(s) non occupé(s) consommeraient {haFr(zan.pipeline.consumptionHa)} (hors friches et
        PENE) pour {remaining === null ? 'une enveloppe inconnue (données manquantes)' : `${haFr(remaining)} restants`}
        {zan.pipeline.pressure === null ? '' : ` : ${percent(zan.pipeline.pressure)} du restant`}.
      </p>
      {zan.pipelineSites.length ? (
        <section class="table-scroll" tabindex={0} aria-label="Tableau des sites en projet">
          <table>
            <caption>Sites par consommation attendue, cumulée face au restant</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Terrains</th>
                <th scope="col">Consommation attendue</th>
                <th scope="col">Cumul</th>
                <th scope="col">Part du restant (cumul)</th>
              </tr>
            </thead>
            <tbody>
              {zan.pipelineSites.map((s) => {
                cumulative += s.consumptionHa;
                const over = remaining !== null && cumulative > remaining;
                return (
                  <tr class={over ? 'zan-over' : ''}>
                    <th scope="row">{s.name}</th>
                    <td>{s.plots}</td>
                    <td>{haFr(s.consumptionHa)}</td>
                    <td>{haFr(cumulative)}</td>
                    <td>
                      {remaining !== null && remaining > 0 ? percent(cumulative / remaining) : 'enveloppe épuisée'}
                      {over ? ' (au-delà du restant)' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </section>
  );
}

function Simulation(props: { data: ZanPageData }) {
  const { rules, bounds, styleUrl, basemapStyleUrl } = props.data;
  const simulate = `/zan/simulate${ruleSetSearch(rules)}`;
  return (
    <section aria-labelledby="simulation">
      <h2 id="simulation">Simuler un projet</h2>
      <p id="simulation-aide">
        Dessinez l’emprise d’un projet sur la carte : la simulation donne l’enveloppe de la commune, de l’EPCI et du
        territoire avant et après. Rien n’est enregistré.
      </p>
      <div class="zan-tools">
        <button type="button" id="zan-draw" class="button" disabled>
          Dessiner un polygone
        </button>
        <button type="button" id="zan-simulate" class="button" disabled>
          Simuler
        </button>
        <button type="button" id="zan-clear" class="button secondary">
          Effacer
        </button>
      </div>
      <figure class="map-figure">
        <section
          id="zan-map"
          class="map"
          aria-label="Carte pour dessiner le projet"
          aria-describedby="simulation-aide"
          data-maplibre-module={assetPaths().maplibreJs}
          data-style={styleUrl}
          data-basemap={basemapStyleUrl ?? ''}
          data-bounds={bounds ? JSON.stringify(bounds) : ''}
          data-simulate={simulate}
        ></section>
        <figcaption>Fond : tuiles de Foncier{basemapStyleUrl ? ' sur le fond configuré' : ''}.</figcaption>
      </figure>
      <div id="zan-simulation" aria-live="polite"></div>
    </section>
  );
}

export function zanPage(data: ZanPageData): string {
  const { rules, territory, zan } = data;
  const json = new URLSearchParams({ f: 'json' });
  if (rules.id !== defaultRuleSetId) json.set('rule_set', rules.id);
  const crumbs: Crumb[] = [{ label: 'Territoires', href: '/territoires' }, { label: territory.name }];
  const label = `Consommation annuelle, enveloppe et cumul projeté : ${exhaustionText(rules, zan.envelope)}`;
  return (
    '<!doctype html>' +
    (
      <Layout
        title={`ZAN — ${territory.name}`}
        crumbs={crumbs}
        map
        alternates={[
          {
            type: 'application/json',
            href: `/territories/${encodeURIComponent(territory.id)}/zan?${json}`,
            title: 'JSON',
          },
          {
            type: 'text/html',
            href: `/territories/${encodeURIComponent(territory.id)}/zan/report${ruleSetSearch(rules)}`,
            title: 'Rapport imprimable',
          },
        ]}
      >
        <p class="lead">
          {kindLabels[territory.kind]} <code>{territory.id}</code>, {territory.communes.length} commune(s). Règle :{' '}
          {rules.title}.
        </p>
        <Figures rules={rules} data={data} />
        <section aria-labelledby="graphique">
          <h2 id="graphique">Consommation et enveloppe</h2>
          <figure class="zan-chart-figure">
            {raw(chartSvg(rules, zan.series, zan.envelope, label))}
            <figcaption>
              {'Barres : consommation décomptée par an (claires : provisoires). ' +
                `Tirets rouges : enveloppe ${rules.target.from}-${rules.target.to}. ` +
                `Ligne : cumul depuis ${rules.target.from}, en tirets sa projection à ${rules.target.to}. `}
              {exhaustionSentence(rules, zan.envelope)}
            </figcaption>
          </figure>
          <details>
            <summary>Les chiffres du graphique</summary>
            <section class="table-scroll" tabindex={0} aria-label="Tableau des chiffres du graphique">
              {raw(chartTable(rules, zan.series, zan.envelope))}
            </section>
          </details>
        </section>
        <Sparte rules={rules} envelope={zan.envelope} />
        <Epci data={data} />
        <Communes data={data} />
        <Pipeline data={data} />
        <Simulation data={data} />
        <script type="module" src={clientScript('zan')}></script>
      </Layout>
    ).toString()
  );
}
