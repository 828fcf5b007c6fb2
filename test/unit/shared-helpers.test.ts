// The helpers that every edge shares: the If-Match parser and the HTML escaper.
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/http/html.js';
import { checkVersion, parseIfMatch, requireIfMatch } from '../../src/http/preconditions.js';

describe('If-Match', () => {
  const tag = '"site-3f1c0a9e-5b7d-4e2a-9c61-0d8f4b2a7e15-v2"';
  it('reads a strong tag as sent and a weak one as its strong form', () => {
    expect(parseIfMatch(tag)).toBe(tag);
    expect(parseIfMatch(`W/${tag}`)).toBe(tag);
    expect(parseIfMatch(`  W/${tag} `)).toBe(tag);
    expect(parseIfMatch('*')).toBe('*');
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
