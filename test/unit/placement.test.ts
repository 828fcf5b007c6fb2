import { describe, expect, it } from 'vitest';
import { randomPointInside, type PolygonGeometry } from '../../src/fixtures/placement.js';
import { createRandom } from '../../src/fixtures/random.js';

// A 1°×1° square with a 0.5°×0.5° hole in its middle.
const holed: PolygonGeometry = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0],
    ],
    [
      [0.25, 0.25],
      [0.25, 0.75],
      [0.75, 0.75],
      [0.75, 0.25],
      [0.25, 0.25],
    ],
  ],
};

describe('randomPointInside', () => {
  it('gives the same points for the same seed and others for another seed', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () => randomPointInside(random, holed));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(2)).not.toEqual(draw(1));
  });
  it('keeps out of holes and at least the inset from every edge', () => {
    const random = createRandom(3);
    for (let i = 0; i < 500; i++) {
      const p = randomPointInside(random, holed, 0.1)!;
      expect(p).toBeDefined();
      const inHole = p.lon > 0.25 && p.lon < 0.75 && p.lat > 0.25 && p.lat < 0.75;
      expect(inHole).toBe(false);
      // Nearest edge of the square or of the hole, in degrees.
      const toSquare = Math.min(p.lon, 1 - p.lon, p.lat, 1 - p.lat);
      const dx = Math.max(0.25 - p.lon, 0, p.lon - 0.75);
      const dy = Math.max(0.25 - p.lat, 0, p.lat - 0.75);
      expect(Math.min(toSquare, Math.hypot(dx, dy))).toBeGreaterThanOrEqual(0.1);
    }
  });
  it('finds nothing in a polygon narrower than twice the inset, and in a MultiPolygon picks every part', () => {
    const strip: PolygonGeometry = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 0.005],
          [0, 0.005],
          [0, 0],
        ],
      ],
    };
    expect(randomPointInside(createRandom(4), strip, 0.004)).toBeUndefined();
    const square = (x: number) => [
      [
        [x, 0],
        [x + 1, 0],
        [x + 1, 1],
        [x, 1],
        [x, 0],
      ],
    ];
    const two: PolygonGeometry = { type: 'MultiPolygon', coordinates: [square(0), square(10)] };
    const random = createRandom(5);
    const points = Array.from({ length: 50 }, () => randomPointInside(random, two)!);
    expect(points.every((p) => (p.lon >= 0 && p.lon <= 1) || (p.lon >= 10 && p.lon <= 11))).toBe(true);
    expect(points.some((p) => p.lon <= 1)).toBe(true);
    expect(points.some((p) => p.lon >= 10)).toBe(true);
  });
});
