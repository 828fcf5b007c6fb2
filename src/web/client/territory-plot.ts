// The plot edit page (web/territory/pages.tsx): the form's fields and the outline drawn with
// Terra Draw over MapLibre go to PATCH /plots/{id} with the ETag the page was loaded with
// (If-Match) and the session's CSRF token. Only what changed is sent. On 412 (someone wrote
// the plot meanwhile) the page reads the current plot and lists the fields that differ
// between what the form was loaded with and the current row.
import { TerraDraw, TerraDrawPolygonMode, TerraDrawSelectMode, type GeoJSONStoreFeatures } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { formatNumber, required, statusNodes } from './dom.js';
import { frenchLocale, mapStyle } from './map.js';

type Values = Record<string, unknown>;

const form = required<HTMLFormElement>('#plot-form');
const status = required('#plot-status');
const mapElement = required('#plot-map');
const plotId = form.dataset.plot ?? '';
const etag = form.dataset.etag ?? '';
const csrf = form.dataset.csrf ?? '';
const loaded = JSON.parse(required('#plot-loaded').textContent ?? '{}') as Values;
const labels = JSON.parse(required('#plot-labels').textContent ?? '{}') as Record<string, string>;
const fields = Object.keys(labels).filter((name) => name !== 'geometry');

/** A field of the form as the API types it: '' is null, the price a number. */
function formValue(name: string): unknown {
  const element = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const text = element.value.trim();
  if (text === '') return null;
  return element instanceof HTMLInputElement && element.type === 'number' ? Number(text) : text;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function say(text: string, alert = false, items: string[] = []): void {
  status.replaceChildren(...statusNodes(text, alert, items));
}

const shown = (value: unknown) =>
  value === null || value === undefined || value === ''
    ? 'vide'
    : typeof value === 'number'
      ? formatNumber(value, 2)
      : String(value);

// The map, with the plot's outline as the one Terra Draw feature.
const maplibregl = await import(mapElement.dataset.maplibre ?? '');
const bounds = mapElement.dataset.bounds ? JSON.parse(mapElement.dataset.bounds) : undefined;
const map = new maplibregl.Map({
  container: mapElement,
  style: await mapStyle(mapElement.dataset.style ?? '', mapElement.dataset.basemap || undefined),
  bounds,
  fitBoundsOptions: { padding: 40 },
  attributionControl: { compact: true },
  locale: frenchLocale,
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
// A phone turned, a window resized: the plot back in view.
if (bounds) map.on('resize', () => map.fitBounds(bounds, { padding: 40, animate: false }));

let draw: TerraDraw | undefined;
let geometryChanged = false;
const outlineId = crypto.randomUUID();

/** The first polygon of the loaded outline (a plot is one polygon; a MultiPolygon's first part). */
function loadedPolygon(): GeoJSONStoreFeatures['geometry'] | undefined {
  const geometry = loaded.geometry as { type: string; coordinates: unknown } | undefined;
  if (!geometry) return undefined;
  if (geometry.type === 'Polygon') return geometry as GeoJSONStoreFeatures['geometry'];
  const polygons = geometry.coordinates as number[][][][];
  return { type: 'Polygon', coordinates: polygons[0]! };
}

map.on('load', () => {
  draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawSelectMode({
        flags: {
          polygon: {
            feature: { draggable: true, coordinates: { midpoints: true, draggable: true, deletable: true } },
          },
        },
      }),
      new TerraDrawPolygonMode(),
    ],
  });
  draw.start();
  const polygon = loadedPolygon();
  if (polygon)
    draw.addFeatures([{ id: outlineId, type: 'Feature', geometry: polygon, properties: { mode: 'polygon' } }]);
  draw.setMode('select');
  draw.on('change', (_ids, type) => {
    if (type !== 'styling') geometryChanged = true;
  });
  draw.on('finish', (id, context) => {
    // A redrawn outline is selected at once, so that its vertices can be moved too.
    if (context.action === 'draw') {
      draw?.setMode('select');
      draw?.selectFeature(id);
    }
  });
  mapElement.dataset.ready = 'true';
  (window as unknown as { foncierDraw: TerraDraw }).foncierDraw = draw;
  (window as unknown as { foncierMap: unknown }).foncierMap = map;
});

required('#redraw').addEventListener('click', () => {
  if (!draw) return;
  draw.clear();
  geometryChanged = true;
  draw.setMode('polygon');
  say('Dessinez le nouveau contour sur la carte : un clic par sommet, un clic sur le premier pour fermer.');
});

/** After a 412: the fields that differ between what the form was loaded with and the current row. */
async function sayChangedMeanwhile(): Promise<void> {
  const current = (await (await fetch(`/plots/${plotId}`, { credentials: 'same-origin' })).json()) as Values;
  const differing = [...fields, 'geometry'].filter((name) => !same(loaded[name], current[name]));
  const items = differing.map((name) =>
    name === 'geometry'
      ? `${labels[name]} : modifié`
      : `${labels[name]} : ${shown(loaded[name])} → ${shown(current[name])}`,
  );
  say(
    'Ce terrain a été modifié entre-temps ; rien n’a été enregistré. Ce qui a changé depuis le chargement du formulaire :',
    true,
    items,
  );
}

function drawnGeometry(): unknown {
  // A polygon still being drawn is in the snapshot too, unclosed: only a finished one counts.
  if (draw?.getMode() !== 'select') return undefined;
  const polygon = draw.getSnapshot().find((f) => f.geometry.type === 'Polygon');
  return polygon?.geometry;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const changes: Values = {};
  for (const name of fields) {
    const value = formValue(name);
    if (!same(value, loaded[name])) changes[name] = value;
  }
  if (geometryChanged) {
    const geometry = drawnGeometry();
    if (!geometry) return say('Le contour n’est pas fermé : terminez-le avant d’enregistrer.', true);
    changes.geometry = geometry;
  }
  if (Object.keys(changes).length === 0) return say('Rien à enregistrer.');
  const res = await fetch(`/plots/${plotId}`, {
    method: 'PATCH',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'if-match': etag, 'x-csrf-token': csrf },
    body: JSON.stringify(changes),
  });
  if (res.status === 412) return sayChangedMeanwhile();
  if (!res.ok) {
    const problem = (await res.json()) as { detail?: string };
    return say(`Refusé : ${problem.detail ?? res.status}`, true);
  }
  // Saved: the page again, with the checks the server makes of the new row.
  sessionStorage.setItem('foncier-plot-saved', plotId);
  location.reload();
});

if (sessionStorage.getItem('foncier-plot-saved') === plotId) {
  sessionStorage.removeItem('foncier-plot-saved');
  say('Enregistré.');
}

// Soft delete, with the reason the audit log keeps.
const deleteForm = required<HTMLFormElement>('#delete-form');
deleteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const reason = required<HTMLInputElement>('#delete-reason').value.trim();
  const res = await fetch(`/plots/${plotId}?${new URLSearchParams({ reason })}`, {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: { 'if-match': etag, 'x-csrf-token': csrf },
  });
  if (res.status === 412) return sayChangedMeanwhile();
  if (!res.ok) {
    const problem = (await res.json()) as { detail?: string };
    return say(`Refusé : ${problem.detail ?? res.status}`, true);
  }
  location.assign(deleteForm.dataset.back ?? '/territoire');
});
