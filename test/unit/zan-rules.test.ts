// Golden tests of the ZAN rules of issue #16: missing data, the communal guarantee by planning
// document, the SPARTE-comparable reading, the exhaustion year and the chart's ticks. Every
// expected figure is computed by hand in the comment above it.
import { describe, expect, it } from 'vitest';
import { chartSvg, niceTicks } from '../../src/zan/chart.js';
import {
  aggregateEnvelopes,
  communeEnvelope,
  guaranteeFor,
  sparteReading,
  type ConsumptionYear,
} from '../../src/zan/formulas.js';
import { envelopeJson, sparteComparison } from '../../src/zan/representation.js';
import { missingData, sumEnvelopes, type CommuneEnvelope } from '../../src/zan/repository.js';
import { climatResilience2021Zan2023 as law } from '../../src/zan/rule-sets.js';

const year = (y: number, total: number): ConsumptionYear => ({
  year: y,
  nafM2: total,
  activityM2: 0,
  housingM2: total,
  mixedM2: 0,
  roadM2: 0,
  railM2: 0,
  unknownM2: 0,
  provisional: false,
});
const flat = (from: number, to: number, total: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => year(from + i, total));

/** A commune as the repository hands it over, the guarantee by the rule set's default. */
const commune = (insee: string, series: ConsumptionYear[]): CommuneEnvelope => ({
  insee,
  name: insee,
  epciSiren: '200000001',
  reductionRate: law.reductionRate,
  reductionSource: null,
  planningDocument: null,
  guarantee: guaranteeFor(law, null),
  series,
  envelope: series.length ? communeEnvelope(law, { insee, series }) : null,
});

describe('missing data', () => {
  // A: reference 10 × 1,600 m² = 1.6 ha → halved 0.8 ha → guaranteed 1 ha.
  // B: reference 10 × 10,000 m² = 10 ha → 5 ha. C: no Cerema series at all.
  const a = commune('07001', flat(2011, 2020, 1_600));
  const b = commune('07002', flat(2011, 2020, 10_000));
  const c = commune('07003', []);

  it('gives a commune without consumption data null figures, never 0', () => {
    const json = envelopeJson(c.envelope);
    expect(json.allowedHa).toBeNull();
    expect(json.remainingHa).toBeNull();
    expect(json.yearsToExhaustion).toBeNull();
    expect(json.exhaustionYear).toBeNull();
    expect(json.missingData).toBe('données manquantes');
  });

  it('sums the communes with data, keeps their 1 ha guarantee, and counts the ones without', () => {
    // EPCI = A 1 ha (guarantee kept) + B 5 ha = 6 ha; C is counted apart, its own guarantee
    // (default: applies) being the least it would add: 1 ha.
    const epci = sumEnvelopes(law, [a, b, c])!;
    expect(epci.allowedHa).toBeCloseTo(6, 10);
    expect(epci.guaranteedCommunes).toBe(1);
    expect(epci.communes).toBe(2);
    expect(missingData(law, [a, b, c])).toEqual({ communes: 1, insee: ['07003'], allowedAtLeastHa: 1 });
  });

  it('gives a level whose communes all lack data no envelope rather than an exhausted one', () => {
    expect(sumEnvelopes(law, [c])).toBeNull();
    expect(envelopeJson(sumEnvelopes(law, [c])).yearsToExhaustion).toBeNull();
  });
});

describe('communal guarantee by planning document', () => {
  it('applies it by default, and from a document prescribed, decided or approved before 22 August 2026', () => {
    expect(guaranteeFor(law, null)).toEqual({ applies: true, basis: 'default' });
    expect(guaranteeFor(law, { status: 'approved', statusOn: '2015-03-01' })).toEqual({
      applies: true,
      basis: 'recorded',
    });
    expect(guaranteeFor(law, { status: 'prescribed', statusOn: '2026-08-21' }).applies).toBe(true);
    // "avant le 22 août 2026": on the day is too late.
    expect(guaranteeFor(law, { status: 'prescribed', statusOn: '2026-08-22' }).applies).toBe(false);
    expect(guaranteeFor(law, { status: 'none', statusOn: null })).toEqual({ applies: false, basis: 'recorded' });
    // A recorded step without its date: the procedure is known, the date is what is missing.
    expect(guaranteeFor(law, { status: 'decided', statusOn: null }).applies).toBe(true);
  });

  it('leaves a commune without a document in time its reduced reference, below 1 ha', () => {
    // 1.6 ha → 0.8 ha, no floor: 0.8 ha, not 1 ha.
    const e = communeEnvelope(law, { insee: '07001', series: flat(2011, 2020, 1_600), guarantee: false });
    expect(e.allowedHa).toBeCloseTo(0.8, 10);
    expect(e.guaranteedCommunes).toBe(0);
    expect(e.guaranteeWithheldCommunes).toBe(1);
  });
});

