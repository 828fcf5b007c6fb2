// The append-only audit log: who changed what, when, before and after. The table refuses
// UPDATE and DELETE (trigger in sql/006_labelling.sql); this module only appends and reads.
import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../auth/viewer.js';
import type { AuditLogTable, Database } from '../db/schema.js';

export interface AuditEntry {
  action: AuditLogTable['action'];
  entity: AuditLogTable['entity'];
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export async function recordAudit(db: Kysely<Database>, viewer: Viewer, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      actorKeyId: viewer.keyId,
      actorName: viewer.name,
      actorRole: viewer.role,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId,
      before: entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
      reason: entry.reason ?? null,
    })
    .execute();
}

/** A row as the audit log keeps it: its columns with the geometry as GeoJSON. (Stored with
 * the SQL column names; Kysely's CamelCasePlugin hands them back in camelCase.) */
export async function snapshot(
  db: Kysely<Database>,
  table: 'sites' | 'plots',
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await sql<{ row: Record<string, unknown> }>`
    SELECT (to_jsonb(t) - 'geom' - 'area_ha') || jsonb_build_object('geometry', ST_AsGeoJSON(t.geom, 6)::jsonb) AS row
    FROM ${sql.table(table)} t WHERE t.id = ${id}`.execute(db);
  return rows[0]?.row;
}

export interface AuditQuery {
  entity?: 'site' | 'plot';
  entityId?: string;
  afterId?: number;
  limit: number;
}

export async function listAudit(db: Kysely<Database>, query: AuditQuery) {
  let q = db.selectFrom('auditLog').selectAll().orderBy('id').limit(query.limit);
  if (query.entity) q = q.where('entity', '=', query.entity);
  if (query.entityId) q = q.where('entityId', '=', query.entityId);
  if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
  return q.execute();
}

/** Fields whose value differs between two snapshots. */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const ignored = new Set(['version', 'updatedAt', 'updatedOn']);
  return [...keys].filter((k) => !ignored.has(k) && JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
}
