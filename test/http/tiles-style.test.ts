// The MapLibre styles and the glyphs they use: everything served by the project (no font
// host), a centre and zoom over France, and a QGIS variant without expressions.
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTileLayer } from '../../src/tiles/layers.js';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

interface Glyph {
  id: number;
  bitmap?: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

/** Decodes a glyph range PBF (the fontnik schema: glyphs { stacks { name, range, glyphs } }). */
function decodeGlyphs(bytes: Uint8Array): { name: string; range: string; glyphs: Glyph[] } {
  const pbf = new PbfReader(bytes);
  const out = { name: '', range: '', glyphs: [] as Glyph[] };
  pbf.readFields((tag, _o, p) => {
    if (tag !== 1) return;
    p.readMessage((t2, _s, q) => {
      if (t2 === 1) out.name = q.readString();
      else if (t2 === 2) out.range = q.readString();
      else if (t2 === 3) {
        const glyph: Glyph = { id: 0, width: 0, height: 0, left: 0, top: 0, advance: 0 };
        q.readMessage((t3, g, r) => {
          if (t3 === 1) g.id = r.readVarint();
          else if (t3 === 2) g.bitmap = r.readBytes();
          else if (t3 === 3) g.width = r.readVarint();
          else if (t3 === 4) g.height = r.readVarint();
          else if (t3 === 5) g.left = r.readSVarint();
          else if (t3 === 6) g.top = r.readSVarint();
          else if (t3 === 7) g.advance = r.readVarint();
        }, glyph);
        out.glyphs.push(glyph);
      }
    }, undefined);
  }, undefined);
  return out;
}

/** The expression operators (not legacy filters: `all`, `==`, `in`, `has` are read by QGIS) in a JSON value. */
function expressionOperators(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    if (
      typeof value[0] === 'string' &&
      [
        'case',
        'get',
        'match',
        'interpolate',
        'step',
        'coalesce',
        'literal',
        'number-format',
        'geometry-type',
        'zoom',
        'to-number',
        'to-string',
      ].includes(value[0])
    )
      found.add(value[0]);
    for (const v of value) expressionOperators(v, found);
  } else if (value && typeof value === 'object') for (const v of Object.values(value)) expressionOperators(v, found);
  return found;
}

