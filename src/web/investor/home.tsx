/** @jsxImportSource hono/jsx */
// The investor home page (GET / for a browser): the filter panel, the map of the project's own
// tiles and the ranked result list, all server-rendered: the list is the API's first page of
// GET /sites for the same parameters, and the form is a GET form to / that works without script.
// The client script (src/web/client/home.ts) then takes over: it fetches GET /sites as JSON on
// every change, keeps the URL in step (pushState) and the map in step with the list.
import { clientScript, assetPaths } from '../assets.js';
import { Layout } from '../layout.js';
import type { Place } from '../../territories/places.js';
import { filterGroups, nearFilters, placeText, type Filter } from './filters.js';
import { countText, resultParts, type SiteResult } from './result.js';

export interface HomePage {
  /** The request's parameters as given (the form shows them back). */
  values: Record<string, string>;
  /** The place a region, department, territory, EPCI or commune parameter names. */
  place: Place | null;
  /** The first page of GET /sites, or null when the parameters were refused. */
  results: { total: number; totalExact: boolean; items: SiteResult[]; links: { next: string | null } } | null;
  /** The refused parameters, in French. */
  problems: string[];
  /** GET /sites for the same parameters: what the client script fetches. */
  apiUrl: string;
  /** The project's own style (its tiles) and the configured basemap. */
  styleUrl: string;
  basemapStyleUrl: string | undefined;
}

const doctype = '<!doctype html>';

function Control(props: { filter: Filter; value: string | undefined }) {
  const { filter } = props;
  const id = `f-${filter.name}`;
  const hint = filter.hint ? `${id}-aide` : undefined;
  const label = (
    <label for={id}>
      {filter.label}
      {filter.unit ? <span class="unit"> ({filter.unit})</span> : null}
    </label>
  );
  if (filter.kind === 'choice')
    return (
      <div class="field">
        {label}
        <select id={id} name={filter.name}>
          {(filter.choices ?? []).map((choice) => (
            <option value={choice.value} selected={(props.value ?? '') === choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>
    );
  return (
    <div class="field">
      {label}
      <input
        id={id}
        name={filter.name}
        type={filter.kind === 'number' ? 'number' : filter.kind === 'date' ? 'date' : 'text'}
        inputmode={filter.kind === 'number' ? 'decimal' : undefined}
        step={filter.kind === 'number' ? 'any' : undefined}
        min={filter.kind === 'number' ? '0' : undefined}
        value={props.value ?? ''}
        aria-describedby={hint}
      />
      {hint ? (
        <p class="hint" id={hint}>
          {filter.hint}
        </p>
      ) : null}
    </div>
  );
}

function Result(props: { item: SiteResult }) {
  const parts = resultParts(props.item);
  return (
    <li
      class="result"
      data-id={parts.id}
      data-point={parts.point ? parts.point.join(',') : ''}
      aria-labelledby={`r-${parts.id}`}
    >
      <h3 id={`r-${parts.id}`}>
        <a href={parts.href}>{parts.name}</a>
      </h3>
      <p class="result-place">{parts.place}</p>
      <p class="result-facts">{parts.facts.join(' · ')}</p>
      <details class="result-score">
        <summary>{parts.score}</summary>
        <ul>
          {parts.reasons.map((reason) => (
            <li>{reason}</li>
          ))}
        </ul>
      </details>
      {parts.point ? (
        <button type="button" class="result-zoom" data-zoom={parts.id}>
          Voir sur la carte
        </button>
      ) : null}
    </li>
  );
}

/** The home page's HTML. */
export function homePage(page: HomePage): string {
  const { values, place } = page;
  const next = page.results?.links.next ? new URL(page.results.links.next) : null;
  const moreHref = next ? `/${next.search}` : null;
  return (
    doctype +
    String(
      <Layout
        title="Rechercher un site industriel"
        crumbs={[{ label: 'Rechercher un site' }]}
        alternates={[{ type: 'application/json', href: page.apiUrl, title: 'Résultats en JSON (GET /sites)' }]}
        head={
          <>
            <link rel="stylesheet" href={assetPaths().maplibreCss} />
            <script type="module" src={clientScript('home')}></script>
          </>
        }
      >
        <p class="lead">
          Sites et terrains des Territoires d’industrie : décrivez votre projet, la liste classe les sites qui y
          répondent et explique chaque score.
        </p>
        <div class="home" data-api={page.apiUrl}>
          <button type="button" class="home-toggle" aria-expanded="false" aria-controls="criteres" hidden>
            Critères de recherche
          </button>
          <form id="criteres" class="home-filters" method="get" action="/" aria-label="Critères de recherche">
            <fieldset>
              <legend>Où</legend>
              <div class="field place-field">
                <label for="f-lieu">Lieu (région, département, territoire, EPCI, commune)</label>
                <input
                  id="f-lieu"
                  name={placeText}
                  type="text"
                  autocomplete="off"
                  role="combobox"
                  aria-autocomplete="list"
                  aria-expanded="false"
                  aria-controls="lieu-suggestions"
                  aria-describedby="lieu-choisi"
                  value={place?.name ?? values[placeText] ?? ''}
                />
                <input
                  type="hidden"
                  id="f-place"
                  name={place?.param ?? ''}
                  value={place?.value ?? ''}
                  data-kind={place?.kind ?? ''}
                  data-detail={place?.detail ?? ''}
                  disabled={!place}
                />
                <div id="lieu-suggestions" role="listbox" aria-label="Lieux suggérés" hidden></div>
                <p class="hint" id="lieu-choisi" aria-live="polite">
                  {place ? `${place.kind} : ${place.name}${place.detail ? ` (${place.detail})` : ''}` : ''}
                </p>
              </div>
              {nearFilters.map((filter) => (
                <Control filter={filter} value={values[filter.name]} />
              ))}
              <button type="button" class="pick-point" aria-pressed="false" hidden>
                Choisir un point sur la carte
              </button>
            </fieldset>
            {filterGroups.map((group) => (
              <fieldset>
                <legend>{group.legend}</legend>
                {group.filters.map((filter) => (
                  <Control filter={filter} value={values[filter.name]} />
                ))}
              </fieldset>
            ))}
            <div class="form-actions">
              <button type="submit">Rechercher</button>
              <a href="/">Effacer les critères</a>
            </div>
          </form>
          <div class="home-map">
            <section
              id="carte"
              class="home-map-canvas"
              aria-label="Carte des sites (la liste des résultats en donne le contenu)"
              data-maplibre={assetPaths().maplibreJs}
              data-style={page.styleUrl}
              data-basemap={page.basemapStyleUrl ?? ''}
            ></section>
          </div>
          <section class="home-results" aria-labelledby="resultats-titre">
            <h2 id="resultats-titre">Résultats</h2>
            <div class="problems" role="alert">
              {page.problems.length > 0 ? (
                <>
                  <p>Ces critères ne peuvent pas être appliqués :</p>
                  <ul>
                    {page.problems.map((problem) => (
                      <li>{problem}</li>
                    ))}
                  </ul>
                </>
              ) : null}
            </div>
            <p class="result-count" aria-live="polite">
              {page.results ? countText(page.results.total, page.results.totalExact) : ''}
            </p>
            <ol class="results">
              {(page.results?.items ?? []).map((item) => (
                <Result item={item} />
              ))}
            </ol>
            <p class="more" hidden={!moreHref}>
              <a href={moreHref ?? '/'} data-next={page.results?.links.next ?? ''}>
                Résultats suivants
              </a>
            </p>
          </section>
        </div>
      </Layout>,
    )
  );
}
