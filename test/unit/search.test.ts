// Pure parts of the search: cursors, LIKE escaping, bbox parsing, brief defaults.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/http/errors.js';
import { bboxQuery } from '../../src/http/params.js';
import { briefQuery, toBrief } from '../../src/search/brief.js';
import { decodeCursor, encodeCursor } from '../../src/search/cursor.js';
import { likePattern } from '../../src/search/repository.js';

describe('search cursors', () => {
  const id = '3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15';
  it('round-trips the sort key exactly, as base64url', () => {
    const key = -86.21785714285716;
    const text = encodeCursor({ sort: '-area', key, id });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, '-area')).toEqual({ sort: '-area', key, id });
  });
  it('refuses garbage, a wrong shape, and a cursor of another sort', () => {
    expect(() => decodeCursor('bm90IGpzb24', 'score')).toThrow(ValidationError);
    expect(() => decodeCursor(Buffer.from('["score","1","x"]').toString('base64url'), 'score')).toThrow(
      ValidationError,
    );
    expect(() => decodeCursor(encodeCursor({ sort: 'area', key: 1, id }), 'price')).toThrow(/issued for sort=area/);
  });
});

describe('likePattern', () => {
  it('escapes %, _ and backslash so that words match literally', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});

describe('bboxQuery', () => {
  it('parses four numbers and rejects latitudes over 90 and min > max', () => {
    expect(bboxQuery.parse('4.3,44.3,5.1,45.2')).toEqual([4.3, 44.3, 5.1, 45.2]);
    expect(bboxQuery.safeParse('4,44,5,91').success).toBe(false);
    expect(bboxQuery.safeParse('5,44,4,45').success).toBe(false);
    expect(bboxQuery.safeParse('a,b,c,d').success).toBe(false);
  });
});

describe('briefQuery', () => {
  it('expands marketing shorthands, reads flags, and defaults the sort to score', () => {
    const brief = toBrief(briefQuery.parse({ marketing_stage: 'available,sold', rail_siding: 'true', sort: '-price' }));
    expect(brief.filters.marketing_stage).toEqual([
      'en vente',
      'en vente avec contraintes',
      'vendu, commercialisation achevée',
    ]);
    expect(brief.filters.rail_siding).toBe(true);
    expect(brief.sort).toEqual({ key: 'price', reverse: true });
    expect(toBrief(briefQuery.parse({})).sort).toEqual({ key: 'score', reverse: false });
  });
  it('needs near for radius_km and for sort=distance', () => {
    const result = briefQuery.safeParse({ radius_km: '5', sort: 'distance' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['radius_km', 'sort']);
  });
});