describe(`MapLibre styles and glyphs (${backendName()})`, () => {
  it('GET /tiles/style.json opens over France and points its glyphs and tiles at this server only', async () => {
    const style = await (await t.get('/tiles/style.json')).json();
    expect(style.center).toEqual([2.5, 46.6]);
    expect(style.zoom).toBe(5);
    expect(style.glyphs).toBe('http://localhost/tiles/fonts/{fontstack}/{range}.pbf');
    expect(style.sources.foncier.url).toBe('http://localhost/tiles/composite.json');
    expect(style.sprite).toBeUndefined();
    expect(JSON.stringify(style)).not.toMatch(/https?:\/\/(?!localhost)/);
    const fonts = new Set(
      style.layers.flatMap((l: { layout?: { 'text-font'?: string[] } }) => l.layout?.['text-font'] ?? []),
    );
    expect([...fonts]).toEqual(['Noto Sans Regular']);
  });

  it('the glyphs of the Latin range decode: "A" has an SDF bitmap of (width + 6) × (height + 6) and a positive advance', async () => {
    const res = await t.get('/tiles/fonts/Noto%20Sans%20Regular/0-255.pbf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.headers.get('cache-control')).toContain('max-age=');
    expect(res.headers.get('content-encoding')).toBeNull();
    const zipped = await t.get('/tiles/fonts/Noto%20Sans%20Regular/0-255.pbf', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toContain('accept-encoding');
    const range = decodeGlyphs(new Uint8Array(await res.arrayBuffer()));
    expect(range.name).toBe('Noto Sans Regular');
    expect(range.range).toBe('0-255');
    const a = range.glyphs.find((g) => g.id === 65)!;
    expect(a.width).toBeGreaterThan(8);
    expect(a.height).toBeGreaterThan(10);
    expect(a.bitmap!.length).toBe((a.width + 6) * (a.height + 6));
    expect(a.advance).toBeGreaterThan(10);
    // Digits (cluster counts) and the accented letters of French names are there.
    for (const c of '0123456789éèàçÉ')
      expect(
        range.glyphs.some((g) => g.id === c.codePointAt(0)),
        c,
      ).toBe(true);
    // A space has an advance and no bitmap.
    const space = range.glyphs.find((g) => g.id === 32)!;
    expect(space.advance).toBeGreaterThan(0);
    expect(space.bitmap ?? new Uint8Array(0)).toHaveLength(0);
  });

  it('a font stack is served by its first font we have; a range the font lacks is an empty range, not an error', async () => {
    const stack = await t.get('/tiles/fonts/Noto%20Sans%20Regular,Arial%20Unicode%20MS%20Regular/256-511.pbf');
    expect(stack.status).toBe(200);
    expect(decodeGlyphs(new Uint8Array(await stack.arrayBuffer())).glyphs.some((g) => g.id === 0x153)).toBe(true); // œ
    const cjk = await t.get('/tiles/fonts/Noto%20Sans%20Regular/19968-20223.pbf');
    expect(cjk.status).toBe(200);
    const empty = decodeGlyphs(new Uint8Array(await cjk.arrayBuffer()));
    expect(empty.range).toBe('19968-20223');
    expect(empty.glyphs).toEqual([]);
  });

  it('an unknown font is a 404 problem, a range that is not 256 code points a 400 naming it', async () => {
    const unknown = await t.get('/tiles/fonts/Comic%20Sans/0-255.pbf');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    for (const range of ['0-99.pbf', '1-256.pbf', '0-255.png', '65536-65791.pbf']) {
      const bad = await t.get(`/tiles/fonts/Noto%20Sans%20Regular/${range}`);
      expect(bad.status, range).toBe(400);
      expect((await bad.json()).invalidParams[0].name).toBe('range');
    }
  });

  it('GET /tiles/style-qgis.json has no expression QGIS skips, the same sources, glyphs and centre, and a layer for each colour of the main style', async () => {
    const [main, qgis] = await Promise.all([
      (await t.get('/tiles/style.json')).json(),
      (await t.get('/tiles/style-qgis.json')).json(),
    ]);
    expect(expressionOperators(main.layers)).toContain('case');
    expect([...expressionOperators(qgis.layers)]).toEqual([]);
    expect(qgis.sources).toEqual(main.sources);
    expect(qgis.glyphs).toBe(main.glyphs);
    expect(qgis.center).toEqual(main.center);
    const colours = (style: { layers: { paint?: Record<string, unknown> }[] }) =>
      new Set(
        style.layers.flatMap((l) =>
          Object.entries(l.paint ?? {})
            .filter(([k]) => k.endsWith('-color'))
            .flatMap(([, v]) => JSON.stringify(v).match(/#[0-9a-f]{6}/g) ?? []),
        ),
      );
    expect([...colours(main)].filter((c) => !colours(qgis).has(c))).toEqual([]);
    const sourceLayers = (style: { layers: { 'source-layer'?: string }[] }) =>
      new Set(style.layers.map((l) => l['source-layer']).filter(Boolean));
    expect(sourceLayers(qgis)).toEqual(sourceLayers(main));
    // The same zooms as the main style: clusters up to the layer's clusterBelow, polygons from it.
    for (const id of ['sites', 'plots', 'brownfields']) {
      const { clusterBelow } = findTileLayer(id)!;
      const own = (
        qgis.layers as { id: string; 'source-layer'?: string; filter?: unknown; minzoom?: number; maxzoom?: number }[]
      ).filter((l) => l['source-layer'] === id);
      const clusters = own.filter((l) => JSON.stringify(l.filter ?? null).includes('"count"'));
      expect(clusters.length, id).toBeGreaterThan(0);
      for (const l of clusters) expect(l.maxzoom, l.id).toBe(clusterBelow);
      for (const l of own.filter((l) => !clusters.includes(l))) expect(l.minzoom, l.id).toBe(clusterBelow);
    }
  });
});