describe('SPARTE-comparable reading', () => {
  // A: reference 1.6 ha → 0.8 → floored to 1 ha; window 2021-2023 at 1,000 m²/year = 0.3 ha,
  //    pace 0.1 ha/y, our projection 0.3 + 0.1 × 7 (2024-2030) = 1.0 ha.
  // B: reference 10 ha → 5 ha; window 3 × 5,000 m² = 1.5 ha, pace 0.5 ha/y, projection
  //    1.5 + 0.5 × 7 = 5.0 ha.
  // Ours: allowed 1 + 5 = 6 ha, projected 1 + 5 = 6 ha.
  // SPARTE: reduction then floor on the total: max(0.8 + 5, 1) = 5.8 ha; pace since 2021 =
  //   (0.3 + 1.5) / 3 years = 0.6 ha/y; projection 0.6 × 9 = 5.4 ha.
  // Differences: 6 − 5.8 = 0.2 ha (A's floor), 6 − 5.4 = 0.6 ha.
  const a = communeEnvelope(law, { insee: '07001', series: [...flat(2011, 2020, 1_600), ...flat(2021, 2023, 1_000)] });
  const b = communeEnvelope(law, { insee: '07002', series: [...flat(2011, 2020, 10_000), ...flat(2021, 2023, 5_000)] });
  const epci = aggregateEnvelopes(law, [a, b]);

  it('floors the total once and projects the pace since 2021 × 9', () => {
    expect(epci.allowedHa).toBeCloseTo(6, 10);
    expect(epci.projectedHa).toBeCloseTo(6, 10);
    const sparte = sparteReading(law, epci);
    expect(sparte.allowedHa).toBeCloseTo(5.8, 10);
    expect(sparte.paceHaPerYear).toBeCloseTo(0.6, 10);
    expect(sparte.projectedHa).toBeCloseTo(5.4, 10);
  });

  it('says the difference and names both projection methods', () => {
    const comparison = sparteComparison(law, epci)!;
    expect(comparison.difference).toEqual({ allowedHa: 0.2, projectedHa: 0.6 });
    expect(comparison.projection).toEqual({ method: 'sparte-mean-pace-since-window-start', since: 2021, years: 9 });
    expect(comparison.explanation).toContain('commune par commune');
    expect(comparison.explanation).toContain('1 commune(s) relevée(s) au plancher');
  });

  it('agrees with ours on one commune above the floor', () => {
    // B alone: 5 ha both ways.
    expect(sparteReading(law, b).allowedHa).toBeCloseTo(b.allowedHa, 10);
  });
});

describe('exhaustion year', () => {
  it('states the year of the pace after the last observed year', () => {
    // Reference 10 × 13,200 m² = 13.2 ha → 6.6 ha; 2021-2023 at 1 ha/year = 3 ha; remaining
    // 3.6 ha at 1 ha/y = 3.6 years after 31 Dec 2023: during 2027.
    const e = communeEnvelope(law, {
      insee: '07004',
      series: [...flat(2011, 2020, 13_200), ...flat(2021, 2023, 10_000)],
    });
    expect(e.yearsToExhaustion).toBeCloseTo(3.6, 10);
    expect(e.exhaustionYear).toBe(2027);
    // Reference 12 ha → 6 ha, 3 ha consumed, 3 years left exactly: at the end of 2026.
    const f = communeEnvelope(law, {
      insee: '07005',
      series: [...flat(2011, 2020, 12_000), ...flat(2021, 2023, 10_000)],
    });
    expect(f.exhaustionYear).toBe(2026);
  });

  it('states the observed year the cumulative consumption reached the envelope', () => {
    // Reference 12 ha → 6 ha; 2021: 4 ha, 2022: 3 ha (cumulative 7 ≥ 6), 2023: 1 ha → 2022.
    const series = [...flat(2011, 2020, 12_000), year(2021, 40_000), year(2022, 30_000), year(2023, 10_000)];
    const e = communeEnvelope(law, { insee: '07006', series });
    expect(e.yearsToExhaustion).toBe(0);
    expect(e.exhaustionYear).toBe(2022);
  });

  it('is the same at the EPCI from the summed yearly consumption', () => {
    // Two communes of the 3.6-year case: 13.2 ha allowed, 6 ha consumed, 2 ha/y: 3.6 years → 2027.
    const one = () =>
      communeEnvelope(law, { insee: '07004', series: [...flat(2011, 2020, 13_200), ...flat(2021, 2023, 10_000)] });
    expect(aggregateEnvelopes(law, [one(), one()]).exhaustionYear).toBe(2027);
  });
});

describe('chart ticks', () => {
  it('steps by 1, 2, 2.5 or 5 times a power of ten, from 0 past the maximum', () => {
    // 1,790 / 4 = 447.5 → step 500; 2,698 / 4 = 674.5 → 1,000; 38.23 / 4 = 9.56 → 10;
    // 0.8 / 4 = 0.2 → 0.2; 9 / 4 = 2.25 → 2.5.
    expect(niceTicks(1_790)).toEqual([0, 500, 1_000, 1_500, 2_000]);
    expect(niceTicks(2_698)).toEqual([0, 1_000, 2_000, 3_000]);
    expect(niceTicks(38.23)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0.8)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(9)).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it('writes the ticks in French with the unit, and marks the exhaustion year', () => {
    // Envelope 1,500 ha: 2021-2023 at 500 ha/year reach it in 2023; projected 1,500 + 500 × 7 =
    // 5,000 ha, the highest figure: 5,000 / 4 = 1,250 → step 2,000, ticks 0 to 6,000 ha.
    const e = communeEnvelope(law, {
      insee: '07007',
      series: [...flat(2011, 2020, 3_000_000), ...flat(2021, 2023, 5_000_000)],
    });
    const svg = chartSvg(
      law,
      e.windowSeries.map((y) => ({ ...y, provisional: false })),
      e,
      'test',
    );
    expect(svg).toContain('>2\u202f000<');
    expect(svg).toContain('>6\u202f000 ha<');
    expect(svg).toContain('enveloppe épuisée en 2023');
  });
});
