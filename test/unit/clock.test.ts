// The app's one clock: pinned dates, France's calendar day, and refusal of what is not a date.
import { describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';

describe('clock', () => {
  it('a clock pinned on a date answers that date and one instant on it', () => {
    const clock = fixedClock('2026-11-25');
    expect(clock.today()).toBe('2026-11-25');
    expect(clock.now().toISOString()).toBe('2026-11-25T11:00:00.000Z');
    expect(clock.now()).not.toBe(clock.now()); // a copy each time: callers may not move it
  });

  it("today is France's calendar day: 23:30 UTC on 31 December is already 1 January in Paris", () => {
    expect(fixedClock('2026-12-31T23:30:00Z').today()).toBe('2027-01-01');
    expect(fixedClock('2026-07-01T21:59:00Z').today()).toBe('2026-07-01');
    expect(fixedClock('2026-07-01T22:00:00Z').today()).toBe('2026-07-02');
  });

  it('refuses what is not a date or an instant', () => {
    expect(() => fixedClock('tomorrow')).toThrow(RangeError);
  });

  it('the system clock answers a YYYY-MM-DD day within a day of UTC', () => {
    const utc = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const paris = Date.parse(`${systemClock.today()}T00:00:00Z`);
    expect(Math.abs(paris - utc)).toBeLessThanOrEqual(86_400_000);
  });

  it('FONCIER_TODAY pins the clock and must be a calendar date', () => {
    expect(loadConfig({ FONCIER_TODAY: '2027-03-01' }).today).toBe('2027-03-01');
    expect(loadConfig({}).today).toBeUndefined();
    expect(() => loadConfig({ FONCIER_TODAY: '2027-02-30' })).toThrow(/FONCIER_TODAY/);
  });
});
