// The CQL2 parsers against the standard's own examples (shared/reference/ogc-cql2): every text
// example parses, and gives the same tree as its JSON twin; nesting is bounded in both encodings.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cql2SyntaxError, maxFilterDepth, parseCql2Json, parseCql2Text } from '../../src/ogc/cql2.js';

// The shared reference folder sits next to the repository (CI), or next to the folder of
// worktrees that hold it.
const reference = ['../../../shared', '../../../../shared']
  .map((up) => join(import.meta.dirname, up, 'reference/ogc-cql2/examples'))
  .find((dir) => existsSync(dir));
if (!reference && process.env.CI)
  throw new Error('shared/reference/ogc-cql2/examples is missing next to the repository');
if (!reference) console.warn('skipping the CQL2 examples: shared/reference/ogc-cql2 is not next to the repository');
const textExamples = reference
  ? readdirSync(join(reference, 'text'))
      .filter((f) => f.endsWith('.txt'))
      .sort()
  : [];
// example36-alt01 and its kind write example36 another way: their JSON twin is example36's.
const twinOf = (name: string) => join(reference!, 'json', `${name.replace(/-alt\d+$/, '')}.json`);

describe.skipIf(!reference)('CQL2 examples of the standard', () => {
  it('has the 120 text examples to check', () => {
    expect(textExamples.length).toBe(120);
  });

  it.each(textExamples)('%s parses to the same tree as its JSON twin', (file) => {
    const name = file.replace(/\.txt$/, '');
    const tree = parseCql2Text(readFileSync(join(reference!, 'text', file), 'utf8'));
    expect(existsSync(twinOf(name)), `a JSON twin for ${name}`).toBe(true);
    expect(tree).toStrictEqual(parseCql2Json(readFileSync(twinOf(name), 'utf8')));
  });
});

