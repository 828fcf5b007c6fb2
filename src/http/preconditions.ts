// Optimistic concurrency: writes name the version they change with If-Match (the ETag of a
// GET). A missing If-Match is 428, a stale one 412 carrying the current ETag.
import { AppError } from './errors.js';
import { entityTag } from './entity.js';

export function requireIfMatch(header: string | undefined): string {
  if (!header)
    throw new AppError(
      'precondition_required',
      'send If-Match with the ETag of the version you are changing (GET it first)',
    );
  return header.trim().replace(/^W\//, '');
}

export function checkVersion(kind: string, id: string, currentVersion: number, ifMatch: string): void {
  const current = entityTag(kind, id, currentVersion);
  if (ifMatch !== current && ifMatch !== '*') {
    throw new AppError(
      'precondition_failed',
      `the ${kind} has changed since ${ifMatch}; its current version is ${current}: GET it again and reapply your change`,
      { currentETag: current },
      { etag: current },
    );
  }
}
