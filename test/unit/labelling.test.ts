import { describe, expect, it } from 'vitest';
import { readinessBand } from '../../src/programme/dashboard.js';
import { readiness, type SiteFacts } from '../../src/labelling/readiness.js';
import { allowedMoves, findMove, moves } from '../../src/labelling/workflow.js';

describe('labelling workflow', () => {
  it('follows draft → submitted → under_review → (changes_requested → submitted)* → labelled | rejected, labelled → withdrawn', () => {
    expect(allowedMoves('none').map((m) => m.to)).toEqual(['draft']);
    expect(allowedMoves('draft').map((m) => m.to)).toEqual(['submitted']);
    expect(
      allowedMoves('under_review')
        .map((m) => m.to)
        .sort(),
    ).toEqual(['changes_requested', 'labelled', 'rejected']);
    expect(allowedMoves('changes_requested').map((m) => m.to)).toEqual(['submitted']);
    expect(allowedMoves('labelled').map((m) => m.to)).toEqual(['withdrawn']);
    expect(allowedMoves('rejected')).toEqual([]);
    expect(allowedMoves('withdrawn')).toEqual([]);
    expect(findMove('draft', 'labelled')).toBeUndefined();
  });

  it('gives territory moves to editors and review moves to labellers, every review move with a reason', () => {
    expect(allowedMoves('draft', 'labeller')).toEqual([]);
    expect(allowedMoves('under_review', 'editor')).toEqual([]);
    expect(moves.filter((m) => m.roles.includes('labeller')).every((m) => m.reasonRequired)).toBe(true);
  });
});

describe('readiness', () => {
  const facts: SiteFacts = {
    powerMw: 20,
    networkElectricity: true,
    networkDrinkingWater: true,
    networkSewerage: true,
    networkGas: false,
    networkFibre: true,
    motorwayInterchangeKm: 4,
    railSiding: true,
    portKm: 80,
    availableFrom: '2031-01-01',
    usableAreaHa: 40,
    largestPlotHa: 12,
    brownfieldShare: 0.5,
    planningZones: ['AU'],
    zan: { ruleSet: 'climat-resilience-2021+zan-2023', nafConsumptionHa: 3.5, consumptionHa: 3.5, urbanisedShare: 0.6 },
  };
  const criteria = [
    { id: 'land_control', group: 'foncier', title: 'Maîtrise foncière', blocking: true, hint: '' },
    { id: 'maturity', group: 'maturité', title: 'Date', blocking: true, hint: '' },
    { id: 'network_gas', group: 'réseaux', title: 'Gaz', blocking: false, hint: '' },
  ];
  it('blocks on every blocking criterion not assessed met or not applicable', () => {
    const r = readiness(
      criteria,
      [{ criterionId: 'land_control', status: 'met', evidence: [], comment: null, assessedAt: '', assessedBy: 'x' }],
      facts,
    );
    expect(r.ready).toBe(false);
    expect(r.blocking).toEqual(['maturity']);
    expect(r.items.find((i) => i.criterion.id === 'maturity')!.catalogue).toBe('ready on 2031-01-01, after 2030');
  });
  it('brings the ZAN figures into the land sobriety indication', async () => {
    const { catalogueIndication } = await import('../../src/labelling/readiness.js');
    expect(catalogueIndication('land_sobriety', facts)).toBe(
      '50 % of the plot area on brownfield land; developing it would consume 3.5 ha of NAF land, 3.5 ha charged to the commune (climat-resilience-2021+zan-2023)',
    );
  });
  it('is ready when the blocking criteria are met, whatever the optional ones say', () => {
    const met = (id: string) => ({
      criterionId: id,
      status: 'met' as const,
      evidence: [],
      comment: null,
      assessedAt: '',
      assessedBy: 'x',
    });
    const r = readiness(
      criteria,
      [met('land_control'), met('maturity'), { ...met('network_gas'), status: 'not_met' }],
      facts,
    );
    expect(r).toMatchObject({ ready: true, blocking: [], assessed: 3, total: 3 });
  });
});

describe('readiness bands', () => {
  it('bands a ready date against today: now, within 3 years, by 2030, later', () => {
    expect(readinessBand('2026-01-01', '2026-11-25')).toBe('ready_now');
    expect(readinessBand('2029-11-25', '2026-11-25')).toBe('within_3_years');
    expect(readinessBand('2029-11-26', '2026-11-25')).toBe('by_2030');
    expect(readinessBand('2031-01-01', '2026-11-25')).toBe('after_2030_or_unknown');
    expect(readinessBand(null, '2026-11-25')).toBe('after_2030_or_unknown');
  });
});
