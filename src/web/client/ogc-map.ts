// The small map of the OGC HTML pages (collections, items, an item): MapLibre GL JS (served by
// the project) on the project's style, on the configured basemap when it answers (map.ts), with
// the page's features drawn on top. The data comes from the page: data-* attributes and a JSON
// script element.
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import type * as MapLibre from 'maplibre-gl';
import { frenchLocale, mapStyle } from './map.js';

declare global {
  interface Window {
    /** The page's map, for the browser test. */
    foncierMap?: MapLibre.Map;
  }
}

const FRANCE: [number, number, number, number] = [-5.5, 41.2, 9.8, 51.2];
const fill = '#e3a008';
const stroke = '#5c3d00';

/** Every position of a geometry (collections included). */
function positions(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.flat();
    case 'MultiPolygon':
      return geometry.coordinates.flat(2);
    case 'GeometryCollection':
      return geometry.geometries.flatMap(positions);
  }
}

/**
 * A site is a few pixels wide at the zoom of a national page: each feature also gets a marker
 * at the centre of its box, drawn until the polygons are large enough to see.
 */
function drawFeatures(maplibregl: typeof MapLibre, map: MapLibre.Map, features: FeatureCollection): void {
  // geometry-type tells Polygon from MultiPolygon (MapLibre 3 and later).
  const polygons: MapLibre.FilterSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
  map.addSource('page', { type: 'geojson', data: features });
  map.addLayer({
    id: 'page-fill',
    type: 'fill',
    source: 'page',
    filter: polygons,
    paint: { 'fill-color': fill, 'fill-opacity': 0.35 },
  });
  map.addLayer({
    id: 'page-line',
    type: 'line',
    source: 'page',
    filter: polygons,
    paint: { 'line-color': '#8a5a00', 'line-width': 2 },
  });
  map.addLayer({
    id: 'page-point',
    type: 'circle',
    source: 'page',
    filter: ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]],
    paint: { 'circle-color': fill, 'circle-radius': 6, 'circle-stroke-color': stroke, 'circle-stroke-width': 1.5 },
  });
  const box = new maplibregl.LngLatBounds();
  const centres: Feature[] = [];
  for (const feature of features.features) {
    if (!feature.geometry) continue;
    const own = new maplibregl.LngLatBounds();
    for (const [lon, lat] of positions(feature.geometry)) own.extend([lon!, lat!]);
    if (own.isEmpty()) continue;
    box.extend(own);
    centres.push({
      type: 'Feature',
      ...(feature.id === undefined ? {} : { id: feature.id }),
      geometry: { type: 'Point', coordinates: own.getCenter().toArray() },
      properties: feature.properties,
    });
  }
  map.addSource('page-centres', { type: 'geojson', data: { type: 'FeatureCollection', features: centres } });
  map.addLayer({
    id: 'page-centre',
    type: 'circle',
    source: 'page-centres',
    maxzoom: 12,
    paint: { 'circle-color': fill, 'circle-radius': 5, 'circle-stroke-color': stroke, 'circle-stroke-width': 1.5 },
  });
  if (!box.isEmpty()) map.fitBounds(box, { padding: 24, maxZoom: 15, animate: false });
}

async function main(element: HTMLElement): Promise<void> {
  const { maplibre, features: featuresId, bounds, style, basemap } = element.dataset;
  const maplibregl = (await import(/* @vite-ignore */ maplibre!)) as typeof MapLibre;
  const features = featuresId
    ? (JSON.parse(document.getElementById(featuresId)?.textContent ?? 'null') as FeatureCollection | null)
    : null;
  const map = new maplibregl.Map({
    container: element,
    style: await mapStyle(style!, basemap),
    bounds: bounds ? (JSON.parse(bounds) as [number, number, number, number]) : FRANCE,
    fitBoundsOptions: { padding: 20 },
    attributionControl: { compact: true },
    cooperativeGestures: true,
    locale: frenchLocale,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  window.foncierMap = map;
  map.on('load', () => {
    if (features && features.features.length > 0) drawFeatures(maplibregl, map, features);
  });
  map.once('idle', () => {
    // A small map: the attribution starts folded behind its (i) button.
    element.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    element.setAttribute('data-ready', 'true');
  });
  map.on('error', (event) => console.error('map error', event.error?.message ?? event));
}

const element = document.querySelector<HTMLElement>('.map[data-maplibre]');
if (element) void main(element);