describe('CQL2 text parser', () => {
  it('parses precedence: OR over AND over NOT over comparisons over arithmetic', () => {
    expect(parseCql2Text("a = 'x' OR b > 2 + 3 * c AND NOT c IS NULL")).toStrictEqual({
      op: 'or',
      args: [
        { op: '=', args: [{ property: 'a' }, 'x'] },
        {
          op: 'and',
          args: [
            { op: '>', args: [{ property: 'b' }, { op: '+', args: [2, { op: '*', args: [3, { property: 'c' }] }] }] },
            { op: 'not', args: [{ op: 'isNull', args: [{ property: 'c' }] }] },
          ],
        },
      ],
    });
  });

  it('reads signs: a binary minus, a negative literal, a negated property', () => {
    expect(parseCql2Text('balance-150.0 > -2')).toStrictEqual({
      op: '>',
      args: [{ op: '-', args: [{ property: 'balance' }, 150] }, -2],
    });
    expect(parseCql2Text('x = -y')).toStrictEqual({
      op: '=',
      args: [{ property: 'x' }, { op: '*', args: [-1, { property: 'y' }] }],
    });
    expect(parseCql2Text('x = 1e-3')).toStrictEqual({ op: '=', args: [{ property: 'x' }, 0.001] });
  });

  it('writes NOT LIKE, NOT IN, NOT BETWEEN and IS NOT NULL as not(...), as the JSON encoding does', () => {
    expect(parseCql2Text("a NOT LIKE 'x%'")).toStrictEqual({
      op: 'not',
      args: [{ op: 'like', args: [{ property: 'a' }, 'x%'] }],
    });
    expect(parseCql2Text('a NOT IN (1, 2)')).toStrictEqual({
      op: 'not',
      args: [{ op: 'in', args: [{ property: 'a' }, [1, 2]] }],
    });
    expect(parseCql2Text("x IN ('a', 'b''c', 'd\\'e')")).toStrictEqual({
      op: 'in',
      args: [{ property: 'x' }, ['a', "b'c", "d'e"]],
    });
  });

  it("reads GDAL's ILIKE as LIKE on CASEI of both sides", () => {
    expect(parseCql2Text("name ILIKE '%parc%'")).toStrictEqual({
      op: 'like',
      args: [
        { op: 'casei', args: [{ property: 'name' }] },
        { op: 'casei', args: ['%parc%'] },
      ],
    });
  });

  it('reads BBOX, WKT with or without Z, and normalises timestamps', () => {
    expect(parseCql2Text('S_INTERSECTS(geometry, BBOX(-1, 2, 3.5, 4))')).toStrictEqual({
      op: 's_intersects',
      args: [{ property: 'geometry' }, { bbox: [-1, 2, 3.5, 4] }],
    });
    expect(parseCql2Text('s_within(POINT Z (1 2 3), geometry)')).toStrictEqual({
      op: 's_within',
      args: [{ type: 'Point', coordinates: [1, 2, 3] }, { property: 'geometry' }],
    });
    expect(parseCql2Text('MULTIPOINT (1 2, 3 4) IS NULL')).toStrictEqual({
      op: 'isNull',
      args: [
        {
          type: 'MultiPoint',
          coordinates: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
    });
    expect(parseCql2Text("t_after(d, TIMESTAMP('2020-01-01T10:00:00.500Z'))")).toStrictEqual({
      op: 't_after',
      args: [{ property: 'd' }, { timestamp: '2020-01-01T10:00:00.5Z' }],
    });
  });

  it('accepts any property name: prefixed, dotted, quoted, accented', () => {
    const tree = parseCql2Text('landsat:wrs_row = 28 AND "eo:cloud_cover" < 0.1 AND a.b = 1 AND surfaceBâtie > 1') as {
      args: { args: unknown[] }[];
    };
    expect(tree.args.map((a) => a.args[0])).toStrictEqual([
      { property: 'landsat:wrs_row' },
      { property: 'eo:cloud_cover' },
      { property: 'a.b' },
      { property: 'surfaceBâtie' },
    ]);
  });

  it('rejects unterminated strings, stray input, bad literals and quotes inside WKT', () => {
    expect(() => parseCql2Text("a = 'x")).toThrow(/unterminated/);
    expect(() => parseCql2Text('a = 1 b')).toThrow(/unexpected input/);
    expect(() => parseCql2Text("S_INTERSECTS(geometry, POINT(1 2'))")).toThrow(Cql2SyntaxError);
    expect(() => parseCql2Text('S_INTERSECTS(geometry, POLYGON((1 2)))')).toThrow(/linear ring needs at least 4/);
    expect(() => parseCql2Text("d = DATE('2024-02-31')")).toThrow(/invalid DATE/);
    expect(() => parseCql2Text('S_INTERSECTS(geometry, BBOX(1, 2, 3))')).toThrow(/BBOX takes 4 or 6/);
    expect(() => parseCql2Text('a = AND')).toThrow(/unexpected AND/);
  });
});

describe('CQL2 nesting bound (issue #12)', () => {
  const syntaxError = (parse: () => unknown) => {
    try {
      parse();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('answers a syntax error, not a stack overflow, to 2,188 nested parentheses (4.4 KB)', () => {
    const text = `${'('.repeat(2188)}a = 1${')'.repeat(2188)}`;
    expect(text.length).toBeLessThan(8192);
    const error = syntaxError(() => parseCql2Text(text));
    expect(error).toBeInstanceOf(Cql2SyntaxError);
    expect((error as Error).message).toMatch(new RegExp(`deeper than ${maxFilterDepth} levels`));
  });

  it('bounds NOT chains, function calls, left-deep arithmetic chains and JSON nesting the same way', () => {
    for (const text of [
      `${'NOT '.repeat(2000)}a = 1`,
      `${'f('.repeat(2000)}1${')'.repeat(2000)} = 1`,
      `a = 1${' + 1'.repeat(2000)}`,
      `a = ${'-'.repeat(4000)}1`,
    ]) {
      expect(
        syntaxError(() => parseCql2Text(text)),
        text.slice(0, 20),
      ).toBeInstanceOf(Cql2SyntaxError);
    }
    const json = `${'{"op":"not","args":['.repeat(300)}true${']}'.repeat(300)}`;
    expect(syntaxError(() => parseCql2Json(json))).toBeInstanceOf(Cql2SyntaxError);
  });

  it(`still parses ${maxFilterDepth - 2} levels of parentheses`, () => {
    const depth = maxFilterDepth - 2;
    expect(parseCql2Text(`${'('.repeat(depth)}a = 1${')'.repeat(depth)}`)).toStrictEqual({
      op: '=',
      args: [{ property: 'a' }, 1],
    });
  });
});

describe('CQL2 JSON reader', () => {
  it('rejects what is not CQL2 JSON with a syntax error naming where', () => {
    expect(() => parseCql2Json('{"op":"=","args":[{"property":"a"}')).toThrow(/not valid JSON/);
    expect(() => parseCql2Json('{"op":"=","args":[{"property":"a","x":1},1]}')).toThrow(
      /unexpected member "x" at \/args\/0/,
    );
    expect(() => parseCql2Json('{"op":"t_after","args":[{"property":"a"},{"date":"2024-13-01"}]}')).toThrow(
      /invalid date/,
    );
    expect(() =>
      parseCql2Json('{"op":"s_intersects","args":[{"property":"g"},{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}]}'),
    ).toThrow(/at least 4 positions/);
  });
});
