// What every page map shares: its style and its French controls. The style is the project's own
// (its tiles), on the configured basemap when that answers, without it otherwise: with no network
// a page still draws its own layers. A style has one glyph server, the basemap's: our labels then
// take the first font the basemap names.

import type { StyleSpecification, SymbolLayerSpecification } from 'maplibre-gl';

/** A style document as fetched: read for its sources and layers, handed to MapLibre as is. */
type StyleDocument = StyleSpecification;

async function styleDocument(url: string): Promise<StyleDocument | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(8000) });
    return response.ok ? ((await response.json()) as StyleDocument) : null;
  } catch {
    return null;
  }
}

/** The style to give `new maplibregl.Map`: our style's URL alone, or the basemap with our layers on top. */
export async function mapStyle(ownUrl: string, basemapUrl: string | undefined): Promise<StyleSpecification | string> {
  const basemap = basemapUrl ? await styleDocument(basemapUrl) : null;
  const own = basemap ? await styleDocument(ownUrl) : null;
  if (!basemap || !own) return ownUrl;
  const font = basemap.layers.find(
    (layer): layer is SymbolLayerSpecification => layer.type === 'symbol' && Array.isArray(layer.layout?.['text-font']),
  )?.layout?.['text-font'];
  const layers = own.layers
    .filter((layer) => layer.type !== 'background')
    .map((layer) =>
      layer.type === 'symbol' && layer.layout?.['text-font'] && font
        ? { ...layer, layout: { ...layer.layout, 'text-font': font } }
        : layer,
    );
  return { ...basemap, sources: { ...basemap.sources, ...own.sources }, layers: [...basemap.layers, ...layers] };
}

/** MapLibre's control texts in French. */
export const frenchLocale = {
  'Map.Title': 'Carte',
  'NavigationControl.ZoomIn': 'Zoomer',
  'NavigationControl.ZoomOut': 'Dézoomer',
  'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
  'CooperativeGesturesHandler.WindowsHelpText': 'Ctrl + molette pour zoomer la carte',
  'CooperativeGesturesHandler.MacHelpText': '⌘ + molette pour zoomer la carte',
  'CooperativeGesturesHandler.MobileHelpText': 'Deux doigts pour déplacer la carte',
};
