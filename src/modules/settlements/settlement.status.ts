import type { BatchStatus } from './settlement-batch.entity';

/**
 * The batch workflow (SPEC §7) as a pure state machine:
 *   draft --compute--> draft          (recomputable at will)
 *   draft --submit--> submitted       (the bank's loan officer)
 *   submitted --approve--> approved   (a finance officer other than the submitter)
 *   submitted --reject--> draft       (with a reason; the bank corrects and submits again)
 *   approved --pay--> paid            (a finance officer, with payment date and reference)
 * Approved and paid batches never change (also enforced by a database trigger).
 */
export type BatchAction = 'compute' | 'submit' | 'approve' | 'reject' | 'pay';

const TRANSITIONS: Record<BatchAction, { from: BatchStatus; to: BatchStatus }> = {
  compute: { from: 'draft', to: 'draft' },
  submit: { from: 'draft', to: 'submitted' },
  approve: { from: 'submitted', to: 'approved' },
  reject: { from: 'submitted', to: 'draft' },
  pay: { from: 'approved', to: 'paid' },
};

/** The status after the action, or null when the action is not allowed in this status. */
export function nextStatus(status: BatchStatus, action: BatchAction): BatchStatus | null {
  const transition = TRANSITIONS[action];
  return transition.from === status ? transition.to : null;
}

/** Why an action is refused, for the caller (409). */
export function refusal(status: BatchStatus, action: BatchAction): string {
  if (status === 'approved' || status === 'paid') {
    return action === 'pay' && status === 'paid'
      ? 'the batch is already paid'
      : `the batch is ${status} and can no longer change; corrections go into the next period's batch as adjustment lines`;
  }
  const needed = TRANSITIONS[action].from;
  return `a ${status} batch cannot be ${PAST[action]}: it must be ${needed}`;
}

const PAST: Record<BatchAction, string> = {
  compute: 'recomputed',
  submit: 'submitted',
  approve: 'approved',
  reject: 'rejected',
  pay: 'marked paid',
};
