// Who is asking: anonymous, or the holder of an API key with a role and a territory scope.
// Every write and every non-public read asks these functions, never the raw key.
import { AppError } from '../http/errors.js';

/**
 * editor: a territory team (its territories only); labeller: the programme's instructors;
 * decider: the programme committee, which labels or rejects a dossier it did not assess or
 * instruct (labelling/workflow.ts); admin: everything, keys and imports.
 */
export const roles = ['editor', 'labeller', 'decider', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Viewer {
  role: 'anonymous' | Role;
  /** API key id, for the audit log. */
  keyId: string | null;
  /** Key name as given by the admin who created it ("CC Rhône Crussol – service éco"). */
  name: string;
  /** Territories an editor may write in; empty means national scope (labeller, decider, admin). */
  territories: string[];
}

export const anonymousViewer: Viewer = { role: 'anonymous', keyId: null, name: 'anonymous', territories: [] };

export function canSeePersonalData(viewer: Viewer): boolean {
  return viewer.role === 'admin';
}

/** 401 for anonymous callers, 403 for a key of another role. */
export function requireRole(viewer: Viewer, ...roles: Role[]): void {
  if (viewer.role === 'anonymous') {
    throw new AppError('unauthorized', 'this operation needs an API key: send Authorization: Bearer <key>');
  }
  if (!roles.includes(viewer.role)) {
    throw new AppError('forbidden', `a ${viewer.role} key cannot do this; it needs the role ${roles.join(' or ')}`);
  }
}

/** Editors act only inside their territories; labellers, deciders and admins have national scope. */
export function requireTerritoryScope(viewer: Viewer, territoriesOfResource: string[]): void {
  if (viewer.role !== 'editor') return;
  if (!territoriesOfResource.some((t) => viewer.territories.includes(t))) {
    throw new AppError(
      'forbidden',
      `this key may write in ${viewer.territories.join(', ')} only; ` +
        `the resource is in ${territoriesOfResource.join(', ') || 'no territory'}`,
    );
  }
}
