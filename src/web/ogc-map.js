// The small map of the OGC HTML pages: MapLibre GL JS (served by the project) on the project's
// own style (its tiles), or on the configured basemap, with the page's features drawn on top.
// The data comes from the page: data-* attributes and a JSON script element.
const element = document.querySelector('.map[data-maplibre]');
if (element) {
  const maplibregl = await import(element.dataset.maplibre);
  const features = element.dataset.features
    ? JSON.parse(document.getElementById(element.dataset.features).textContent)
    : null;
  const bounds = element.dataset.bounds ? JSON.parse(element.dataset.bounds) : null;
  // The basemap when it answers; without it (no network) the project's style alone.
  const basemap = element.dataset.basemap
    ? await fetch(element.dataset.basemap, { signal: AbortSignal.timeout(8000) })
        .then((response) => (response.ok ? response.json() : null))
        .catch(() => null)
    : null;
  const map = new maplibregl.Map({
    container: element,
    style: basemap ?? element.dataset.style,
    bounds: bounds ?? [-5.5, 41.2, 9.8, 51.2],
    fitBoundsOptions: { padding: 20 },
    attributionControl: { compact: true },
    cooperativeGestures: true,
    locale: {
      'Map.Title': 'Carte',
      'NavigationControl.ZoomIn': 'Zoomer',
      'NavigationControl.ZoomOut': 'Dézoomer',
      'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
      'CooperativeGesturesHandler.WindowsHelpText': 'Ctrl + molette pour zoomer la carte',
      'CooperativeGesturesHandler.MacHelpText': '⌘ + molette pour zoomer la carte',
      'CooperativeGesturesHandler.MobileHelpText': 'Deux doigts pour déplacer la carte',
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  window.foncierMap = map;
  map.on('load', async () => {
    // On a basemap, the project's own layers (its style minus the background) go on top, their
    // labels in the basemap's first font (a style has one glyph server, the basemap's).
    if (basemap) {
      const ours = await (await fetch(element.dataset.style)).json();
      const font = basemap.layers.find((l) => Array.isArray(l.layout?.['text-font']))?.layout['text-font'];
      for (const [id, source] of Object.entries(ours.sources)) map.addSource(id, source);
      for (const layer of ours.layers) {
        if (layer.type === 'background') continue;
        map.addLayer(
          layer.layout?.['text-font'] && font ? { ...layer, layout: { ...layer.layout, 'text-font': font } } : layer,
        );
      }
    }
    if (!features || features.features.length === 0) return;
    // geometry-type tells Polygon from MultiPolygon (MapLibre 3 and later).
    const polygons = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
    map.addSource('page', { type: 'geojson', data: features });
    map.addLayer({
      id: 'page-fill',
      type: 'fill',
      source: 'page',
      filter: polygons,
      paint: { 'fill-color': '#e3a008', 'fill-opacity': 0.35 },
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
      paint: {
        'circle-color': '#e3a008',
        'circle-radius': 6,
        'circle-stroke-color': '#5c3d00',
        'circle-stroke-width': 1.5,
      },
    });
    // A site is a few pixels wide at the zoom of a national page: each feature also gets a
    // marker at the centre of its box, drawn until the polygons are large enough to see.
    const box = new maplibregl.LngLatBounds();
    const centres = [];
    for (const f of features.features) {
      if (!f.geometry) continue;
      const own = new maplibregl.LngLatBounds();
      const extend = (coords) => (typeof coords[0] === 'number' ? own.extend(coords) : coords.forEach(extend));
      extend(f.geometry.coordinates);
      box.extend(own);
      centres.push({
        type: 'Feature',
        id: f.id,
        geometry: { type: 'Point', coordinates: own.getCenter().toArray() },
        properties: f.properties,
      });
    }
    map.addSource('page-centres', { type: 'geojson', data: { type: 'FeatureCollection', features: centres } });
    map.addLayer({
      id: 'page-centre',
      type: 'circle',
      source: 'page-centres',
      maxzoom: 12,
      paint: {
        'circle-color': '#e3a008',
        'circle-radius': 5,
        'circle-stroke-color': '#5c3d00',
        'circle-stroke-width': 1.5,
      },
    });
    if (!box.isEmpty()) map.fitBounds(box, { padding: 24, maxZoom: 15, animate: false });
  });
  map.once('idle', () => {
    // A small map: the attribution starts folded behind its (i) button.
    element.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    element.setAttribute('data-ready', 'true');
  });
  map.on('error', (event) => console.error('map error', event.error?.message ?? event));
}
