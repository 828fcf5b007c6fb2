// The labelling workspace in headless Chromium, one dossier from preparation to label: an editor
// signs in, opens the dossier, uploads a PDF, assesses and submits; a labeller instructs; a
// decider (someone else) labels, and the dashboard moves. No page error, no request to another
// host, no serious or critical axe-core violation; screenshots at 1366×900 and 390×844.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';
import { tinyPdf } from '../support/documents.js';
import { agreeingSite, assessAll } from '../support/labelling.js';
import { bearer, createKeys, type Keys } from '../support/writes.js';

const shots = '/work/wt/shots/h15';
const axePath = 'node_modules/axe-core/axe.min.js';

describe.skipIf(!chromiumAvailable)('the labelling workspace in headless Chromium', () => {
  let t: TestContext;
  let server: ServedApp;
  let browser: Browser;
  let keys: Keys;
  let dir: string;
  let siteId: string;
  const pageErrors: string[] = [];
  const hosts = new Set<string>();

  const api = (method: string, path: string, key: string, body?: unknown) =>
    t.get(path, {
      method,
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await openTestApp();
    keys = await createKeys(t.handle.db, 'ti-8401', 'ti-4407');
    siteId = await agreeingSite(t.handle.db, 'ti-8401', (path, body) => api('POST', path, keys.admin, body));
    dir = mkdtempSync(join(tmpdir(), 'foncier-labelling-'));
    writeFileSync(join(dir, 'promesse-de-vente.pdf'), tinyPdf);
    mkdirSync(shots, { recursive: true });
    server = await serveOnLoopback(t.app.fetch);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  async function signedIn(key: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => hosts.add(new URL(request.url()).hostname));
    // Signed out, the workspace sends to the sign-in form, and back afterwards.
    await page.goto(`${server.origin}/labellisation`);
    expect(new URL(page.url()).pathname).toBe('/connexion');
    await page.fill('#cle', key);
    await Promise.all([page.waitForURL(/\/labellisation$/), page.click('button:has-text("Se connecter")')]);
    return { context, page };
  }

  async function expectAccessible(page: Page, name: string) {
    await page.addScriptTag({ path: axePath });
    const result = (await page.evaluate(() =>
      (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
    )) as {
      violations: Array<{ id: string; impact: string; nodes: unknown[] }>;
    };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${name}: ${v.id} (${v.nodes.length})`)).toEqual([]);
  }

  async function screenshots(page: Page, name: string) {
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: join(shots, `${name}-1366.png`), fullPage: false });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, `${name}-390.png`), fullPage: false });
    await page.setViewportSize({ width: 1366, height: 900 });
  }

  /** Submits a move's form (its button) with a reason, and waits for the dossier page again. */
  async function makeMove(page: Page, to: string, button: string, reason?: string) {
    if (reason) await page.fill(`#motif-${to}`, reason);
    await page.click(`form.move button:has-text("${button}")`);
    await page.waitForLoadState('load');
    if (!/fait=1/.test(page.url())) throw new Error(`${page.url()}: ${await page.textContent('body')}`);
  }

  const labelledOnDashboard = async (page: Page) => {
    await page.goto(`${server.origin}/labellisation/programme`);
    const lead = (await page.textContent('.lead')) ?? '';
    return Number(/(\d+) sites? labellisés?/.exec(lead)?.[1]);
  };

  it('an editor prepares and submits, a labeller instructs, a decider labels; the dashboard moves', async () => {
    const dossier = `${server.origin}/labellisation/dossiers/${siteId}`;

    // The decider reads the dashboard before.
    const decider = await signedIn(keys.decider);
    const before = await labelledOnDashboard(decider.page);
    expect(before).toBeGreaterThanOrEqual(0);

    // The editor opens the dossier, the API records most of the grid, the browser the rest.
    const editor = await signedIn(keys.editorIn);
    await editor.page.goto(dossier);
    await makeMove(editor.page, 'draft', 'Ouvrir le dossier');
    const grid = await (await t.get('/labelling/grid')).json();
    await assessAll(
      (criterion, body) => api('PUT', `/sites/${siteId}/label/criteria/${criterion}`, keys.editorIn, body),
      grid.criteria,
      ['land_control'],
    );
    await editor.page.goto(dossier);
    const land = editor.page.locator('#critere-land_control');
    await land.locator('summary:has-text("Déposer une pièce")').click();
    await editor.page.fill('#type-land_control', 'promesse de vente');
    await editor.page.fill('#emetteur-land_control', 'Étude notariale Martin');
    await editor.page.fill('#emise-land_control', '2025-03-01');
    await editor.page.fill('#reference-land_control', 'PV-2025-17');
    await editor.page.setInputFiles('#fichier-land_control', join(dir, 'promesse-de-vente.pdf'));
    await Promise.all([editor.page.waitForURL(/fait=1/), land.locator('button:has-text("Déposer la pièce")').click()]);
    expect(await land.locator('.documents a').textContent()).toContain('promesse de vente v1');
    await land.locator('summary:has-text("Évaluer ce critère")').click();
    await editor.page.selectOption('#statut-land_control', 'met');
    await Promise.all([
      editor.page.waitForURL(/fait=1/),
      land.locator('button:has-text("Enregistrer l’évaluation")').click(),
    ]);
    expect(await land.locator('.status').textContent()).toContain('Satisfait');
    await makeMove(editor.page, 'submitted', 'Déposer le dossier');
    expect(await editor.page.textContent('.dossier-summary')).toContain('Déposé');
    await expectAccessible(editor.page, 'dossier');

    // The labeller finds it in the queue and opens the instruction.
    const labeller = await signedIn(keys.labeller);
    await labeller.page.goto(`${server.origin}/labellisation?etat=submitted`);
    await expectAccessible(labeller.page, 'queue');
    await screenshots(labeller.page, 'queue');
    await Promise.all([
      labeller.page.waitForURL(/dossiers/),
      labeller.page.click(`a[href="/labellisation/dossiers/${siteId}"]`),
    ]);
    await makeMove(labeller.page, 'under_review', 'Ouvrir l’instruction', 'Dossier complet');
    expect(await labeller.page.textContent('.dossier-summary')).toContain('En instruction');

    // The decider, who took no part, labels it.
    await decider.page.goto(dossier);
    await makeMove(decider.page, 'labelled', 'Labelliser', 'Comité du programme du 25 novembre');
    expect(await decider.page.textContent('.dossier-summary')).toContain('Labellisé');
    expect(await decider.page.textContent('section[aria-labelledby="historique"]')).toContain(
      'motif : Comité du programme du 25 novembre',
    );
    await screenshots(decider.page, 'dossier');

    expect(await labelledOnDashboard(decider.page)).toBe(before + 1);
    await expectAccessible(decider.page, 'dashboard');
    expect(await decider.page.locator('svg[role="img"]').count()).toBe(4);
    await screenshots(decider.page, 'dashboard');

    // Signing out ends the session: the workspace asks to sign in again.
    await decider.page.goto(`${server.origin}/labellisation`);
    await Promise.all([decider.page.waitForURL(/connexion/), decider.page.click('button:has-text("Se déconnecter")')]);
    await expectAccessible(decider.page, 'connexion');
    await decider.page.goto(`${server.origin}/labellisation`);
    expect(new URL(decider.page.url()).pathname).toBe('/connexion');

    for (const session of [editor, labeller, decider]) await session.context.close();
    expect(pageErrors).toEqual([]);
    expect([...hosts]).toEqual(['127.0.0.1']);
  }, 240_000);
});
