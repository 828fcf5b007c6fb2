// Investor pages and downloads benchmark (issue #14 A3-A5), not a test:
//   npm run bench -- investor-pages                  (embedded PGlite, in memory)
//   DATABASE_URL=postgres://… npm run bench -- investor-pages   (a scratch database beside it)
// Loads the demo catalogue plus BENCH_PLOTS generated plots (default 20,000), then through
// app.request, BENCH_RUNS times each (default 5), medians and ratios against a baseline of the
// same run (each after one untimed request): the spreadsheet download of every site
// (f=spreadsheet) against the CNIG CSV of the same search (f=csv, the download it sits beside);
// the site page against the site's JSON; the
// comparison page of 5 sites against its JSON.
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/db/open.js';
import { seedDemoData } from '../../src/fixtures/demo.js';
import { generateFixtures } from '../../src/fixtures/generate.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

const plots = Number(process.env.BENCH_PLOTS ?? 20_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const url = process.env.DATABASE_URL;

let scratch: ScratchDatabase | undefined;
let handle: DatabaseHandle;
if (url) {
  scratch = await createScratchDatabase(url, 'bench_investor');
  handle = openPostgres(scratch.url, 4);
} else {
  handle = await openPGlite(undefined);
}

try {
  const started = performance.now();
  await migrateToLatest(handle.db);
  await seedDemoData(handle.db);
  await generateFixtures(handle.db, { plots });
  const sites = await handle.db.selectFrom('sites').select('id').orderBy('cnigId').execute();
  console.log(
    `${handle.kind}: ${sites.length} sites, ${plots} generated plots, ` +
      `loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const app = createApp({ db: handle.db, backend: handle.kind, clock: fixedClock('2026-11-25'), tileCacheBytes: 0 });
  const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  async function median(path: string, headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number }> {
    // One request first, untimed: the ZAN measure cache and the client bundles are filled by it.
    await (await app.request(`http://localhost${path}`, { headers })).arrayBuffer();
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const res = await app.request(`http://localhost${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      bytes = (await res.arrayBuffer()).byteLength;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(times.length / 2)]!, bytes };
  }

  const one = sites[Math.floor(sites.length / 2)]!.id;
  const five = sites.slice(0, 5).map((s) => s.id);
  const pairs: [string, [string, Record<string, string>?], [string, Record<string, string>?]][] = [
    ['every site: spreadsheet vs CNIG CSV', ['/sites?f=spreadsheet'], ['/sites?f=csv']],
    ['site page vs site JSON', [`/sites/${one}`, browser], [`/sites/${one}`]],
    [
      'comparison of 5: page vs JSON',
      [`/sites/compare?ids=${five.join(',')}`, browser],
      [`/sites/compare?ids=${five.join(',')}&f=json`],
    ],
  ];
  console.log(`median of ${runs} runs`);
  for (const [name, [path, headers], [basePath, baseHeaders]] of pairs) {
    const measured = await median(path, headers);
    const baseline = await median(basePath, baseHeaders);
    console.log(
      `${name}: ${measured.ms.toFixed(1)} ms (${(measured.bytes / 1024).toFixed(0)} KiB) ` +
        `vs ${baseline.ms.toFixed(1)} ms (${(baseline.bytes / 1024).toFixed(0)} KiB), ` +
        `ratio ${(measured.ms / baseline.ms).toFixed(2)}`,
    );
  }
} finally {
  await handle.close();
  await scratch?.drop();
}
