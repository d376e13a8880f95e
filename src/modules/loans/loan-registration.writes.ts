import type { EntityMetadata, ValueTransformer } from 'typeorm';
import { invariant } from '../../core/errors';
import type { SqlPart } from '../audit/audit.service';
import type { NewLoanRow } from './loan-assessment';
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

/**
 * The INSERT of a new loan with its id given, every column the entity maps except the timestamps
 * (their defaults apply), in the entity's column order and through each column's transformer, as
 * TypeORM's insert would write them. The column list comes from the entity metadata, so the SQL
 * follows the entity; it is the same text for every loan, so the statement can be prepared.
 */
export function loanInsert(metadata: EntityMetadata, loanId: string, row: NewLoanRow, first: number): SqlPart {
  const columns = metadata.columns.filter((c) => !SKIPPED_LOAN_PROPERTIES.has(c.propertyName));
  const params = columns.map((c) => {
    const value = c.propertyName === 'id' ? loanId : (row as unknown as Record<string, unknown>)[c.propertyName];
    invariant(value !== undefined, 'a new loan row gives every column', { column: c.propertyName });
    const transformer = c.transformer as ValueTransformer | undefined;
    return transformer ? transformer.to(value) : value;
  });
  return {
    sql: `INSERT INTO loans (${columns.map((c) => `"${c.databaseName}"`).join(', ')})
          VALUES (${columns.map((_, i) => `$${first + i}`).join(', ')})`,
    params,
  };
}

const SKIPPED_LOAN_PROPERTIES = new Set(['createdAt', 'updatedAt']);
