// Streamed exports must not hold the embedded database's only connection between chunks.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchChunks } from '../../src/search/repository.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);

describe('streamed exports', () => {
  it('let other queries run between chunks, and close their cursor when the client goes away', async () => {
    const stream = searchChunks(t.handle.db, sql<{ id: string }>`SELECT id FROM plots ORDER BY id`, {
      chunkSize: 10,
      singleConnection: t.handle.kind === 'pglite',
    });
    const first = await stream.next();
    expect(first.value).toHaveLength(10);
    // Mid-download, the catalogue still answers.
    const { rows } = await within(sql<{ n: number }>`SELECT count(*) AS n FROM territories`.execute(t.handle.db), 5000);
    expect(rows[0]!.n).toBeGreaterThan(0);
    await stream.return(undefined);
    const cursors = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_cursors`.execute(t.handle.db);
    expect(cursors.rows[0]!.n).toBe(0);
  });
});
