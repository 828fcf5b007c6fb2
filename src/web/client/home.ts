// The investor home page in the browser. The server rendered the form, the map element and the
// first list; this script takes over: every change of the form fetches GET /sites as JSON with
// the form's parameters (the API's own names) and pushes the same query onto the URL (/?…), back
// and forward restore both; places come by name from GET /places; the map (MapLibre, imported
// from the URL the page gives) shows the project's own tiles and the results, kept in step with
// the list: hovering a result highlights its point, "Voir sur la carte" zooms to it.
import { countText, resultParts, type ResultParts, type SiteResult } from '../investor/result.js';
import { frenchProblem, placeText, type InvalidParam } from '../investor/filters.js';
import { placeKinds, placeParams } from '../../territories/place-kinds.js';
import { required } from './dom.js';
import { frenchLocale, mapStyle } from './map.js';

interface SearchPage {
  total: number;
  totalExact: boolean;
  items: SiteResult[];
  links: { next: string | null };
}

interface PlaceSuggestion {
  param: string;
  value: string;
  name: string;
  kind: string;
  detail: string | null;
}

// The slice of MapLibre this page uses (the module is loaded at run time, not bundled).
interface GeoJsonSource {
  setData(data: unknown): void;
}
interface MapLike {
  on(event: string, handler: (event: MapEvent) => void): void;
  on(event: string, layer: string, handler: (event: MapEvent) => void): void;
  once(event: string, handler: () => void): void;
  addSource(id: string, source: unknown): void;
  addLayer(layer: unknown): void;
  getSource(id: string): GeoJsonSource | undefined;
  setFeatureState(feature: { source: string; id: string | number }, state: Record<string, unknown>): void;
  removeFeatureState(feature: { source: string; id?: string | number }): void;
  flyTo(options: { center: [number, number]; zoom: number }): void;
  fitBounds(bounds: [[number, number], [number, number]], options: unknown): void;
  getCanvas(): HTMLCanvasElement;
  addControl(control: unknown, position: string): void;
}
interface MapEvent {
  lngLat: { lng: number; lat: number };
  features?: Array<{ id?: string | number; properties: Record<string, unknown> }>;
}

const home = required('.home');
const form = required<HTMLFormElement>('#criteres');
const list = required<HTMLOListElement>('.results');
const count = required('.result-count');
const problems = required('.problems');
const more = required('.more');
const moreLink = required<HTMLAnchorElement>('.more a');
const placeInput = required<HTMLInputElement>('#f-lieu');
const placeField = required<HTMLInputElement>('#f-place');
const placeChosen = required('#lieu-choisi');
const suggestions = required('#lieu-suggestions');
const nearInput = required<HTMLInputElement>('#f-near');
const radiusInput = required<HTMLInputElement>('#f-radius_km');
const pickPoint = required<HTMLButtonElement>('.pick-point');
const toggle = required<HTMLButtonElement>('.home-toggle');
const mapElement = required('#carte');

let results: ResultParts[] = [];
let map: MapLike | null = null;
let hovered: string | null = null;

// --- the search: form ↔ URL ↔ GET /sites

/** The form's parameters as the API names them: empty fields and the place's text left out. */
function formQuery(): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name === placeText || typeof value !== 'string' || value.trim() === '') continue;
    params.append(name, value.trim());
  }
  return params;
}

/** The form as a query says (back and forward): every control set from it, the others emptied. */
function fillForm(params: URLSearchParams, place: PlaceSuggestion | null): void {
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement)) continue;
    if (element === placeInput || element === placeField || !element.name) continue;
    element.value = params.get(element.name) ?? '';
  }
  setPlace(place);
}

function setPlace(place: PlaceSuggestion | null): void {
  placeField.name = place?.param ?? '';
  placeField.value = place?.value ?? '';
  placeField.disabled = !place;
  placeInput.value = place?.name ?? '';
  placeChosen.textContent = place ? `${place.kind} : ${place.name}${place.detail ? ` (${place.detail})` : ''}` : '';
}

// Places chosen on this page, by `param=value`: back and forward name them without asking again.
const knownPlaces = new Map<string, PlaceSuggestion>();
const remember = (place: PlaceSuggestion) => knownPlaces.set(`${place.param}=${place.value}`, place);

/** The place a query names: one chosen before, or looked up by its code. */
async function placeOf(params: URLSearchParams): Promise<PlaceSuggestion | null> {
  for (const param of placeParams) {
    const value = params.get(param);
    if (!value) continue;
    const known = knownPlaces.get(`${param}=${value}`);
    if (known) return known;
    const found = (await fetchPlaces(value)).find((p) => p.param === param && p.value === value);
    return found ?? { param, value, name: value, kind: placeKinds[param], detail: null };
  }
  return null;
}

