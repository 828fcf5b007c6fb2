// COPY … FROM STDIN through Kysely (src/db/copy.ts) on both backends: every value comes back
// as written, the awkward ones included (backslashes, tabs, line breaks, quotes and commas in
// array elements, NULL, the text 'NULL' and '\N').
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyInto, copyText } from '../../src/db/copy.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => {
  await t?.close();
});

const awkward = ['plain', 'back\\slash', 'tab\there', 'line\nbreak', 'cr\rlf\r\n', 'NULL', '\\N', '', 'é « » ’'];

describe('copyInto', () => {
  it('writes text, numbers, booleans, dates and arrays that read back as written', async () => {
    const rows = awkward.map((text, i) => ({
      n: i,
      text,
      number: i === 0 ? null : i / 3,
      flag: i % 2 === 0,
      day: '2024-02-29',
      refs: i === 0 ? [] : [text, 'a,b', 'with "quotes"', '{brace}'],
    }));
    await t.handle.db.transaction().execute(async (trx) => {
      await sql`CREATE TEMPORARY TABLE copied (n integer, text text, number double precision, flag boolean,
                day date, refs text[]) ON COMMIT DROP`.execute(trx);
      await copyInto(
        trx,
        'copied',
        ['n', 'text', 'number', 'flag', 'day', 'refs'],
        rows.map((r) => `${[r.n, r.text, r.number, r.flag, r.day, r.refs].map(copyText).join('\t')}\n`),
      );
      const { rows: back } = await sql<(typeof rows)[number]>`SELECT * FROM copied ORDER BY n`.execute(trx);
      expect(back).toEqual(rows);
    });
  });
});
