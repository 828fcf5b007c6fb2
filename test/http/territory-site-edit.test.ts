// The site edit page of the territory pages (issue #16 item 4): the form shows the site as
// stored, linked from the inventory; a save with the page's ETag changes the site; a stale one
// is a 412 after which the page (its #site-loaded block, what the script compares) names each
// changed field "loaded → current", and the derived figures when a plot moved the site's
// version; a signed-in write without the CSRF token is refused; a delete keeps its reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forSaleStages } from '../../src/plots/vocabulary.js';
import { type SiteLabels, type SiteLoaded, siteChanges } from '../../src/web/client/site-changes.js';
import { openTestApp, type TestContext } from '../support/app.js';
import {
  createKeys,
  fingerprint,
  keyedSender,
  newSiteBody,
  siteWithMostPlotsForSale,
  type Keys,
} from '../support/writes.js';

const IN = 'ti-8401';
const OUT = 'ti-4407';
const ORIGIN = 'http://localhost';
let t: TestContext;
let keys: Keys;
let cookie: string;
let send: ReturnType<typeof keyedSender>;

beforeAll(async () => {
  t = await openTestApp();
  keys = await createKeys(t.handle.db, IN, OUT);
  send = keyedSender(t);
  const res = await t.get('/connexion', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ cle: keys.editorIn, suivant: '/territoire' }).toString(),
  });
  expect(res.status).toBe(303);
  cookie = /foncier_session=[^;]*/.exec(res.headers.get('set-cookie') ?? '')![0];
});
afterAll(async () => t?.close());

const siteWithPlots = () => siteWithMostPlotsForSale(t.handle.db, IN);

const pagePath = (siteId: string) => `/territoire/${IN}/sites/${siteId}`;

