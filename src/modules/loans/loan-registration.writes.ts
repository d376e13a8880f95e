import type { SqlPart } from '../audit/audit.service';
import type { ScheduleEntry } from './schedule-entry.entity';

/**
 * The rows registration writes after the loan itself, as parts of its last statement (the
 * idempotent answer's UPDATE, see storeIdempotentResponse): the schedule and the 'registered'
 * event. Their SQL text is fixed whatever the number of instalments (arrays through unnest), so the
 * statement is prepared once per connection. Amounts go as exact decimal strings, as the entities'
 * decimal transformer writes them.
 */

type ScheduleRow = Pick<ScheduleEntry, 'version' | 'seq' | 'dueDate' | 'principalDue' | 'interestDue'>;

export function scheduleInsert(loanId: string, rows: readonly ScheduleRow[], first: number): SqlPart {
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `INSERT INTO loan_schedule (loan_id, version, seq, due_date, principal_due, interest_due)
          SELECT ${p(0)}::uuid, s.version, s.seq, s.due_date, s.principal_due, s.interest_due
            FROM unnest(${p(1)}::int[], ${p(2)}::int[], ${p(3)}::date[], ${p(4)}::numeric[], ${p(5)}::numeric[])
                 AS s (version, seq, due_date, principal_due, interest_due)`,
    params: [
      loanId,
      rows.map((r) => r.version),
      rows.map((r) => r.seq),
      rows.map((r) => r.dueDate),
      rows.map((r) => r.principalDue.toFixed()),
      rows.map((r) => r.interestDue.toFixed()),
    ],
  };
}

export interface LoanEventRow {
  loanId: string;
  kind: string;
  effectiveDate: string;
  fromStatus: string | null;
  toStatus: string | null;
  details: Record<string, unknown> | null;
  createdBy: string | null;
}

export function eventInsert(event: LoanEventRow, first: number): SqlPart {
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `INSERT INTO loan_events (loan_id, kind, effective_date, from_status, to_status, details, created_by)
          VALUES (${p(0)}::uuid, ${p(1)}, ${p(2)}::date, ${p(3)}, ${p(4)}, ${p(5)}::jsonb, ${p(6)}::uuid)`,
    params: [event.loanId, event.kind, event.effectiveDate, event.fromStatus, event.toStatus, event.details === null ? null : JSON.stringify(event.details), event.createdBy],
  };
}
