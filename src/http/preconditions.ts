// Optimistic concurrency: writes name the version they change with If-Match (the ETag of a
// GET). A missing If-Match is 428, a stale one 412 carrying the current ETag. Writes and label
// transitions read the header through the one parser here.
import { AppError } from './errors.js';
import { entityTag, strongTag } from './entity.js';

/**
 * The entity tag an If-Match header names, or undefined when there is none. A weak tag
 * (`W/"…"`) compares as its strong form: our ETags come from a version number, so a proxy
 * that weakens them (on compression) still names the same version.
 */
export function parseIfMatch(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return strongTag(header);
}

/** The If-Match of a write, which must name a version: 428 without one. */
export function requireIfMatch(header: string | undefined): string {
  const tag = parseIfMatch(header);
  if (tag === undefined)
    throw new AppError(
      'precondition_required',
      'send If-Match with the ETag of the version you are changing (GET it first)',
    );
  return tag;
}

export function checkVersion(kind: string, id: string, currentVersion: number, ifMatch: string): void {
  const current = entityTag(kind, id, currentVersion);
  if (ifMatch !== current && ifMatch !== '*') {
    throw new AppError(
      'precondition_failed',
      `the ${kind} has changed since ${ifMatch}; its current version is ${current}: ` +
        'GET it again and reapply your change',
      { currentETag: current },
      { etag: current },
    );
  }
}