async function openPage(siteId: string) {
  const res = await t.get(pagePath(siteId), { headers: { cookie } });
  expect(res.status).toBe(200);
  const html = await res.text();
  const block = (id: string) =>
    JSON.parse(new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`).exec(html)![1]!);
  return {
    html,
    etag: /data-etag="([^"]+)"/.exec(html)![1]!.replaceAll('&quot;', '"'),
    csrf: /data-csrf="([^"]+)"/.exec(html)![1]!,
    loaded: block('site-loaded') as SiteLoaded,
    labels: block('site-labels') as SiteLabels,
  };
}

/** What the form's script sends: the session cookie, the page's token and ETag. */
const save = (siteId: string, page: { etag: string; csrf: string }, body: unknown, token: string | null = page.csrf) =>
  t.get(`/sites/${siteId}`, {
    method: 'PATCH',
    headers: {
      cookie,
      origin: ORIGIN,
      'content-type': 'application/json',
      'if-match': page.etag,
      ...(token === null ? {} : { 'x-csrf-token': token }),
    },
    body: JSON.stringify(body),
  });

describe('the site edit page', () => {
  it('is linked from the inventory and shows the site as stored, with its ETag', async () => {
    const site = await siteWithPlots();
    const inventory = await (await t.get(`/territoire/${IN}`, { headers: { cookie } })).text();
    expect(inventory).toContain(`href="${pagePath(site.id)}"`);
    const page = await openPage(site.id);
    const api = await t.get(`/sites/${site.id}`);
    expect(page.etag).toBe(api.headers.get('etag'));
    expect(page.html).toContain('<html lang="fr"');
    expect(page.html).toContain(`<label for="site-powerMw">Puissance électrique disponible (MW)</label>`);
    expect(page.loaded.fields.name).toBe(site.name);
    expect(page.loaded.fields.powerMw).toBe(site.powerMw);
    const forSale = await t.handle.db
      .selectFrom('plots')
      .select('areaHa')
      .where('siteId', '=', site.id)
      .where('deletedAt', 'is', null)
      .where('marketingStage', 'in', forSaleStages)
      .execute();
    expect(page.loaded.derived.plotsForSale).toBe(forSale.length);
    expect(page.loaded.derived.maxPlotAreaHa).toBeCloseTo(Math.max(...forSale.map((p) => p.areaHa)), 2);
    // A site with plots cannot be deleted: the page says so instead of offering the button.
    expect(page.html).toContain('supprimez-les d’abord');
  });

  it('is the page of the territory kept: signed out to /connexion, another territory 403, another’s site 404', async () => {
    const site = await siteWithPlots();
    const signedOut = await t.get(pagePath(site.id));
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toMatch(/^\/connexion/);
    const other = await t.get(`/territoire/${OUT}/sites/${site.id}`, { headers: { cookie } });
    expect(other.status).toBe(403);
    const elsewhere = await t.handle.db
      .selectFrom('sites')
      .innerJoin('territoryEpci', 'territoryEpci.epciSiren', 'sites.epciSiren')
      .select('sites.id')
      .where('territoryEpci.territoryId', '=', OUT)
      .where('sites.deletedAt', 'is', null)
      .executeTakeFirstOrThrow();
    const notHere = await t.get(pagePath(elsewhere.id), { headers: { cookie } });
    expect(notHere.status).toBe(404);
    expect(notHere.headers.get('content-type')).toContain('application/problem+json');
  });

  it('saves with the page’s ETag; a stale one is a 412 and the page then names the changed field', async () => {
    const site = await siteWithPlots();
    const first = await openPage(site.id);
    const saved = await save(site.id, first, { powerMw: 42.5, railSiding: true });
    expect(saved.status).toBe(200);
    const after = await openPage(site.id);
    expect(after.loaded.fields.powerMw).toBe(42.5);
    expect(after.loaded.fields.railSiding).toBe(true);
    expect(after.html).toMatch(/<option value="true" selected="">oui<\/option>/);

    // Someone else changes the power meanwhile; the form loaded before saves a date.
    const meanwhile = await send('PATCH', `/sites/${site.id}`, keys.admin, { powerMw: 17 }, { 'if-match': after.etag });
    expect(meanwhile.status).toBe(200);
    const stale = await save(site.id, after, { availableFrom: '2028-03-01' });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    const stored = await t.handle.db
      .selectFrom('sites')
      .select(['availableFrom', 'powerMw'])
      .where('id', '=', site.id)
      .executeTakeFirstOrThrow();
    expect(stored.powerMw).toBe(17);
    expect(stored.availableFrom === null ? null : String(stored.availableFrom)).not.toBe('2028-03-01');
    const current = await openPage(site.id);
    expect(siteChanges(after.loaded, current.loaded, current.labels)).toEqual({
      fields: ['Puissance électrique disponible (MW) : 42,5 → 17'],
      derived: [],
    });
  });

  it('after a plot write moved the site’s version, the 412 names the derived figures, no field', async () => {
    const site = await siteWithPlots();
    const before = await openPage(site.id);
    const plots = await t.handle.db
      .selectFrom('plots')
      .select(['id', 'version'])
      .where('siteId', '=', site.id)
      .where('deletedAt', 'is', null)
      .where('marketingStage', 'in', forSaleStages)
      .orderBy('cnigId')
      .execute();
    const plot = plots[0]!;
    const etag = (await t.get(`/plots/${plot.id}`)).headers.get('etag')!;
    const sold = await send(
      'PATCH',
      `/plots/${plot.id}`,
      keys.admin,
      { marketingStage: 'réservé par option de réservation' },
      { 'if-match': etag },
    );
    expect(sold.status).toBe(200);
    expect((await t.get(`/sites/${site.id}`)).headers.get('etag')).not.toBe(before.etag);
    expect((await save(site.id, before, { powerMw: 9 })).status).toBe(412);
    const current = await openPage(site.id);
    const changes = siteChanges(before.loaded, current.loaded, current.labels);
    expect(changes.fields).toEqual([]);
    expect(changes.derived).toContain(`Terrains en vente : ${plots.length} → ${plots.length - 1}`);
  });

  it('refuses a signed-in write without the CSRF token (403) and changes nothing', async () => {
    const site = await siteWithPlots();
    const page = await openPage(site.id);
    const unchanged = await fingerprint(t.handle.db);
    for (const token of [null, 'wrong']) {
      const res = await save(site.id, page, { powerMw: 1 }, token);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await fingerprint(t.handle.db)).toBe(unchanged);
  });

  it('deletes a site without plots, the reason in the audit log', async () => {
    const created = await send('POST', '/sites', keys.admin, await newSiteBody(t.handle.db, IN));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const page = await openPage(id);
    expect(page.html).toContain('id="site-delete-reason"');
    const res = await t.get(`/sites/${id}?${new URLSearchParams({ reason: 'zone déclassée au PLU' })}`, {
      method: 'DELETE',
      headers: { cookie, origin: ORIGIN, 'if-match': page.etag, 'x-csrf-token': page.csrf },
    });
    expect(res.status).toBe(204);
    const audit = await t.handle.db
      .selectFrom('auditLog')
      .select(['action', 'reason'])
      .where('entityId', '=', id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ action: 'delete', reason: 'zone déclassée au PLU' });
    expect((await t.get(pagePath(id), { headers: { cookie } })).status).toBe(404);
  });
});
