// The kinds of place a search can be limited to, as the brief parameter each sets, and what each
// is called on the pages. Shared by GET /places and the home page's script: no import here.

/** The brief parameters a place sets, in the order suggestions rank them (wider first). */
export const placeParams = ['region', 'department', 'territory', 'epci', 'commune'] as const;
export type PlaceParam = (typeof placeParams)[number];

export const placeKinds: Record<PlaceParam, string> = {
  region: 'Région',
  department: 'Département',
  territory: 'Territoire d’industrie',
  epci: 'Intercommunalité (EPCI)',
  commune: 'Commune',
};
