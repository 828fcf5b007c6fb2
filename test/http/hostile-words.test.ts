// Words of Object.prototype (toString, constructor, __proto__, …) as user input: they name
// nothing in a lookup table, so they are unknown values (400), never a function found on the
// prototype (which used to end in a 500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epciNature } from '../../src/importers/admin-boundaries.js';
import { ruleSet } from '../../src/zan/rule-sets.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const prototypeWords = ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

describe('prototype words in query values', () => {
  const cases = prototypeWords.flatMap((word) =>
    [
      '/plots?land_control=',
      '/sites?land_control=',
      '/plots?marketing_stage=',
      '/sites?development_stage=',
      '/plots?planning_zone=',
    ].map((prefix) => [`${prefix}${word}`, prefix.split('?')[1]!.replace('=', '')] as const),
  );
  it.each(cases)('GET %s is a 400 problem naming %s', async (path, name) => {
    const res = await t.get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await res.json();
    expect(body.invalidParams.map((p: { name: string }) => p.name)).toContain(name);
  });

  it('a known shorthand still expands next to them', async () => {
    const res = await t.get('/plots?marketing_stage=available&limit=1');
    expect(res.status).toBe(200);
  });
});

describe('prototype words in lookups outside HTTP', () => {
  it.each(prototypeWords)('epciNature(%j) is unknown', (word) => {
    expect(epciNature(word)).toBeUndefined();
  });
  it.each(prototypeWords)('ruleSet(%j) is a RangeError', (word) => {
    expect(() => ruleSet(word)).toThrow(RangeError);
  });
});
