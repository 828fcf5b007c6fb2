// The CNIG CSV exports checked against the standard's TableSchemas by an independent validator:
// frictionless tableschema-js (the `tableschema` package), which shares no code with src/cnig
// (our importer's own checker). Required fields, types, formats, enums, GeoJSON geometries.
// Also which CSV files carry a UTF-8 byte order mark (README, "CSV files").
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table } from 'tableschema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';

// The standard as published (shared/reference beside the checkout, or beside a worktree's
// parent), else the vendored copy (the same bytes; data, not code).
const referenceDir =
  ['../../../shared', '../../../../shared']
    .map((up) => join(import.meta.dirname, up, 'reference/cnig-sites-economiques'))
    .find((dir) => existsSync(dir)) ?? null;
const schemaPath = (kind: string) =>
  referenceDir
    ? join(referenceDir, `${kind}.schema.json`)
    : join(import.meta.dirname, `../../src/cnig/schemas/${kind}.schema.json`);
const schemaOf = (kind: string) => JSON.parse(readFileSync(schemaPath(kind), 'utf8')) as object;

// tableschema-js 1.12 checks `geojson` fields with tv4 against its GeoJSON profile, whose $refs
// point at the profile's own id; unregistered, they resolve to nothing and every geometry fails
// ("valid against more than one schema from oneOf"), the standard's own example included.
// Registering the profile under its id lets tv4 follow them.
const require = createRequire(import.meta.url);
const tv4 = require('tv4') as { addSchema(uri: string, schema: object): void };
const geojsonProfile = require('tableschema/lib/profiles/geojson.json') as { id: string };
tv4.addSchema(geojsonProfile.id.replace(/#$/, ''), geojsonProfile);

type CastError = Error & { rowNumber?: number; errors?: { message: string }[] };

let dir: string;
/** The messages of every row tableschema-js rejects in a ';'-separated CNIG file. */
async function tableSchemaErrors(
  kind: 'site-eco' | 'terrain-eco',
  csv: string | Uint8Array,
): Promise<{ rows: number; errors: string[] }> {
  const path = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, csv);
  const table = await Table.load(path, { schema: schemaOf(kind), delimiter: ';' });
  const rows = (await table.read({ forceCast: true })) as unknown[];
  const errors = rows
    .filter((row): row is CastError => row instanceof Error)
    .flatMap((e) =>
      e.errors?.length ? e.errors.map((x) => `row ${e.rowNumber}: ${x.message}`) : [`row ${e.rowNumber}: ${e.message}`],
    );
  return { rows: rows.length, errors };
}

const bom = [0xef, 0xbb, 0xbf];
const startsWithBom = (bytes: Uint8Array) => bom.every((b, i) => bytes[i] === b);

describe('CNIG CSV exports against the TableSchemas (tableschema-js)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await openTestApp();
    dir = mkdtempSync(join(tmpdir(), 'foncier-tableschema-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it.skipIf(!referenceDir)("accepts the standard's own valid examples (the validator works)", async () => {
    for (const kind of ['site-eco', 'terrain-eco'] as const) {
      const result = await tableSchemaErrors(kind, readFileSync(join(referenceDir!, `${kind}.exemple-valide.csv`)));
      expect(result, kind).toEqual({ rows: 1, errors: [] });
    }
  });

  it('GET /exports/cnig/site-eco.csv: every site valid, every required field filled (pole_id too)', async () => {
    const res = await t.get('/exports/cnig/site-eco.csv?extensions=false');
    expect(res.status).toBe(200);
    const live = await t.handle.db.selectFrom('sites').select('id').where('deletedAt', 'is', null).execute();
    expect(live.length).toBeGreaterThan(0);
    expect(await tableSchemaErrors('site-eco', new Uint8Array(await res.arrayBuffer()))).toEqual({
      rows: live.length,
      errors: [],
    });
  });

  it('GET /exports/cnig/terrain-eco.csv: every plot valid', async () => {
    const res = await t.get('/exports/cnig/terrain-eco.csv?extensions=false');
    expect(res.status).toBe(200);
    const live = await t.handle.db.selectFrom('plots').select('id').where('deletedAt', 'is', null).execute();
    expect(live.length).toBeGreaterThan(0);
    expect(await tableSchemaErrors('terrain-eco', new Uint8Array(await res.arrayBuffer()))).toEqual({
      rows: live.length,
      errors: [],
    });
  });

  it('rejects an export with pole_id emptied or a broken geometry (the check can fail)', async () => {
    const text = await (await t.get('/exports/cnig/site-eco.csv?territory=ti-8401&extensions=false')).text();
    const [header, first, ...rest] = text.split('\n');
    const cells = first!.split(';');
    cells[1] = '';
    const noPole = await tableSchemaErrors('site-eco', [header, cells.join(';'), ...rest].join('\n'));
    expect(noPole.errors).toEqual([expect.stringMatching(/^row 2: .*"required" constraint for column "pole_id"/)]);
    const broken = await tableSchemaErrors(
      'site-eco',
      text.replace('"{""type"":""MultiPolygon""', '"{""type"":""Blob""'),
    );
    expect(broken.errors).toEqual([expect.stringMatching(/^row 2: .*column "site_geomsurf" is not type "geojson"/)]);
  });

  it('CNIG exports are bare UTF-8; the search CSV for people starts with a byte order mark', async () => {
    for (const path of ['/exports/cnig/site-eco.csv', '/exports/cnig/terrain-eco.csv']) {
      const bytes = new Uint8Array(await (await t.get(path)).arrayBuffer());
      expect(startsWithBom(bytes), path).toBe(false);
      expect(new TextDecoder().decode(bytes.subarray(0, 8)), path).toMatch(/^(site|terr)_id;/);
    }
    for (const path of ['/sites?f=csv', '/plots?f=csv&limit=5', '/sites?f=csv&limit=3']) {
      const bytes = new Uint8Array(await (await t.get(path)).arrayBuffer());
      expect(startsWithBom(bytes), path).toBe(true);
      // The accents survive as UTF-8 after the mark (e.g. "é" in the site types).
      expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1, 9), path).toMatch(/^(site|terr)_id;/);
    }
  });
});
