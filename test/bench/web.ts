// The investor home page's weight and speed (issue #14, A1/A8), on the embedded database:
//   npm run bench -- web            (BENCH_RUNS=5 by default)
// 1. Bytes of the first view as the server sends them for each Accept-Encoding (br, gzip,
//    identity: /assets holds Brotli 11 and gzip 9 variants; the HTML goes through compress()): the
//    HTML, our CSS and script, MapLibre GL JS (its module and worker) and its CSS; target for
//    JS + CSS ≤ 400 KB, told for each encoding.
// 2. Time to the first result list in headless Chromium, median of BENCH_RUNS loads of
//    /?<the issue's brief>: the server-rendered list (DOMContentLoaded with the list in the HTML,
//    the baseline) against the list the script renders after fetching GET /sites (a change of
//    the form), and against the map being drawn (idle), in the same run.
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPGlite } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { chromiumAvailable, launchChromium, serveOnLoopback } from '../support/browser.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const brief =
  'min_area_ha=12&max_area_ha=40&min_power_mw=20&rail_siding=true&max_motorway_km=10' +
  '&available_before=2028-06-30&region=84';

const handle = await openPGlite(undefined);
await migrateToLatest(handle.db);
await seedDemoData(handle.db);
// The app's one clock, pinned as in the tests: the brief's matches (availability dates) are the
// same whatever day the benchmark runs.
const app = createApp({ db: handle.db, backend: handle.kind, clock: fixedClock('2026-11-25') });
const server = await serveOnLoopback(app.fetch);
const base = server.origin;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

// 1. Bytes: every script and stylesheet the first view asks for, as the browser records them,
// then each fetched from the app (app.request: the body as sent, not decoded) per encoding.
if (!chromiumAvailable) {
  console.error('the web benchmark needs Chromium (/usr/bin/chromium)');
  process.exit(2);
}
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
const fetched = new Map<string, string>();
page.on('request', (request) => fetched.set(request.url(), request.resourceType()));
await page.goto(`${base}/?${brief}`, { waitUntil: 'load' });
await page.waitForSelector('#carte[data-ready="true"]', { timeout: 60_000 });
const encodings = ['br', 'gzip', 'identity'] as const;
type Encoding = (typeof encodings)[number];
const rows: Array<{ url: string; kind: string; sent: Record<Encoding, number>; coding: Record<Encoding, string> }> = [];
for (const [url, type] of fetched) {
  const kind =
    type === 'script' || url.endsWith('.mjs') || url.endsWith('.js') ? 'js' : type === 'stylesheet' ? 'css' : type;
  if (kind !== 'js' && kind !== 'css' && kind !== 'document') continue;
  const path = new URL(url).pathname + new URL(url).search;
  const sent = {} as Record<Encoding, number>;
  const coding = {} as Record<Encoding, string>;
  for (const encoding of encodings) {
    const response = await app.request(path, {
      headers: { accept: kind === 'document' ? 'text/html' : '*/*', 'accept-encoding': encoding },
    });
    sent[encoding] = (await response.arrayBuffer()).byteLength;
    coding[encoding] = response.headers.get('content-encoding') ?? 'identity';
  }
  rows.push({ url: path.slice(0, kind === 'document' ? 30 : undefined), kind, sent, coding });
}
console.log('first view: bytes as sent for Accept-Encoding br, gzip, identity (the coding answered in brackets)');
for (const row of rows)
  console.log(
    `  ${row.kind.padEnd(8)} ${encodings.map((e) => `${kb(row.sent[e])} [${row.coding[e]}]`.padStart(22)).join('')}  ${row.url}`,
  );
const assets = rows.filter((r) => r.kind !== 'document');
const sum = (list: typeof rows, encoding: Encoding) => list.reduce((total, r) => total + r.sent[encoding], 0);
const ours = assets.filter((r) => !r.url.includes('maplibre'));
for (const encoding of encodings) {
  const total = sum(assets, encoding);
  console.log(
    `JS + CSS, Accept-Encoding ${encoding}: ${kb(total)} (target ≤ 400 KB: ${total <= 400 * 1024 ? 'holds' : 'does not hold'}); ours ${kb(sum(ours, encoding))}, MapLibre ${kb(total - sum(ours, encoding))}`,
  );
}
await page.close();

// 2. Time to the first result list, median of `runs`.
const server_: number[] = [];
const scripted: number[] = [];
const drawn: number[] = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const tab = await context.newPage();
  const started = performance.now();
  await tab.goto(`${base}/?${brief}&limit=${20 + i}`, { waitUntil: 'domcontentloaded' });
  // The count line comes with the list (and stays when the brief matches nothing).
  await tab.waitForSelector('.result-count');
  server_.push(performance.now() - started);
  // The list the script renders: one change through the form, GET /sites, the list replaced.
  await tab.waitForSelector('.home[data-ready="true"]');
  const before = performance.now();
  await tab.selectOption('#f-sort', '-area');
  await tab.waitForFunction(
    () => new URL(location.href).searchParams.get('sort') === '-area' && !document.querySelector('.home[aria-busy]'),
  );
  scripted.push(performance.now() - before);
  await tab.waitForSelector('#carte[data-ready="true"]', { timeout: 60_000 });
  drawn.push(performance.now() - started);
  await context.close();
}
const baseline = median(server_);
console.log(`time to the first result list, median of ${runs} (embedded database):`);
console.log(`  server-rendered list (baseline)   ${median(server_).toFixed(0)} ms`);
console.log(
  `  list re-rendered by the script    ${median(scripted).toFixed(0)} ms  ` +
    `(× ${(median(scripted) / baseline).toFixed(2)})`,
);
console.log(
  `  map drawn (idle)                  ${median(drawn).toFixed(0)} ms  (× ${(median(drawn) / baseline).toFixed(2)})`,
);

await browser.close();
await server.close();
await handle.close();
