// The helpers and constants that every edge shares: the If-Match parser, the HTML escaper,
// the id patterns and the "for sale" stages.
import { describe, expect, it } from 'vitest';
import { noneMatch } from '../../src/http/entity.js';
import { escapeHtml } from '../../src/http/html.js';
import { checkVersion, parseIfMatch, requireIfMatch } from '../../src/http/preconditions.js';
import { forSaleStages, marketingStages } from '../../src/plots/vocabulary.js';
import {
  departmentPattern,
  inseeCommunePattern,
  regionPattern,
  sirenPattern,
  territoryIdPattern,
} from '../../src/territories/codes.js';

describe('If-Match', () => {
  const tag = '"site-3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15-v2"';
  it('reads a strong tag as sent and a weak one as its strong form', () => {
    expect(parseIfMatch(tag)).toBe(tag);
    expect(parseIfMatch(`W/${tag}`)).toBe(tag);
    expect(parseIfMatch(`  W/${tag} `)).toBe(tag);
    expect(parseIfMatch('*')).toBe('*');
  });
  it('compares weak and strong tags the same way as If-None-Match does', () => {
    expect(noneMatch(`"other", W/${tag}`, tag)).toBe(true);
    expect(noneMatch(`W/${tag}`, `W/${tag}`)).toBe(true);
    expect(noneMatch('"other"', tag)).toBe(false);
  });
  it('has no tag without a header', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
  });
  it('requires a tag on writes (428) and compares it with the current version (412 with the current ETag)', () => {
    expect(() => requireIfMatch(undefined)).toThrow(expect.objectContaining({ code: 'precondition_required' }));
    expect(requireIfMatch(`W/${tag}`)).toBe(tag);
    const id = '3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15';
    expect(() => checkVersion('site', id, 2, requireIfMatch(`W/${tag}`))).not.toThrow();
    expect(() => checkVersion('site', id, 2, '*')).not.toThrow();
    expect(() => checkVersion('site', id, 3, tag)).toThrow(
      expect.objectContaining({ code: 'precondition_failed', extensions: { currentETag: `"site-${id}-v3"` } }),
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and in quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;',
    );
  });
  it('leaves other text, accents included, as it is, and escapes an ampersand once', () => {
    expect(escapeHtml('Zone d’activité — Étang-Salé')).toBe('Zone d’activité — Étang-Salé');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('id patterns', () => {
  const accepts = (pattern: RegExp, values: string[]) => values.filter((v) => !pattern.test(v));
  it('accept the codes as INSEE and ANCT write them', () => {
    expect(accepts(territoryIdPattern, ['ti-8401', 'ti-2a-01'])).toEqual([]);
    expect(accepts(inseeCommunePattern, ['07186', '2A004', '2B033', '97411'])).toEqual([]);
    expect(accepts(sirenPattern, ['200042935'])).toEqual([]);
    expect(accepts(departmentPattern, ['07', '2A', '2B', '974', '988'])).toEqual([]);
    expect(accepts(regionPattern, ['84'])).toEqual([]);
  });
  it('refuse look-alikes, padding and a code of another kind', () => {
    const refused = (pattern: RegExp, values: string[]) => values.filter((v) => pattern.test(v));
    expect(refused(territoryIdPattern, ['TI-8401', 'ti-', 'ti_8401', ' ti-8401', `ti-${'x'.repeat(61)}`])).toEqual([]);
    expect(refused(inseeCommunePattern, ['7186', '2C004', '070186', '07186 ', '2a004'])).toEqual([]);
    expect(refused(sirenPattern, ['20004293', '2000429355', '20004293A'])).toEqual([]);
    expect(refused(departmentPattern, ['7', '2C', '964', '07186'])).toEqual([]);
    expect(refused(regionPattern, ['8', '840'])).toEqual([]);
  });
  it('carry no flags, so that OpenAPI shows the very pattern that is checked', () => {
    for (const pattern of [territoryIdPattern, inseeCommunePattern, sirenPattern, departmentPattern, regionPattern])
      expect(pattern.flags).toBe('');
  });
});

describe('for sale', () => {
  it('is the two CNIG marketing stages under which an investor can still buy', () => {
    expect(forSaleStages).toEqual(['en vente', 'en vente avec contraintes']);
    expect(forSaleStages.every((stage) => (marketingStages as readonly string[]).includes(stage))).toBe(true);
  });
});
