// label_status on GET /sites and GET /plots: the sites whose label file is in one of the states
// asked (`none`: no label file), computed here from every site's JSON (`turnkey.labelStatus`),
// the refusal of an unknown state, and the home page listing what the API lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelStates } from '../../src/sites/vocabulary.js';
import { openTestApp, type TestContext } from '../support/app.js';

interface Item {
  id: string;
  site?: { id: string };
  turnkey?: { labelStatus: string | null };
}
interface Page {
  items: Item[];
  links: { next: string | null };
}

describe('label_status', () => {
  let t: TestContext;
  let sites: Item[];
  let plots: Item[];

  /** Every item of a search, page after page. */
  async function all(path: string): Promise<Item[]> {
    const items: Item[] = [];
    let next: string | null = `${path}${path.includes('?') ? '&' : '?'}limit=1000`;
    while (next) {
      const res = await t.get(next);
      expect(res.status, next).toBe(200);
      const page = (await res.json()) as Page;
      items.push(...page.items);
      next = page.links.next ? new URL(page.links.next).pathname + new URL(page.links.next).search : null;
    }
    return items;
  }

  beforeAll(async () => {
    t = await openTestApp();
    sites = await all('/sites?sort=id');
    plots = await all('/plots?sort=id');
  });
  afterAll(async () => {
    await t?.close();
  });

  const stateOf = (id: string) => sites.find((s) => s.id === id)?.turnkey?.labelStatus ?? null;
  const sorted = (ids: string[]) => [...ids].sort();

  it('keeps the sites whose label file is in a state asked, none for no label file', async () => {
    const present = new Set(sites.map((s) => s.turnkey?.labelStatus ?? null));
    // The seed has sites with a label file and sites without: the filter can fail.
    expect(present.has(null)).toBe(true);
    expect([...present].filter((s) => s !== null).length).toBeGreaterThan(1);
    const asks = [
      ...labelStates.map((s) => [s]),
      ['none'],
      ['labelled', 'none'],
      ['submitted', 'under_review', 'draft'],
    ];
    let nonEmpty = 0;
    for (const ask of asks) {
      const expected = sites.filter((s) => ask.includes(s.turnkey?.labelStatus ?? 'none')).map((s) => s.id);
      const got = (await all(`/sites?sort=id&label_status=${ask.join(',')}`)).map((s) => s.id);
      expect(sorted(got), ask.join(',')).toEqual(sorted(expected));
      if (expected.length > 0 && expected.length < sites.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(2);
  });

  it('keeps on /plots the plots of such sites', async () => {
    for (const ask of [['labelled'], ['none'], ['under_review', 'labelled']]) {
      const expected = plots.filter((p) => ask.includes(stateOf(p.site?.id ?? '') ?? 'none')).map((p) => p.id);
      const got = (await all(`/plots?sort=id&label_status=${ask.join(',')}`)).map((p) => p.id);
      expect(sorted(got), ask.join(',')).toEqual(sorted(expected));
      if (ask.includes('none')) expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown state naming the parameter and the allowed values', async () => {
    for (const path of ['/sites?label_status=labelled,approved', '/plots?label_status=approved']) {
      const res = await t.get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { invalidParams: Array<{ name: string; message: string }> };
      const param = problem.invalidParams.find((p) => p.name === 'label_status');
      expect(param?.message).toContain('"approved"');
      for (const state of [...labelStates, 'none']) expect(param?.message).toContain(state);
    }
  });

  it('lists on the home page what GET /sites lists, the control showing the state asked', async () => {
    const html = { headers: { accept: 'text/html' } };
    for (const ask of ['labelled', 'none', 'under_review']) {
      const api = (await (await t.get(`/sites?label_status=${ask}`)).json()) as Page;
      const page = await (await t.get(`/?label_status=${ask}`, html)).text();
      const listed = [...page.matchAll(/<li class="result" data-id="([^"]+)"/g)].map((m) => m[1]);
      expect(listed, ask).toEqual(api.items.map((i) => i.id));
      expect(page).toMatch(new RegExp(`<option value="${ask}" selected`));
    }
  });
});
