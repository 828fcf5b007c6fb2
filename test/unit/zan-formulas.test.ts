// Golden tests of the ZAN formulas, every expected figure computed by hand in the comment.
import { describe, expect, it } from 'vitest';
import {
  aggregateEnvelopes,
  communeEnvelope,
  countedM2,
  envelopeShare,
  plotMeasure,
  type ConsumptionYear,
} from '../../src/zan/formulas.js';
import { climatResilience2021Zan2023 as law, reformTrace2025 as reform, ruleSet } from '../../src/zan/rule-sets.js';

/** A year where `activity` of `total` m² went to activity and the rest to housing. */
const year = (y: number, total: number, activity = 0, provisional = false): ConsumptionYear => ({
  year: y,
  nafM2: total,
  activityM2: activity,
  housingM2: total - activity,
  mixedM2: 0,
  roadM2: 0,
  railM2: 0,
  unknownM2: 0,
  provisional,
});
const flat = (from: number, to: number, total: number, activity = 0) =>
  Array.from({ length: to - from + 1 }, (_, i) => year(from + i, total, activity));

describe('communeEnvelope', () => {
  it('gives a commune below 2 ha of reference consumption the 1 ha floor', () => {
    // 10 years × 1,600 m² = 1.6 ha; halved = 0.8 ha < 1 ha, so 1 ha.
    const e = communeEnvelope(law, { insee: '07001', series: flat(2011, 2020, 1_600) });
    expect(e.referenceHa).toBeCloseTo(1.6, 10);
    expect(e.allowedHa).toBe(1);
    expect(e.guaranteedCommunes).toBe(1);
  });

  it('halves a reference above 2 ha and measures consumption, pace, projection and exhaustion', () => {
    // Reference 10 × 12,000 m² = 12 ha → allowed 6 ha. Window 2021-2023: 10,000 + 20,000 + 30,000 m² =
    // consumed 6 ha, remaining 0, exhausted now; pace = mean of 2021-2023 = 2 ha/year;
    // projection = 6 + 2 × 7 years (2024-2030) = 20 ha.
    const series = [...flat(2011, 2020, 12_000), year(2021, 10_000), year(2022, 20_000), year(2023, 30_000, 0, true)];
    const e = communeEnvelope(law, { insee: '07002', series });
    expect(e.allowedHa).toBeCloseTo(6, 10);
    expect(e.consumedHa).toBeCloseTo(6, 10);
    expect(e.remainingHa).toBeCloseTo(0, 10);
    expect(e.yearsToExhaustion).toBe(0);
    expect(e.paceHaPerYear).toBeCloseTo(2, 10);
    expect(e.projectedHa).toBeCloseTo(20, 10);
    expect(e.observedYears).toEqual([2021, 2022, 2023]);
    expect(e.provisionalYears).toEqual([2023]);
  });

  it('applies a territorialised reduction instead of -50 %', () => {
    // 12 ha × (1 − 0.611) = 4.668 ha.
    const e = communeEnvelope(law, { insee: '07003', series: flat(2011, 2020, 12_000), reductionRate: 0.611 });
    expect(e.allowedHa).toBeCloseTo(4.668, 10);
  });

  it('counts years to exhaustion from the remaining envelope and the pace', () => {
    // Reference 20 ha → 10 ha; consumed 2021-2023 = 3 × 5,000 m² = 1.5 ha; remaining 8.5 ha; pace 0.5 ha/y → 17 years.
    const e = communeEnvelope(law, {
      insee: '07004',
      series: [...flat(2011, 2020, 20_000), ...flat(2021, 2023, 5_000)],
    });
    expect(e.remainingHa).toBeCloseTo(8.5, 10);
    expect(e.yearsToExhaustion).toBeCloseTo(17, 10);
  });
});

