// API keys: created by an admin (CLI), shown once, stored as a SHA-256 hash, revocable,
// with an optional expiry. A key reads `fnc_<prefix>_<secret>`; the prefix identifies it in
// listings and logs without revealing it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyTable, Database } from '../db/schema.js';
import type { Role, Viewer } from './viewer.js';

const keyPattern = /^fnc_([a-z0-9]{8})_([A-Za-z0-9_-]{27})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface NewKey {
  name: string;
  role: Role;
  territories?: string[];
  expiresAt?: Date | null;
}

export class KeyError extends Error {
  override name = 'KeyError';
}

export async function createApiKey(
  db: Kysely<Database>,
  input: NewKey,
): Promise<{ id: string; key: string; prefix: string }> {
  const territories = input.role === 'editor' ? [...new Set(input.territories ?? [])] : [];
  if (input.role === 'editor' && territories.length === 0)
    throw new KeyError('an editor key needs at least one territory');
  if (input.role !== 'editor' && (input.territories?.length ?? 0) > 0)
    throw new KeyError(`a ${input.role} key has national scope: give no territory`);
  if (territories.length > 0) {
    const known = await db.selectFrom('territories').where('id', 'in', territories).select('id').execute();
    const unknown = territories.filter((t) => !known.some((k) => k.id === t));
    if (unknown.length > 0) throw new KeyError(`unknown territories: ${unknown.join(', ')}`);
  }
  const prefix = randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 8);
  const key = `fnc_${prefix}_${randomBytes(20).toString('base64url')}`;
  const id = randomUUID();
  await db
    .insertInto('apiKeys')
    .values({
      id,
      name: input.name,
      role: input.role,
      territories,
      keyHash: hashKey(key),
      keyPrefix: prefix,
      expiresAt: input.expiresAt ?? null,
    })
    .execute();
  return { id, key, prefix };
}

export async function revokeApiKey(db: Kysely<Database>, idOrPrefix: string): Promise<boolean> {
  const result = await db
    .updateTable('apiKeys')
    .set({ revokedAt: new Date() })
    .where((eb) => eb.or([eb('keyPrefix', '=', idOrPrefix), eb(eb.cast('id', 'text'), '=', idOrPrefix)]))
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listApiKeys(db: Kysely<Database>) {
  return db
    .selectFrom('apiKeys')
    .select(['id', 'name', 'role', 'territories', 'keyPrefix', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt'])
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export type KeyCheck =
  | { ok: true; viewer: Viewer; expiresAt: Date | null }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/** Resolves a presented key to its viewer, or says why it is refused. */
export async function authenticateKey(db: Kysely<Database>, key: string, now = new Date()): Promise<KeyCheck> {
  if (!keyPattern.test(key)) return { ok: false, reason: 'malformed' };
  const row = await db.selectFrom('apiKeys').selectAll().where('keyHash', '=', hashKey(key)).executeTakeFirst();
  return checkKeyRow(db, row, now);
}

/** The same check for a key already presented once, named by its id (a web session, web/session.ts):
 * a key revoked or expired since then refuses the session. */
export async function authenticateKeyId(db: Kysely<Database>, id: string, now = new Date()): Promise<KeyCheck> {
  const row = await db.selectFrom('apiKeys').selectAll().where('id', '=', id).executeTakeFirst();
  return checkKeyRow(db, row, now);
}

async function checkKeyRow(
  db: Kysely<Database>,
  row: Selectable<ApiKeyTable> | undefined,
  now: Date,
): Promise<KeyCheck> {
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, reason: 'expired' };
  // Stamp last use at most once a minute (not a write per request); best effort: a failure
  // to stamp must not refuse the request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db
      .updateTable('apiKeys')
      .set({ lastUsedAt: now })
      .where('id', '=', row.id)
      .execute()
      .catch(() => undefined);
  }
  return {
    ok: true,
    viewer: { role: row.role, keyId: row.id, name: row.name, territories: row.territories },
    expiresAt: row.expiresAt,
  };
}
