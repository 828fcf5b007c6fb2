import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/db/ids.js';
import { BULK_LOAD_MIN_ROWS, isBulkLoad } from '../../src/importers/bulk-load.js';
import { estimateRecords } from '../../src/importers/sources.js';

const dir = mkdtempSync(join(tmpdir(), 'foncier-imports-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bulk loads', () => {
  it('count as bulk only when large in themselves and next to the table', () => {
    expect(isBulkLoad(BULK_LOAD_MIN_ROWS - 1, 0)).toBe(false);
    expect(isBulkLoad(BULK_LOAD_MIN_ROWS, 0)).toBe(true);
    expect(isBulkLoad(1_000_000, 1_000_000)).toBe(true);
    // A territory's update into a national table keeps the indexes.
    expect(isBulkLoad(200_000, 1_000_000)).toBe(false);
  });

  it('estimates the records of a file from its first MiB', async () => {
    const line = `${JSON.stringify({
      type: 'Feature',
      properties: { terr_id: 'X' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [4.8, 44.9],
            [4.81, 44.9],
            [4.81, 44.91],
            [4.8, 44.9],
          ],
        ],
      },
    })}\n`;
    const lines = join(dir, 'plots.geojsonl');
    writeFileSync(lines, line.repeat(30_000));
    expect(await estimateRecords(lines)).toBeGreaterThan(29_000);
    expect(await estimateRecords(lines)).toBeLessThan(31_000);
    const collection = join(dir, 'plots.geojson');
    const feature = line.trim();
    writeFileSync(
      collection,
      `{"type":"FeatureCollection","features":[${Array.from({ length: 20_000 }, () => feature).join(',')}]}`,
    );
    const estimate = await estimateRecords(collection);
    expect(estimate).toBeGreaterThan(19_000);
    expect(estimate).toBeLessThan(21_000);
  });
});

describe('time-ordered ids', () => {
  it('are RFC 9562 version 7 UUIDs that sort by their time', () => {
    const earlier = timeOrderedId(Date.UTC(2026, 0, 1));
    const later = timeOrderedId(Date.UTC(2026, 0, 1) + 1);
    expect(earlier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(earlier < later).toBe(true);
    // The first 48 bits are the milliseconds, in hex: 8 digits, a dash, 4 digits.
    const millis = Date.UTC(2026, 0, 1).toString(16).padStart(12, '0');
    expect(earlier.slice(0, 13)).toBe(`${millis.slice(0, 8)}-${millis.slice(8)}`);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId(0))).size).toBe(1000);
  });
});
