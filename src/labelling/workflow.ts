// The turnkey-site labelling workflow as an explicit state machine:
//   (none) → draft → submitted → under_review → (changes_requested → submitted)* → labelled | rejected
//   labelled → withdrawn
// Each move names who may make it and whether a reason is required. The territory team
// (editor) prepares and submits; the programme's labellers instruct (under_review) and ask for
// changes; the programme committee (decider) decides. A decision is taken under four eyes
// (service.ts): never by a key that assessed a criterion of the dossier or instructed it.
import type { Role } from '../auth/viewer.js';
import type { LabelState } from '../sites/vocabulary.js';

export type WorkflowState = LabelState | 'none';

export interface Move {
  from: WorkflowState;
  to: LabelState;
  roles: Role[];
  reasonRequired: boolean;
  /** A decision on the dossier: someone other than its assessors and its instructor. */
  decision: boolean;
}

export const moves: readonly Move[] = [
  { from: 'none', to: 'draft', roles: ['editor', 'admin'], reasonRequired: false, decision: false },
  { from: 'draft', to: 'submitted', roles: ['editor', 'admin'], reasonRequired: false, decision: false },
  { from: 'changes_requested', to: 'submitted', roles: ['editor', 'admin'], reasonRequired: false, decision: false },
  { from: 'submitted', to: 'under_review', roles: ['labeller', 'admin'], reasonRequired: false, decision: false },
  {
    from: 'under_review',
    to: 'changes_requested',
    roles: ['labeller', 'admin'],
    reasonRequired: true,
    decision: false,
  },
  { from: 'under_review', to: 'labelled', roles: ['decider', 'admin'], reasonRequired: false, decision: true },
  { from: 'under_review', to: 'rejected', roles: ['decider', 'admin'], reasonRequired: true, decision: true },
  { from: 'labelled', to: 'withdrawn', roles: ['decider', 'admin'], reasonRequired: true, decision: false },
];

export function allowedMoves(from: WorkflowState, role?: Role | 'anonymous'): Move[] {
  return moves.filter(
    (m) => m.from === from && (role === undefined || (role !== 'anonymous' && m.roles.includes(role))),
  );
}

export function findMove(from: WorkflowState, to: LabelState): Move | undefined {
  return moves.find((m) => m.from === from && m.to === to);
}
