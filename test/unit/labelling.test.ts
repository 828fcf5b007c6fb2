import { describe, expect, it } from 'vitest';
import { readinessBand } from '../../src/programme/dashboard.js';
import { catalogueFlag, readiness, type SiteFacts } from '../../src/labelling/readiness.js';
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

  it('gives territory moves to editors, instruction to labellers and decisions to deciders; reasons for changes, rejection, withdrawal', () => {
    expect(allowedMoves('draft', 'labeller')).toEqual([]);
    expect(allowedMoves('under_review', 'editor')).toEqual([]);
    expect(allowedMoves('under_review', 'labeller').map((m) => m.to)).toEqual(['changes_requested']);
    expect(
      allowedMoves('under_review', 'decider')
        .map((m) => m.to)
        .sort(),
    ).toEqual(['labelled', 'rejected']);
    expect(moves.filter((m) => m.decision).map((m) => m.to)).toEqual(['labelled', 'rejected']);
    expect(
      moves
        .filter((m) => m.reasonRequired)
        .map((m) => m.to)
        .sort(),
    ).toEqual(['changes_requested', 'rejected', 'withdrawn']);
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
      '50 % of the plot area on brownfield land; developing it would consume 3.5 ha of NAF land, ' +
        '3.5 ha charged to the commune (climat-resilience-2021+zan-2023)',
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
    // Maturity met while the catalogue says 2031: flagged, so not ready until the data is fixed.
    expect(r).toMatchObject({ ready: false, blocking: [], flags: ['maturity'], assessed: 3, total: 3 });
    const fixed = readiness(
      criteria,
      [met('land_control'), met('maturity'), { ...met('network_gas'), status: 'not_met' }],
      { ...facts, availableFrom: '2029-06-30' },
    );
    expect(fixed).toMatchObject({ ready: true, complete: true, blocking: [], flags: [], missing: [] });
  });

  it('flags a criterion met that the catalogue contradicts, and only then', () => {
    const gas = criteria[2]!;
    expect(catalogueFlag(gas, 'met', facts)).toBe('le catalogue n’indique pas de réseau de gaz');
    expect(catalogueFlag(gas, 'not_met', facts)).toBeNull();
    expect(catalogueFlag(gas, 'met', { ...facts, networkGas: true })).toBeNull();
    const electricity = {
      id: 'network_electricity',
      group: 'réseaux',
      title: 'É',
      blocking: true,
      hint: '',
      minPowerMw: 25,
    };
    expect(catalogueFlag(electricity, 'met', facts)).toBe(
      'puissance disponible 20 MW au catalogue, sous les 25 MW du critère',
    );
    expect(catalogueFlag({ ...electricity, minPowerMw: 20 }, 'met', facts)).toBeNull();
    const soil = { id: 'soil_diagnosis', group: 'sols', title: 'S', blocking: true, hint: '' };
    expect(catalogueFlag(soil, 'not_applicable', facts)).toMatch(/^site en friche \(50 %/);
    expect(catalogueFlag(soil, 'not_applicable', { ...facts, brownfieldShare: 0 })).toBeNull();
    const planning = { id: 'planning_compatibility', group: 'u', title: 'P', blocking: true, hint: '' };
    expect(catalogueFlag(planning, 'met', { ...facts, planningZones: ['A', 'N'] })).toMatch(/zones A, N/);
    expect(catalogueFlag(planning, 'met', facts)).toBeNull();
  });

  it('is incomplete while a criterion is unassessed or not applicable without a justification', () => {
    const na = (comment: string | null) => ({
      criterionId: 'network_gas',
      status: 'not_applicable' as const,
      evidence: [],
      comment,
      assessedAt: '',
      assessedBy: 'x',
    });
    expect(readiness(criteria, [na(null)], facts).missing).toEqual(['land_control', 'maturity', 'network_gas']);
    expect(readiness(criteria, [na('Pas de réseau à proximité')], facts).missing).toEqual(['land_control', 'maturity']);
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
