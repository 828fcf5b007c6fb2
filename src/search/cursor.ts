// Keyset cursors: the last row's sort key and id, as opaque base64url JSON. The cursor
// also names the sort it was issued for, so a cursor replayed under another sort is
// refused instead of silently skipping rows.
import { invalidParam } from '../http/errors.js';
import { uuidPattern } from '../http/params.js';

export interface Cursor {
  /** The sort it belongs to, e.g. '-area'. */
  sort: string;
  key: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, sort: string): Cursor {
  const refuse = (why: string) => invalidParam('query', 'cursor', why);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw refuse('not a cursor issued by this API');
  }
  if (!Array.isArray(value) || value.length !== 3) throw refuse('not a cursor issued by this API');
  const [cursorSort, key, id] = value as unknown[];
  if (
    typeof cursorSort !== 'string' ||
    typeof key !== 'number' ||
    !Number.isFinite(key) ||
    typeof id !== 'string' ||
    !uuidPattern.test(id)
  ) {
    throw refuse('not a cursor issued by this API');
  }
  if (cursorSort !== sort) throw refuse(`issued for sort=${cursorSort}, not sort=${sort}`);
  return { sort: cursorSort, key, id };
}
