// The turnkey-site labelling workflow as an explicit state machine:
//   (none) → draft → submitted → under_review → (changes_requested → submitted)* → labelled | rejected
//   labelled → withdrawn
// Each move names who may make it and whether a reason is required.
import type { Role } from '../auth/viewer.js';
import type { LabelState } from '../sites/vocabulary.js';

export type WorkflowState = LabelState | 'none';

export interface Move {
  from: WorkflowState;
  to: LabelState;
  roles: Role[];
  reasonRequired: boolean;
}

export const moves: readonly Move[] = [
  { from: 'none', to: 'draft', roles: ['editor', 'admin'], reasonRequired: false },
  { from: 'draft', to: 'submitted', roles: ['editor', 'admin'], reasonRequired: false },
  { from: 'changes_requested', to: 'submitted', roles: ['editor', 'admin'], reasonRequired: false },
  { from: 'submitted', to: 'under_review', roles: ['labeller', 'admin'], reasonRequired: true },
  { from: 'under_review', to: 'changes_requested', roles: ['labeller', 'admin'], reasonRequired: true },
  { from: 'under_review', to: 'labelled', roles: ['labeller', 'admin'], reasonRequired: true },
  { from: 'under_review', to: 'rejected', roles: ['labeller', 'admin'], reasonRequired: true },
  { from: 'labelled', to: 'withdrawn', roles: ['labeller', 'admin'], reasonRequired: true },
];

export function allowedMoves(from: WorkflowState, role?: Role | 'anonymous'): Move[] {
  return moves.filter(
    (m) => m.from === from && (role === undefined || (role !== 'anonymous' && m.roles.includes(role))),
  );
}

export function findMove(from: WorkflowState, to: LabelState): Move | undefined {
  return moves.find((m) => m.from === from && m.to === to);
}