let pending: AbortController | null = null;

/** Fetches one page of GET /sites; `append` adds it under the list (more results by cursor). */
async function search(url: string, append: boolean): Promise<void> {
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  home.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: controller.signal });
    const body = (await response.json()) as SearchPage & { invalidParams?: InvalidParam[]; detail?: string };
    if (!response.ok) {
      showProblems(body.invalidParams?.map(frenchProblem) ?? [body.detail ?? `Erreur ${response.status}`]);
      if (!append) renderList(null);
      return;
    }
    showProblems([]);
    renderList(body, append);
  } catch (error) {
    if ((error as Error).name === 'AbortError') return;
    showProblems(['La recherche n’a pas abouti : le serveur ne répond pas.']);
  } finally {
    if (pending === controller) {
      pending = null;
      home.removeAttribute('aria-busy');
      home.dataset.ready = 'true';
    }
  }
}

function showProblems(texts: string[]): void {
  problems.replaceChildren();
  if (texts.length === 0) return;
  const intro = document.createElement('p');
  intro.textContent = 'Ces critères ne peuvent pas être appliqués :';
  const ul = document.createElement('ul');
  for (const text of texts) ul.append(element('li', text));
  problems.append(intro, ul);
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** One result as the server renders it (src/web/investor/home.tsx, Result). */
function resultElement(parts: ResultParts): HTMLLIElement {
  const li = element('li', undefined, 'result');
  li.dataset.id = parts.id;
  li.dataset.point = parts.point ? parts.point.join(',') : '';
  li.setAttribute('aria-labelledby', `r-${parts.id}`);
  const h3 = element('h3');
  h3.id = `r-${parts.id}`;
  const a = element('a', parts.name);
  a.href = parts.href;
  h3.append(a);
  const details = element('details', undefined, 'result-score');
  const reasons = element('ul');
  for (const reason of parts.reasons) reasons.append(element('li', reason));
  details.append(element('summary', parts.score), reasons);
  li.append(
    h3,
    element('p', parts.place, 'result-place'),
    element('p', parts.facts.join(' · '), 'result-facts'),
    details,
  );
  if (parts.point) {
    const zoom = element('button', 'Voir sur la carte', 'result-zoom');
    zoom.type = 'button';
    zoom.dataset.zoom = parts.id;
    li.append(zoom);
  }
  return li;
}

function renderList(page: SearchPage | null, append = false): void {
  const parts = (page?.items ?? []).map(resultParts);
  results = append ? [...results, ...parts] : parts;
  if (append) list.append(...parts.map(resultElement));
  else list.replaceChildren(...parts.map(resultElement));
  count.textContent = page ? countText(page.total, page.totalExact) : '';
  const next = page?.links.next ?? null;
  more.hidden = !next;
  moreLink.dataset.next = next ?? '';
  if (next) moreLink.href = `/${new URL(next, location.href).search}`;
  drawResults(!append);
}

/** A change of the form: the URL and the list follow. */
function changed(): void {
  const query = formQuery().toString();
  const target = query ? `/?${query}` : '/';
  if (target !== location.pathname + location.search) history.pushState(null, '', target);
  void search(`/sites${query ? `?${query}` : ''}`, false);
}

let debounce: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('input', (event) => {
  if (event.target === placeInput) return;
  clearTimeout(debounce);
  debounce = setTimeout(changed, 400);
});
form.addEventListener('change', (event) => {
  if (event.target === placeInput) return;
  clearTimeout(debounce);
  changed();
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearTimeout(debounce);
  // A name typed but not chosen among the suggestions: the best suggestion, as the server does.
  const typed = placeInput.value.trim();
  const chosen = placeField.name ? knownPlaces.get(`${placeField.name}=${placeField.value}`) : undefined;
  if (typed && typed !== chosen?.name) {
    const [best] = await fetchPlaces(typed);
    if (best) return choose(best);
  }
  changed();
});
window.addEventListener('popstate', async () => {
  const params = new URLSearchParams(location.search);
  fillForm(params, await placeOf(params));
  drawNear();
  void search(`/sites${location.search}`, false);
});
moreLink.addEventListener('click', (event) => {
  const next = moreLink.dataset.next;
  if (!next) return;
  event.preventDefault();
  void search(next, true);
});

// --- places by name: a combobox over GET /places

let active = -1;
let shown: PlaceSuggestion[] = [];

async function fetchPlaces(text: string): Promise<PlaceSuggestion[]> {
  const response = await fetch(`/places?${new URLSearchParams({ q: text, limit: '8' })}`);
  if (!response.ok) return [];
  return ((await response.json()) as { items: PlaceSuggestion[] }).items;
}

function showSuggestions(items: PlaceSuggestion[]): void {
  shown = items;
  active = -1;
  suggestions.replaceChildren(
    ...items.map((place, i) => {
      const li = element('div', undefined, 'suggestion');
      li.id = `lieu-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.append(
        element('span', place.name),
        element('span', ` ${place.kind}${place.detail ? `, ${place.detail}` : ''}`, 'kind'),
      );
      li.addEventListener('mousedown', (event) => {
        event.preventDefault();
        choose(place);
      });
      return li;
    }),
  );
  suggestions.hidden = items.length === 0;
  placeInput.setAttribute('aria-expanded', String(items.length > 0));
  placeInput.removeAttribute('aria-activedescendant');
}

function choose(place: PlaceSuggestion | null): void {
  if (place) remember(place);
  setPlace(place);
  showSuggestions([]);
  changed();
}

let placeDebounce: ReturnType<typeof setTimeout> | undefined;
placeInput.addEventListener('input', () => {
  clearTimeout(placeDebounce);
  const text = placeInput.value.trim();
  if (text === '') {
    showSuggestions([]);
    if (placeField.name) choose(null);
    return;
  }
  placeDebounce = setTimeout(async () => showSuggestions(await fetchPlaces(text)), 200);
});
placeInput.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    if (shown.length === 0) return;
    event.preventDefault();
    active = (active + (event.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
    suggestions.querySelectorAll('[role=option]').forEach((option, i) => {
      option.setAttribute('aria-selected', String(i === active));
    });
    placeInput.setAttribute('aria-activedescendant', `lieu-${active}`);
  } else if (event.key === 'Enter' && shown.length > 0) {
    event.preventDefault();
    choose(shown[Math.max(active, 0)] ?? null);
  } else if (event.key === 'Escape') {
    showSuggestions([]);
  }
});
placeInput.addEventListener('blur', () => showSuggestions([]));

// --- the panel at narrow widths: a disclosure above the map

toggle.hidden = false;
home.classList.add('scripted');
const narrow = window.matchMedia('(max-width: 56rem)');
function fold(open: boolean): void {
  toggle.setAttribute('aria-expanded', String(open));
  form.classList.toggle('folded', !open);
}
fold(!narrow.matches);
narrow.addEventListener('change', () => fold(!narrow.matches));
toggle.addEventListener('click', () => fold(toggle.getAttribute('aria-expanded') !== 'true'));

// --- the map

const emptyCollection = { type: 'FeatureCollection', features: [] as unknown[] };

function resultFeatures() {
  return {
    type: 'FeatureCollection',
    features: results
      .filter((r) => r.point)
      .map((r, i) => ({
        type: 'Feature',
        id: i + 1,
        geometry: { type: 'Point', coordinates: r.point },
        properties: { id: r.id, rank: i + 1 },
      })),
  };
}

function featureId(siteId: string): number {
  return results.filter((r) => r.point).findIndex((r) => r.id === siteId) + 1;
}

function drawResults(fit: boolean): void {
  if (!map) return;
  map.getSource('results')?.setData(resultFeatures());
  hovered = null;
  const points = results.flatMap((r) => (r.point ? [r.point] : []));
  if (!fit || points.length === 0) return;
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  map.fitBounds(
    [
      [Math.min(...lons), Math.min(...lats)],
      [Math.max(...lons), Math.max(...lats)],
    ],
    { padding: 40, maxZoom: 11, duration: 0 },
  );
}

function highlight(siteId: string | null): void {
  for (const li of list.querySelectorAll<HTMLLIElement>('.result'))
    li.classList.toggle('highlighted', li.dataset.id === siteId);
  if (!map) return;
  if (hovered) map.setFeatureState({ source: 'results', id: featureId(hovered) }, { hover: false });
  hovered = siteId;
  if (siteId) map.setFeatureState({ source: 'results', id: featureId(siteId) }, { hover: true });
}

list.addEventListener('mouseover', (event) => {
  const li = (event.target as Element).closest<HTMLLIElement>('.result');
  if (li?.dataset.id !== hovered) highlight(li?.dataset.id ?? null);
});
list.addEventListener('mouseleave', () => highlight(null));
list.addEventListener('focusin', (event) => {
  highlight((event.target as Element).closest<HTMLLIElement>('.result')?.dataset.id ?? null);
});
list.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('[data-zoom]');
  const result = results.find((r) => r.id === button?.dataset.zoom);
  if (!result?.point || !map) return;
  highlight(result.id);
  map.flyTo({ center: result.point, zoom: 14 });
  mapElement.scrollIntoView({ block: 'nearest' });
});

/** The circle of `near` + `radius_km`, as a polygon of 64 vertices on the sphere. */
function nearCircle(): unknown {
  const [lon, lat] = nearInput.value.split(',').map(Number);
  const radius = Number(radiusInput.value);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || !(radius > 0)) return emptyCollection;
  const ring: Array<[number, number]> = [];
  const d = radius / 6371.0088;
  const φ1 = ((lat as number) * Math.PI) / 180;
  for (let i = 0; i <= 64; i++) {
    const θ = (2 * Math.PI * i) / 64;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ));
    const λ2 = Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
    ring.push([(lon as number) + (λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } };
}

function drawNear(): void {
  map?.getSource('near')?.setData(nearCircle());
}
form.addEventListener('input', drawNear);

pickPoint.hidden = false;
pickPoint.addEventListener('click', () => {
  const on = pickPoint.getAttribute('aria-pressed') !== 'true';
  pickPoint.setAttribute('aria-pressed', String(on));
  mapElement.classList.toggle('picking', on);
});

async function startMap(): Promise<void> {
  const maplibregl = await import(/* @vite-ignore */ mapElement.dataset.maplibre ?? '');
  const created: MapLike = new maplibregl.Map({
    container: mapElement,
    style: await mapStyle(mapElement.dataset.style ?? '', mapElement.dataset.basemap || undefined),
    bounds: [-5.5, 41.2, 9.8, 51.2],
    attributionControl: { compact: true },
    locale: frenchLocale,
  });
  created.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  (window as unknown as { foncierMap: MapLike }).foncierMap = created;
  created.on('error', (event: unknown) => console.error('map error', (event as { error?: Error }).error?.message));
  created.once('load', () => {
    created.addSource('near', { type: 'geojson', data: emptyCollection });
    created.addLayer({
      id: 'near-fill',
      type: 'fill',
      source: 'near',
      paint: { 'fill-color': '#1f4e99', 'fill-opacity': 0.08 },
    });
    created.addLayer({
      id: 'near-line',
      type: 'line',
      source: 'near',
      paint: { 'line-color': '#1f4e99', 'line-width': 2 },
    });
    created.addSource('results', { type: 'geojson', data: emptyCollection });
    created.addLayer({
      id: 'results',
      type: 'circle',
      source: 'results',
      paint: {
        'circle-color': ['case', ['boolean', ['feature-state', 'hover'], false], '#b3261e', '#1f4e99'],
        'circle-radius': ['case', ['boolean', ['feature-state', 'hover'], false], 11, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    map = created;
    drawResults(true);
    drawNear();
    created.on('mousemove', 'results', (event) => {
      const id = event.features?.[0]?.properties.id;
      created.getCanvas().style.cursor = 'pointer';
      if (typeof id === 'string' && id !== hovered) highlight(id);
    });
    created.on('mouseleave', 'results', () => {
      created.getCanvas().style.cursor = '';
      highlight(null);
    });
    created.on('click', (event) => {
      if (pickPoint.getAttribute('aria-pressed') !== 'true') return;
      nearInput.value = `${event.lngLat.lng.toFixed(5)},${event.lngLat.lat.toFixed(5)}`;
      if (!radiusInput.value) radiusInput.value = '25';
      pickPoint.setAttribute('aria-pressed', 'false');
      mapElement.classList.remove('picking');
      drawNear();
      changed();
    });
    created.once('idle', () => {
      // The attribution starts folded behind its (i) button: at 390 px it would cover the map.
      mapElement.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
      mapElement.setAttribute('data-ready', 'true');
    });
  });
}

// The server's list is the first state; the script reads it back rather than fetching it again.
results = Array.from(list.querySelectorAll<HTMLLIElement>('.result')).map((li) => {
  const [lon, lat] = (li.dataset.point ?? '').split(',').map(Number);
  return {
    id: li.dataset.id ?? '',
    name: '',
    href: '',
    place: '',
    facts: [],
    score: '',
    reasons: [],
    point: Number.isFinite(lon) && Number.isFinite(lat) && li.dataset.point ? [lon as number, lat as number] : null,
  };
});
if (placeField.name)
  remember({
    param: placeField.name,
    value: placeField.value,
    name: placeInput.value,
    kind: placeField.dataset.kind ?? '',
    detail: placeField.dataset.detail || null,
  });
home.dataset.ready = 'true';
void startMap();
