// Facts about the territories that several tests check, written down once from the sources (the
// first-phase Territoires d'industrie list and BANATIC), not read from the code under test.

/** The 8 EPCI of Ardèche-Drôme Nord (ti-8401), by SIREN, in order. */
export const ardecheDromeNordEpci = [
  '200016905',
  '200040491',
  '200041366',
  '200041465',
  '200042901',
  '200072015',
  '200073096',
  '240700716',
];
