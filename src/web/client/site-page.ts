// The site page's script: the map of the site and its plots coloured by availability (the
// colours are the legend's own, read from pages.css, so the map and its legend cannot differ),
// numbered as in the plots table; and the "Ajouter à la comparaison" button (compare-basket.ts).
// MapLibre is imported from the URL the page hands over (served by the project).
import type { FeatureCollection } from 'geojson';
import type * as MapLibre from 'maplibre-gl';
import { compareUrl } from '../investor/links.js';
import { addToBasket, readBasket } from './compare-basket.js';
import { formatNumber, required } from './dom.js';
import { frenchLocale, mapStyle } from './map.js';

declare global {
  interface Window {
    /** The page's map, for the browser test (querySourceFeatures). */
    foncierMap?: MapLibre.Map;
  }
}

function basketControls(): void {
  const button = document.querySelector<HTMLButtonElement>('button[data-compare-add]');
  if (!button) return;
  const id = button.dataset.compareAdd ?? '';
  const link = required<HTMLAnchorElement>('a[data-compare-link]');
  const status = required<HTMLElement>('[data-compare-status]');
  const show = (ids: string[], announce: boolean) => {
    const inBasket = ids.includes(id);
    button.setAttribute('aria-pressed', String(inBasket));
    button.textContent = inBasket ? 'Dans la comparaison' : 'Ajouter à la comparaison';
    link.href = compareUrl(ids);
    link.hidden = ids.length < 2;
    if (announce)
      status.textContent =
        ids.length < 2
          ? 'Ajoutez un autre site pour comparer.'
          : `${formatNumber(ids.length, 0)} sites dans la comparaison.`;
  };
  show(readBasket(), false);
  button.addEventListener('click', () => show(addToBasket(id), true));
}

/** The legend's colour of each availability class (`.swatch.availability-<class>`). */
function legendColours(): string[] {
  const pairs: string[] = [];
  for (const swatch of document.querySelectorAll<HTMLElement>('.legend .swatch')) {
    const cls = [...swatch.classList].find((c) => c.startsWith('availability-'));
    if (cls) pairs.push(cls.slice('availability-'.length), getComputedStyle(swatch).backgroundColor);
  }
  return pairs;
}

async function drawMap(element: HTMLElement): Promise<void> {
  const maplibregl = (await import(/* @vite-ignore */ element.dataset.maplibre ?? '')) as typeof MapLibre;
  const data = JSON.parse(required(`#${element.dataset.features}`).textContent ?? '{}') as FeatureCollection;
  const bounds = element.dataset.bounds ? (JSON.parse(element.dataset.bounds) as MapLibre.LngLatBoundsLike) : undefined;
  const map = new maplibregl.Map({
    container: element,
    style: await mapStyle(element.dataset.style ?? '', element.dataset.basemap || undefined),
    bounds,
    fitBoundsOptions: { padding: 24 },
    attributionControl: { compact: true },
    cooperativeGestures: true,
    locale: frenchLocale,
  });
  window.foncierMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.on('error', (event) => console.error('map error', event.error?.message ?? event));
  map.on('load', async () => {
    map.addSource('site', { type: 'geojson', data });
    const plots: MapLibre.FilterSpecification = ['==', ['get', 'kind'], 'plot'];
    const colour = ['match', ['get', 'availability'], ...legendColours(), '#9aa3ad'] as unknown as string;
    map.addLayer({
      id: 'site-plots-fill',
      type: 'fill',
      source: 'site',
      filter: plots,
      paint: { 'fill-color': colour, 'fill-opacity': 0.6 },
    });
    map.addLayer({
      id: 'site-plots-line',
      type: 'line',
      source: 'site',
      filter: plots,
      paint: { 'line-color': '#1d2530', 'line-width': 1 },
    });
    map.addLayer({
      id: 'site-outline',
      type: 'line',
      source: 'site',
      filter: ['==', ['get', 'kind'], 'site'],
      paint: { 'line-color': '#1d2f4f', 'line-width': 3, 'line-dasharray': [2, 1] },
    });
    map.addLayer({
      id: 'site-plots-number',
      type: 'symbol',
      source: 'site',
      filter: plots,
      layout: { 'text-field': ['to-string', ['get', 'number']], 'text-font': ['Noto Sans Regular'], 'text-size': 14 },
      paint: { 'text-color': '#111', 'text-halo-color': '#fff', 'text-halo-width': 2 },
    });
    // Ready once the plots are drawn (the browser test waits for it).
    map.once('idle', () => {
      element.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
      element.setAttribute('data-ready', 'true');
    });
  });
}

basketControls();
const element = document.querySelector<HTMLElement>('.map[data-maplibre]');
if (element) await drawMap(element);
