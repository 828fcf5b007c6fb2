// The investor application's URLs, one place for the pages and their client scripts (pure: no
// Node, no DOM, so that esbuild bundles it for the browser as it is).
//
// The comparison basket, shared by the home page's result list and the site page:
// - the list is kept in `localStorage` under `compareBasketKey`, a JSON array of site ids
//   (lower-case UUIDs, in the order they were added, at most `compareMax`);
// - the comparison page is `compareUrl(ids)`, `/sites/compare?ids=a,b` (2 to 5 ids), the same URL
//   as the JSON comparison (`Accept: application/json`); a browser gets the page;
// - the comparison page writes its own ids back to the basket, so that removing a site there
//   removes it from the basket too.

/** The `localStorage` key of the comparison basket (a JSON array of site ids). */
export const compareBasketKey = 'foncier.compare';
/** At most this many sites side by side (GET /sites/compare). */
export const compareMax = 5;

export const sitePageUrl = (id: string) => `/sites/${encodeURIComponent(id)}`;

export const compareUrl = (ids: readonly string[]) => `/sites/compare?ids=${ids.map(encodeURIComponent).join(',')}`;

/**
 * The downloads of a site search, for the list the home page shows: `query` is the page's own
 * search parameters (the API's names, as in `/?min_area_ha=12&rail_siding=true`). Paging is
 * dropped: a download is every match, in the list's order.
 */
export function downloadLinks(query: URLSearchParams | string): { label: string; href: string; type: string }[] {
  const brief = new URLSearchParams(query);
  for (const paging of ['limit', 'cursor', 'f', 'count']) brief.delete(paging);
  const withFormat = (f: string) => {
    const params = new URLSearchParams(brief);
    params.set('f', f);
    return `/sites?${params}`;
  };
  return [
    { label: 'Tableur (CSV, ;)', href: withFormat('spreadsheet'), type: 'text/csv' },
    { label: 'GeoJSON', href: withFormat('geojson'), type: 'application/geo+json' },
    { label: 'CSV CNIG (site-eco)', href: withFormat('csv'), type: 'text/csv' },
  ];
}
