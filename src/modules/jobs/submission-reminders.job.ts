import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import { parsePeriod } from '../../core/periods';
import { addWorkingDays, isWorkingDay, newestLatePeriod, SUBMISSION_WORKING_DAYS, workingDaysAfter } from './job-calendar';
import type { JobCounts } from './job-runner';

/**
 * The daily submission reminders (SPEC §7, §8): every settlement batch still in draft more than 3
 * working days after its period ended gets a reminder row for the business date, addressed to its
 * bank. Working days are Monday to Friday (job-calendar.ts). On a Saturday or Sunday nobody is at
 * the bank, so no reminder is written; the run is still recorded. A rejected batch goes back to
 * draft (SPEC §7), so it is reminded of again. The job reads the batches as they stand, so a
 * catch-up runs only the latest date.
 */
export async function remindUnsubmittedBatches(manager: EntityManager, date: IsoDate): Promise<JobCounts> {
  if (!isWorkingDay(date)) return { workingDay: false, lateBatches: 0, remindersCreated: 0 };
  const newestLate = newestLatePeriod(date);
  // Periods sort as text in calendar order ("2026Q3" < "2026Q4" < "2027Q1"); one row per late period.
  const periods: Array<{ period: string }> = await manager.query(
    `SELECT DISTINCT period FROM settlement_batches WHERE status = 'draft' AND period <= $1 ORDER BY period`,
    [newestLate.name],
  );
  let lateBatches = 0;
  let remindersCreated = 0;
  for (const { period } of periods) {
    const lastDay = parsePeriod(period).lastDay;
    const [counts] = await manager.query(
      `WITH late AS (
         SELECT id, bank_id FROM settlement_batches WHERE status = 'draft' AND period = $1
       ), inserted AS (
         INSERT INTO submission_reminders (batch_id, bank_id, period, business_date, due_on, working_days_since_period_end)
         SELECT id, bank_id, $1, $2, $3, $4 FROM late
         ON CONFLICT ON CONSTRAINT submission_reminders_batch_date_key DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM late)::int AS late, (SELECT count(*) FROM inserted)::int AS inserted`,
      [period, date, addWorkingDays(lastDay, SUBMISSION_WORKING_DAYS), workingDaysAfter(lastDay, date)],
    );
    lateBatches += counts.late;
    remindersCreated += counts.inserted;
  }
  return { workingDay: true, lateBatches, remindersCreated, periods: periods.map((p) => p.period) };
}
