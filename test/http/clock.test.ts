// Everything dated comes from the app's clock: the same data, two clocks, two answers that
// follow the clock and not the calendar of the machine running the tests.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { bearer, createKeys } from '../support/writes.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const appOn = (day: string) => createApp({ db: t.handle.db, backend: t.handle.kind, clock: fixedClock(day) });
const get = (day: string, path: string) => appOn(day).request(`http://localhost${path}`);

describe("the app's clock", () => {
  it(
    "scores a 2029 plot's availability on the clock day: " + 'partly in 2026 and 2028, fully from its date on',
    async () => {
      const { rows } = await sql<{ id: string; from: string }>`
      SELECT id, to_char(available_from, 'YYYY-MM-DD') AS from FROM plots
      WHERE deleted_at IS NULL AND available_from BETWEEN '2029-01-01' AND '2029-12-31' ORDER BY id LIMIT 1`.execute(
        t.handle.db,
      );
      const plot = rows[0]!;
      const readiness = async (day: string) => {
        const page = await (await get(day, `/plots?limit=1000&sort=id`)).json();
        const item = page.items.find((i: { id: string }) => i.id === plot.id);
        return item.score.components.find((c: { name: string }) => c.name === 'readiness').value as number;
      };
      const stage = (await readiness('2040-01-01')) - 0.5; // availability 1 on a far day
      // ½ stage + ½ availability, availability falling linearly to 0 over 1,095 days.
      const daysAhead = (d: string) => (Date.parse(plot.from) - Date.parse(d)) / 86_400_000;
      const expected = (d: string) => stage + 0.5 * Math.max(0, 1 - daysAhead(d) / 1095);
      expect(await readiness('2026-11-25')).toBeCloseTo(expected('2026-11-25'), 3);
      expect(await readiness('2028-06-01')).toBeCloseTo(expected('2028-06-01'), 3);
      expect(await readiness('2033-01-01')).toBeCloseTo(stage + 0.5, 3);
      expect(await readiness('2028-06-01')).toBeGreaterThan(await readiness('2026-11-25'));
    },
  );

  it('dates the sheet, the ZAN report and the programme dashboard on the clock day', async () => {
    const site = (
      await t.handle.db
        .selectFrom('sites')
        .select('id')
        .where('deletedAt', 'is', null)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id;
    expect((await (await get('2031-02-03', `/sites/${site}/sheet`)).json()).generatedOn).toBe('2031-02-03');
    expect(await (await get('2031-02-03', '/territories/ti-8401/zan/report')).text()).toContain('2031-02-03');
    expect((await (await get('2031-02-03', '/programme/turnkey-sites')).json()).asOf).toBe('2031-02-03');
  });

  it('moves the programme readiness bands with the clock', async () => {
    const early = (await (await get('2020-01-01', '/programme/turnkey-sites')).json()).readiness;
    const late = (await (await get('2040-01-01', '/programme/turnkey-sites')).json()).readiness;
    expect(early.find((b: { band: string }) => b.band === 'ready_now').count).toBe(0);
    const dated = await sql<{ n: number }>`SELECT count(*)::int AS n FROM sites
      WHERE turnkey_programme IS NOT NULL AND deleted_at IS NULL AND available_from IS NOT NULL`.execute(t.handle.db);
    expect(dated.rows[0]!.n).toBeGreaterThan(0);
    expect(late.find((b: { band: string }) => b.band === 'ready_now').count).toBe(dated.rows[0]!.n);
  });

  it('writes the clock day as updatedOn', async () => {
    const keys = await createKeys(t.handle.db, 'ti-8401', 'ti-7606');
    const plot = (
      await t.handle.db
        .selectFrom('plots')
        .select('id')
        .where('deletedAt', 'is', null)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id;
    const app = appOn('2031-02-03');
    const read = await app.request(`http://localhost/plots/${plot}`);
    const res = await app.request(`http://localhost/plots/${plot}`, {
      method: 'PATCH',
      headers: { ...bearer(keys.admin), 'content-type': 'application/json', 'if-match': read.headers.get('etag')! },
      body: JSON.stringify({ priceEurM2: 17 }),
    });
    expect(res.status).toBe(200);
    const row = await sql<{
      on: string;
    }>`SELECT to_char(updated_on, 'YYYY-MM-DD') AS on FROM plots WHERE id = ${plot}`.execute(t.handle.db);
    expect(row.rows[0]!.on).toBe('2031-02-03');
  });
});
