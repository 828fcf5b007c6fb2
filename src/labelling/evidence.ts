// Evidence documents of a dossier: PDF and images uploaded for a criterion, kept in the database
// (bytea, on both backends) with their SHA-256, issuer, date and reference. The type is read from
// the content (file-type's magic numbers), never from the name or the request's header. A new
// upload of the same kind for the same criterion is that document's next version; earlier
// versions stay. Who may upload is who may assess the dossier in its state; who may read the
// dossier may download them (never the anonymous: the route's guard).
import { createHash, randomUUID } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/repository.js';
import { requireRole, requireTerritoryScope, type Viewer } from '../auth/viewer.js';
import type { Database, LabelDocumentTable } from '../db/schema.js';
import { AppError, NotFoundError, ValidationError } from '../http/errors.js';
import { dossierGrid } from './grid.js';
import { loadSite, requireAssessable, requireFileAccess } from './dossier.js';

export const evidenceMediaTypes: ReadonlyArray<LabelDocumentTable['mediaType']> = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/webp',
];

/** Default upload limit: a scanned multi-page decree stays under 10 MiB. */
export const defaultMaxUploadBytes = 10 * 1024 * 1024;

export interface DocumentInput {
  criterionId: string;
  kind: string;
  issuer: string;
  issuedOn: string;
  reference: string | null;
  fileName: string;
  bytes: Uint8Array;
}

export interface DocumentMeta {
  id: string;
  criterionId: string;
  kind: string;
  version: number;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  issuer: string;
  issuedOn: string;
  reference: string | null;
  uploadedBy: string;
  uploadedAt: string;
}

const metaColumns = [
  'id',
  'criterionId',
  'kind',
  'version',
  'fileName',
  'mediaType',
  'sizeBytes',
  'sha256',
  'issuer',
  'issuedOn',
  'reference',
  'uploadedBy',
  'uploadedAt',
] as const;

const toMeta = (r: Omit<DocumentMeta, 'uploadedAt'> & { uploadedAt: Date }): DocumentMeta => ({
  ...r,
  uploadedAt: r.uploadedAt.toISOString(),
});

/** A file name as it may travel in Content-Disposition: no path, no control characters. */
function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).at(-1) ?? '';
  const cleaned = base
    .replace(/[\p{Cc}"]/gu, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'document';
}

export async function uploadDocument(
  db: Kysely<Database>,
  viewer: Viewer,
  siteId: string,
  input: DocumentInput,
  maxBytes: number,
): Promise<DocumentMeta> {
  requireRole(viewer, 'editor', 'labeller', 'admin');
  if (input.bytes.byteLength === 0)
    throw new ValidationError([{ in: 'body', name: 'file', message: 'the file is empty' }]);
  if (input.bytes.byteLength > maxBytes)
    throw new AppError('payload_too_large', `documents are limited to ${maxBytes} bytes`, { maxBytes });
  const detected = await fileTypeFromBuffer(input.bytes);
  const mediaType = evidenceMediaTypes.find((t) => t === detected?.mime);
  if (!mediaType)
    throw new AppError(
      'unsupported_media_type',
      `the file's content is ${detected ? detected.mime : 'of no known type'}; ` +
        'evidence is a PDF or a PNG, JPEG or WebP image',
      { detected: detected?.mime ?? null, accepted: evidenceMediaTypes },
    );
  const meta = await db.transaction().execute(async (trx) => {
    const site = await loadSite(trx, siteId, true);
    requireTerritoryScope(viewer, site.territories);
    const grid = await dossierGrid(trx, siteId);
    if (!grid.criteria.some((c) => c.id === input.criterionId))
      throw new ValidationError([
        { in: 'body', name: 'criterion', message: `the grid ${grid.version} has no criterion ${input.criterionId}` },
      ]);
    requireAssessable(viewer, site.labelStatus ?? 'none');
    const last = await trx
      .selectFrom('labelDocuments')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('siteId', '=', siteId)
      .where('gridVersion', '=', grid.version)
      .where('criterionId', '=', input.criterionId)
      .where('kind', '=', input.kind)
      .executeTakeFirst();
    const row = await trx
      .insertInto('labelDocuments')
      .values({
        id: randomUUID(),
        siteId,
        gridVersion: grid.version,
        criterionId: input.criterionId,
        kind: input.kind,
        version: (last?.version ?? 0) + 1,
        fileName: cleanFileName(input.fileName),
        mediaType,
        sizeBytes: input.bytes.byteLength,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        content: input.bytes,
        issuer: input.issuer,
        issuedOn: input.issuedOn,
        reference: input.reference,
        uploadedByKeyId: viewer.keyId,
        uploadedBy: viewer.name,
      })
      .returning(metaColumns)
      .executeTakeFirstOrThrow();
    const meta = toMeta(row);
    const { uploadedAt: _at, ...recorded } = meta;
    await recordAudit(trx, viewer, { action: 'label_document', entity: 'site', entityId: siteId, after: recorded });
    return meta;
  });
  return meta;
}

/** The documents of a dossier under its grid, every version, newest first within a kind. */
export async function listDocuments(
  db: Kysely<Database>,
  siteId: string,
  gridVersion: string,
): Promise<DocumentMeta[]> {
  const rows = await db
    .selectFrom('labelDocuments')
    .select(metaColumns)
    .where('siteId', '=', siteId)
    .where('gridVersion', '=', gridVersion)
    .orderBy('criterionId')
    .orderBy('kind')
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toMeta);
}

/** One document with its bytes, for a viewer who may read the dossier. */
export async function documentContent(db: Kysely<Database>, viewer: Viewer, siteId: string, documentId: string) {
  requireFileAccess(viewer, await loadSite(db, siteId));
  const row = await db
    .selectFrom('labelDocuments')
    .select(['fileName', 'mediaType', 'content', 'sha256', 'sizeBytes'])
    .where('siteId', '=', siteId)
    .where('id', '=', documentId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('document', documentId);
  return row;
}