describe('aggregateEnvelopes', () => {
  it("makes an EPCI's envelope the sum of its communes', with the floor per commune, not per EPCI", () => {
    // Commune A: 1.6 ha → 0.8 → floored to 1 ha. Commune B: 10 ha → 5 ha. EPCI = 6 ha,
    // not (1.6 + 10) / 2 = 5.8 ha, and not max(5.8, 1).
    const a = communeEnvelope(law, { insee: '07001', series: flat(2011, 2020, 1_600) });
    const b = communeEnvelope(law, { insee: '07002', series: flat(2011, 2020, 10_000) });
    const epci = aggregateEnvelopes(law, [a, b]);
    expect(epci.referenceHa).toBeCloseTo(11.6, 10);
    expect(epci.allowedHa).toBeCloseTo(6, 10);
    expect(epci.guaranteedCommunes).toBe(1);
    expect(epci.communes).toBe(2);
  });
});

describe('plotMeasure', () => {
  it('charges a plot half on a brownfield and half on farmland exactly the farmland half', () => {
    // 2 ha plot, no artificial land cover: NAF 20,000 m², of which 10,000 m² on the brownfield.
    const m = plotMeasure(law, {
      areaM2: 20_000,
      nafM2: 20_000,
      brownfieldM2: 10_000,
      nafOnBrownfieldM2: 10_000,
      peneM2: 0,
      nafInPeneM2: 0,
    });
    expect(m.consumptionM2).toBe(10_000);
    expect(m.urbanisedShare).toBe(0.5);
    expect(m.class).toBe('mixed');
  });

  it('charges nothing locally for a plot in a PENE perimeter; the national envelope takes it', () => {
    const m = plotMeasure(law, {
      areaM2: 30_000,
      nafM2: 30_000,
      brownfieldM2: 0,
      nafOnBrownfieldM2: 0,
      peneM2: 30_000,
      nafInPeneM2: 30_000,
    });
    expect(m.inPene).toBe(true);
    expect(m.consumptionM2).toBe(0);
    expect(m.nationalM2).toBe(30_000);
    expect(m.class).toBe('naf');
  });

  it('classes a plot on artificial land as already urbanised with no consumption', () => {
    const m = plotMeasure(law, {
      areaM2: 5_000,
      nafM2: 100,
      brownfieldM2: 0,
      nafOnBrownfieldM2: 0,
      peneM2: 0,
      nafInPeneM2: 0,
    });
    expect(m.class).toBe('already_urbanised');
    expect(m.artificialisedShare).toBeCloseTo(0.98, 10);
    expect(m.consumptionM2).toBe(100);
  });
});

describe('rule set switch', () => {
  it('moves the windows and leaves activity out of the count under the reform', () => {
    // 2014-2023 at 10,000 m²/year of which 4,000 activity: law reference (2011-2020) counts
    // 2014-2020 only = 7 ha → 3.5 ha; reform reference 2014-2023 counts 6,000 × 10 = 6 ha → 3 ha.
    const series = flat(2014, 2023, 10_000, 4_000);
    expect(communeEnvelope(law, { insee: '07005', series }).allowedHa).toBeCloseTo(3.5, 10);
    const r = communeEnvelope(reform, { insee: '07005', series });
    expect(r.countedReferenceHa).toBeCloseTo(6, 10);
    expect(r.referenceHa).toBeCloseTo(10, 10);
    expect(r.allowedHa).toBeCloseTo(3, 10);
    expect(r.consumedHa).toBe(0);
    expect(countedM2(reform, series[0]!)).toBe(6_000);
  });

  it('does not count a plot of an industrial site under the reform, and does under the law', () => {
    const areas = {
      areaM2: 10_000,
      nafM2: 10_000,
      brownfieldM2: 0,
      nafOnBrownfieldM2: 0,
      peneM2: 0,
      nafInPeneM2: 0,
      siteVocation: 'industrielle',
    };
    expect(plotMeasure(law, areas).consumptionM2).toBe(10_000);
    expect(plotMeasure(reform, areas).consumptionM2).toBe(0);
    expect(plotMeasure(reform, areas).nafConsumptionM2).toBe(10_000);
  });

  it('refuses an unknown rule set', () => {
    expect(() => ruleSet('zan-2099')).toThrow(RangeError);
  });
});

describe('envelopeShare', () => {
  it('is null when the envelope is exhausted', () => {
    expect(envelopeShare(2, 4)).toBe(0.5);
    expect(envelopeShare(2, 0)).toBeNull();
  });
});
