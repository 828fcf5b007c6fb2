// The fixtures are placed by the seed alone, whatever the backend (issue #13, item 6): the
// demo's communes and sites and a generated batch (`foncier fixtures --seed 7`) must match
// one fingerprint file, test/golden/fixtures-placement.txt, on PGlite and on PostgreSQL alike.
// Per site: its CNIG id, its centroid to 1e-6° and its plot count; the communes as a digest
// of their centroids. Regenerate on purpose and review the diff:
// REGEN=1 npx vitest run test/http/fixtures-placement.test.ts (then run it on the other backend).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../src/fixtures/generate.js';
import { openTestApp, type TestContext } from '../support/app.js';

const golden = join(import.meta.dirname, '../golden/fixtures-placement.txt');

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

async function siteLines(where: 'demo' | 'generated'): Promise<string[]> {
  // Generated CNIG ids are numbered from 1,000,000 (fixtures/generate.ts).
  const { rows } = await sql<{ line: string }>`
    SELECT concat_ws(' ', s.cnig_id,
             to_char(round(ST_X(ST_Centroid(s.geom))::numeric, 6), 'FM990.000000'),
             to_char(round(ST_Y(ST_Centroid(s.geom))::numeric, 6), 'FM990.000000'),
             (SELECT count(*) FROM plots p WHERE p.site_id = s.id)) AS line
    FROM sites s
    WHERE (substring(s.cnig_id from '_(\\d+)$')::int >= 1000000) = ${where === 'generated'}
    ORDER BY s.cnig_id`.execute(t.handle.db);
  return rows.map((r) => r.line);
}

async function communesDigest(): Promise<string> {
  const { rows } = await sql<{ line: string }>`
    SELECT concat_ws(' ', insee,
             to_char(round(ST_X(ST_Centroid(geom))::numeric, 6), 'FM990.000000'),
             to_char(round(ST_Y(ST_Centroid(geom))::numeric, 6), 'FM990.000000')) AS line
    FROM communes ORDER BY insee`.execute(t.handle.db);
  const digest = createHash('sha256')
    .update(rows.map((r) => r.line).join('\n'))
    .digest('hex');
  return `communes ${rows.length} sha256 ${digest}`;
}

describe('fixture placement', () => {
  it('places the demo and `fixtures --seed 7 --plots 600` exactly as test/golden/fixtures-placement.txt says', async () => {
    const demo = await siteLines('demo');
    const communes = await communesDigest();
    const result = await generateFixtures(t.handle.db, { plots: 600, seed: 7 });
    expect(result.plots).toBe(600);
    const generated = await siteLines('generated');
    expect(generated.length).toBe(result.sites);
    const text = [communes, '# demo sites', ...demo, '# generated sites (seed 7, 600 plots)', ...generated, ''].join(
      '\n',
    );
    if (process.env.REGEN === '1' || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('places another seed elsewhere', async () => {
    const before = new Set(await siteLines('generated'));
    await generateFixtures(t.handle.db, { plots: 100, seed: 8 });
    const added = (await siteLines('generated')).filter((line) => !before.has(line));
    expect(added.length).toBeGreaterThan(0);
    const centres = (lines: Iterable<string>) => new Set([...lines].map((l) => l.split(' ').slice(1, 3).join(' ')));
    const seen = centres(before);
    expect([...centres(added)].filter((c) => seen.has(c))).toEqual([]);
  });
});
