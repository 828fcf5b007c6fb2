// The ids of places: Foncier's territory ids and the French administrative codes (INSEE COG,
// SIREN) that every edge and importer checks. The same rules stand in the sql/ CHECKs.
// No flags on the patterns: JSON Schema patterns carry none, and OpenAPI shows their source.

/** Unanchored bodies, for the patterns that combine them. */
export const codeSyntax = {
  /** A Territoire d'industrie as ANCT numbers it, prefixed: `ti-8401`. */
  territoryId: 'ti-[a-z0-9-]{1,60}',
  /** SIREN of an EPCI or a company: 9 digits. */
  siren: '[0-9]{9}',
  /** INSEE commune code (COG): department (2A/2B in Corsica, 97 overseas) then 3 digits. */
  inseeCommune: '[0-9][0-9AB][0-9]{3}',
  /** INSEE department code: 2 digits, 2A/2B, or 3 digits overseas (971…976, 98x). */
  department: '(?:[0-9]{2}|2A|2B|9[78][0-9])',
  /** INSEE region code: 2 digits. */
  region: '[0-9]{2}',
} as const;

const whole = (body: string) => new RegExp(`^${body}$`);

export const territoryIdPattern = whole(codeSyntax.territoryId);
export const sirenPattern = whole(codeSyntax.siren);
export const inseeCommunePattern = whole(codeSyntax.inseeCommune);
export const departmentPattern = whole(codeSyntax.department);
export const regionPattern = whole(codeSyntax.region);
