// The ZAN page's project simulation: a polygon drawn on the map with Terra Draw (its MapLibre
// adapter), sent to POST /zan/simulate, and the commune, EPCI and territory envelopes before and
// after written into the page. MapLibre is imported from the URL the page hands over; Terra Draw
// is bundled into this script (both served by the project).
import type { Polygon } from 'geojson';
import { TerraDraw, TerraDrawPolygonMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { formatNumber, required } from './dom.js';
import { frenchLocale, mapStyle } from './map.js';

interface Level {
  name: string;
  consumptionHa: number;
  before: { allowedHa: number; remainingHa: number } | null;
  after: { remainingHa: number } | null;
  shareOfRemaining: number | null;
}

interface Simulation {
  consumptionHa: number;
  communes: (Level & { insee: string })[];
  epci: Level[];
  territories: Level[];
}

const ha = (value: number | null | undefined) =>
  value === null || value === undefined ? 'données manquantes' : `${formatNumber(value, 2)} ha`;
const share = (value: number | null) =>
  value === null ? 'enveloppe épuisée ou données manquantes' : `${formatNumber(value * 100, 0)} %`;

function cell(row: HTMLTableRowElement, text: string, header = false) {
  const element = document.createElement(header ? 'th' : 'td');
  if (header) element.scope = 'row';
  element.textContent = text;
  row.append(element);
}

function render(output: HTMLElement, result: Simulation) {
  const table = document.createElement('table');
  table.className = 'zan-simulation-table';
  const caption = table.createCaption();
  caption.textContent = `Le projet consommerait ${ha(result.consumptionHa)} d’espaces NAF`;
  const head = table.createTHead().insertRow();
  for (const label of ['Échelon', 'Territoire', 'Restant avant', 'Projet', 'Restant après', 'Part du restant']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    head.append(th);
  }
  const body = table.createTBody();
  const levels: [string, Level[]][] = [
    ['Commune', result.communes],
    ['EPCI', result.epci],
    ['Territoire d’industrie', result.territories],
  ];
  for (const [kind, list] of levels)
    for (const level of list) {
      const row = body.insertRow();
      row.dataset.level = kind;
      cell(row, kind, true);
      cell(row, level.name);
      cell(row, ha(level.before?.remainingHa));
      cell(row, ha(level.consumptionHa));
      const after = level.after?.remainingHa;
      cell(row, after !== undefined && after < 0 ? `${ha(after)} (enveloppe dépassée)` : ha(after));
      cell(row, share(level.shareOfRemaining));
    }
  // In a focusable scrolling region, as the page's other tables: six columns do not fit 390 px.
  const region = document.createElement('section');
  region.className = 'table-scroll';
  region.tabIndex = 0;
  region.setAttribute('aria-label', 'Résultat de la simulation');
  region.append(table);
  output.replaceChildren(region);
}

async function start() {
  const element = document.querySelector<HTMLElement>('#zan-map');
  if (!element) return;
  const output = required('#zan-simulation');
  const drawButton = required<HTMLButtonElement>('#zan-draw');
  const clearButton = required<HTMLButtonElement>('#zan-clear');
  const simulateButton = required<HTMLButtonElement>('#zan-simulate');
  const maplibregl = await import(/* @vite-ignore */ element.dataset.maplibreModule!);
  const bounds = element.dataset.bounds ? JSON.parse(element.dataset.bounds) : [-5.5, 41.2, 9.8, 51.2];
  const map = new maplibregl.Map({
    container: element,
    style: await mapStyle(element.dataset.style ?? '', element.dataset.basemap || undefined),
    bounds,
    fitBoundsOptions: { padding: 20 },
    attributionControl: { compact: true },
    locale: frenchLocale,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  // As the OGC pages' script does: the map, for the browser test to aim its clicks.
  (window as unknown as { foncierMap: unknown }).foncierMap = map;
  await new Promise((resolve) => map.once('load', resolve));
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [new TerraDrawPolygonMode()],
  });
  draw.start();
  let drawn: Polygon | null = null;
  draw.on('finish', (id) => {
    const feature = draw.getSnapshotFeature(id);
    if (feature?.geometry.type !== 'Polygon') return;
    drawn = feature.geometry as Polygon;
    draw.setMode('static');
    simulateButton.disabled = false;
    output.textContent = 'Polygone dessiné : lancez la simulation.';
  });
  drawButton.disabled = false;
  drawButton.addEventListener('click', () => {
    draw.clear();
    drawn = null;
    simulateButton.disabled = true;
    draw.setMode('polygon');
    output.textContent =
      'Cliquez sur la carte pour placer les sommets ; cliquez sur le premier pour fermer le polygone.';
  });
  clearButton.addEventListener('click', () => {
    draw.clear();
    drawn = null;
    simulateButton.disabled = true;
    output.textContent = '';
  });
  simulateButton.addEventListener('click', async () => {
    if (!drawn) return;
    output.textContent = 'Simulation en cours…';
    const response = await fetch(element.dataset.simulate!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ geometry: drawn }),
    });
    const body = await response.json();
    if (!response.ok) {
      output.textContent = `Simulation refusée : ${body.detail ?? body.title ?? response.status}`;
      return;
    }
    render(output, body as Simulation);
  });
  element.dataset.ready = 'true';
}

start().catch((error: unknown) => {
  const output = document.querySelector('#zan-simulation');
  if (output) output.textContent = `La carte n’a pas pu s’ouvrir : ${String(error)}`;
});
