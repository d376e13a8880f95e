import type { EntityManager } from 'typeorm';
import { OPEN_LOAN_STATUSES } from './loan.entity';

/**
 * Look-ups that loan registration makes, written for many loans at once (STYLE: bulk work is
 * set-based): the API registers one loan with a one-element list, the ledger import a whole file's
 * worth with the same query, so both see the same answer.
 */

const OPEN_STATUSES = [...OPEN_LOAN_STATUSES];

export const drivenKey = (enterpriseId: string, date: string): string => `${enterpriseId}|${date}`;
export const householdModelKey = (householdId: string, modelCode: string): string => `${householdId}|${modelCode}`;

/**
 * Households an enterprise drives on a date (SPEC §3): distinct households in status poor or
 * monitored with an active linkage from it on that date. Keyed by `drivenKey`; absent means 0.
 */
export async function drivenHouseholdsOn(manager: EntityManager, pairs: ReadonlyArray<{ enterpriseId: string; date: string }>): Promise<Map<string, number>> {
  if (pairs.length === 0) return new Map();
  const rows: Array<{ enterprise_id: string; on_date: string; driven: number }> = await manager.query(
    `SELECT p.enterprise_id, p.on_date::text AS on_date, count(DISTINCT l.household_id)::int AS driven
       FROM unnest($1::uuid[], $2::date[]) AS p(enterprise_id, on_date)
       JOIN linkages l ON l.source_enterprise_id = p.enterprise_id
       JOIN households h ON h.id = l.household_id
      WHERE h.status IN ('poor', 'monitored')
        AND l.start_date <= p.on_date AND (l.end_date IS NULL OR l.end_date >= p.on_date) AND (l.ended_on IS NULL OR l.ended_on > p.on_date)
      GROUP BY p.enterprise_id, p.on_date`,
    [pairs.map((p) => p.enterpriseId), pairs.map((p) => p.date)],
  );
  return new Map(rows.map((r) => [drivenKey(r.enterprise_id, r.on_date), r.driven]));
}

/**
 * Which (household, model) pairs already hold an open loan that takes the household's one slot
 * under the model (SPEC §4, at any bank). Keyed by `householdModelKey`.
 */
export async function householdsWithOpenLoan(manager: EntityManager, pairs: ReadonlyArray<{ householdId: string; modelCode: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows: Array<{ household_id: string; model_code: string }> = await manager.query(
    `SELECT DISTINCT l.exclusive_household_id AS household_id, l.model_code
       FROM loans l
       JOIN unnest($1::uuid[], $2::text[]) AS p(household_id, model_code)
         ON l.exclusive_household_id = p.household_id AND l.model_code = p.model_code
      WHERE l.status = ANY($3::text[])`,
    [pairs.map((p) => p.householdId), pairs.map((p) => p.modelCode), OPEN_STATUSES],
  );
  return new Set(rows.map((r) => householdModelKey(r.household_id, r.model_code)));
}
