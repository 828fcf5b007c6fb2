// The CNIG CSV as the /exports downloads and the search (f=csv) write it, pinned byte for byte
// on the demo data of one territory (ti-8401 has buyers who are natural persons, withheld).
// Both writers go through cnig/export.ts; these files say what it writes. One set per backend
// (the demo is placed identically on both, test/http/fixtures-placement.test.ts, but the
// geometry PostGIS/GEOS derive from it may differ in the last digits). Regenerate on
// purpose, and review the diff: REGEN=1 npx vitest run test/http/cnig-csv-golden.test.ts
// (and again with DATABASE_URL set).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

const goldenDir = join(import.meta.dirname, '../golden/cnig-csv', backendName());
const territory = 'ti-8401';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const cases: [file: string, path: string][] = [
  ['site-eco-export.csv', `/exports/cnig/site-eco.csv?territory=${territory}`],
  ['terrain-eco-export.csv', `/exports/cnig/terrain-eco.csv?territory=${territory}`],
  ['sites-search.csv', `/sites?f=csv&territory=${territory}`],
  ['plots-search.csv', `/plots?f=csv&territory=${territory}`],
  ['plots-search-page.csv', `/plots?f=csv&territory=${territory}&limit=5`],
];

describe('CNIG CSV golden files', () => {
  for (const [file, path] of cases) {
    it(`GET ${path} writes exactly test/golden/cnig-csv/${backendName()}/${file}`, async () => {
      const res = await t.get(path);
      expect(res.status).toBe(200);
      const text = await res.text();
      const golden = join(goldenDir, file);
      if (process.env.REGEN === '1' || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }
});
