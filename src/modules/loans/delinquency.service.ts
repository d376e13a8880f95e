import type { DataSource } from 'typeorm';

export interface DelinquencyResult {
  businessDate: string;
  loansChecked: number;
  loansUpdated: number;
  statusChanges: number;
  byStatus: Record<string, number>;
}

/**
 * SPEC §5 delinquency for one business date, set-based over every disbursed open loan:
 * an instalment unpaid after its due date makes the loan overdue; days past due count from the
 * oldest unpaid due date; at the model's trigger (compensationTriggerDaysPastDue of the loan's model
 * version) the loan is defaulted, and stays so. Each part is paid on its own: instalment k is unpaid
 * while the principal paid by the date is less than the principal due up to k, or the interest paid
 * less than the interest due up to k (principal repaid ahead never pays interest; the schedule's
 * interest is on the balance outstanding, see interestOnBalances). Running it twice for a date
 * changes nothing the second time.
 *
 * The statement decides from its snapshot, but a loan's row may change before the UPDATE reaches it:
 * a repayment holding the row settles the loan, and once it commits PostgreSQL re-checks only the
 * UPDATE's WHERE against the new row. So the WHERE also asks that the status still be the one the
 * decision started from (one of the open statuses read above): a loan whose status changed meanwhile
 * keeps it, and the next run, reading the new row, judges it (a settled loan is no longer open).
 *
 * Each status change is also an audit entry (SPEC §9: every change), by nobody (the job), with the
 * status and days past due before and after; the daily change of days past due alone is not one.
 *
 * A loan already judged as of a later date is left alone (and not counted as checked): a run for an
 * earlier date (an admin's re-run of a past date, or a catch-up filling a gap after a later date
 * succeeded) must not put back an older status and days past due, nor back-date status events.
 */
const DELINQUENCY_SQL = `
WITH open_loans AS (
  SELECT l.id, l.status, l.days_past_due, l.schedule_version, (v.parameters->>'compensationTriggerDaysPastDue')::int AS trigger_days
    FROM loans l
    JOIN financing_model_versions v ON v.id = l.model_version_id
   WHERE l.status IN ('active', 'overdue', 'defaulted') AND l.disbursement_date IS NOT NULL
     AND (l.delinquency_as_of IS NULL OR l.delinquency_as_of <= $1::date)
), paid AS (
  SELECT r.loan_id, sum(r.principal) AS principal, sum(r.interest) AS interest
    FROM repayments r JOIN open_loans o ON o.id = r.loan_id
   WHERE r.paid_on <= $1::date
   GROUP BY r.loan_id
), due AS (
  SELECT s.loan_id, s.due_date,
         sum(s.principal_due) OVER w AS cumulative_principal,
         sum(s.interest_due) OVER w AS cumulative_interest
    FROM loan_schedule s JOIN open_loans o ON o.id = s.loan_id AND s.version = o.schedule_version
   WHERE s.due_date < $1::date
  WINDOW w AS (PARTITION BY s.loan_id ORDER BY s.seq)
), oldest_unpaid AS (
  SELECT d.loan_id, min(d.due_date) AS due_date
    FROM due d LEFT JOIN paid p ON p.loan_id = d.loan_id
   WHERE d.cumulative_principal > coalesce(p.principal, 0) OR d.cumulative_interest > coalesce(p.interest, 0)
   GROUP BY d.loan_id
), decided AS (
  SELECT o.id, o.status AS old_status, o.days_past_due AS old_days_past_due,
         coalesce($1::date - u.due_date, 0) AS days_past_due,
         CASE
           WHEN o.status = 'defaulted' OR coalesce($1::date - u.due_date, 0) >= o.trigger_days THEN 'defaulted'
           WHEN u.due_date IS NOT NULL THEN 'overdue'
           ELSE 'active'
         END AS new_status
    FROM open_loans o LEFT JOIN oldest_unpaid u ON u.loan_id = o.id
), updated AS (
  UPDATE loans l
     SET status = d.new_status, days_past_due = d.days_past_due, delinquency_as_of = $1::date, updated_at = now()
    FROM decided d
   WHERE l.id = d.id
     AND l.status = d.old_status
     AND (l.status <> d.new_status OR l.days_past_due <> d.days_past_due OR l.delinquency_as_of IS DISTINCT FROM $1::date)
  RETURNING l.id, l.region_path, l.bank_id, d.old_status, d.old_days_past_due, d.new_status, d.days_past_due
), events AS (
  INSERT INTO loan_events (loan_id, kind, effective_date, from_status, to_status, details)
  SELECT id, 'status_changed', $1::date, old_status, new_status, jsonb_build_object('source', 'delinquency', 'daysPastDue', days_past_due)
    FROM updated WHERE old_status <> new_status
  RETURNING loan_id
), audited AS (
  INSERT INTO audit_log (actor_user_id, actor_role, action, entity_type, entity_id, before, after, request_id, region_path, institution_id)
  SELECT NULL, NULL, 'delinquency_status', 'loan', id::text,
         jsonb_build_object('status', old_status, 'daysPastDue', old_days_past_due),
         jsonb_build_object('status', new_status, 'daysPastDue', days_past_due, 'asOf', to_char($1::date, 'YYYY-MM-DD')),
         'job:delinquency:' || to_char($1::date, 'YYYY-MM-DD'), region_path, bank_id
    FROM updated WHERE old_status <> new_status
)
SELECT (SELECT count(*) FROM decided)::int AS checked,
       (SELECT count(*) FROM updated)::int AS updated,
       (SELECT count(*) FROM events)::int AS changes,
       coalesce((SELECT jsonb_object_agg(new_status, n) FROM (SELECT new_status, count(*)::int AS n FROM decided GROUP BY new_status) s), '{}'::jsonb) AS by_status`;

/** Only one delinquency run at a time, across instances: the runs take this transaction lock. */
const DELINQUENCY_LOCK_KEY = 7_310_101;

export class DelinquencyService {
  constructor(private readonly dataSource: DataSource) {}

  async run(businessDate: string): Promise<DelinquencyResult> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [DELINQUENCY_LOCK_KEY]);
      const [row] = await manager.query(DELINQUENCY_SQL, [businessDate]);
      return { businessDate, loansChecked: row.checked, loansUpdated: row.updated, statusChanges: row.changes, byStatus: row.by_status };
    });
  }
}
