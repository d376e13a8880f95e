import type { EntityManager } from 'typeorm';
import { Decimal } from '../../core/money';
import type { HouseholdStatus } from '../households/household.entity';
import type { ModelParameters } from '../models/model-parameters';
import { rateInForceSql, tenorsForTerm } from '../reference-rates/rates-in-force';
import { OPEN_LOAN_STATUSES } from './loan.entity';

/**
 * Look-ups that loan registration makes, written for many loans at once (STYLE: bulk work is
 * set-based): the API registers one loan with a one-element list, the ledger import a whole file's
 * worth with the same query, so both see the same answer.
 */

const OPEN_STATUSES = [...OPEN_LOAN_STATUSES];

export const drivenKey = (enterpriseId: string, date: string): string => `${enterpriseId}|${date}`;
export const householdModelKey = (householdId: string, modelCode: string): string => `${householdId}|${modelCode}`;
export const householdDateKey = (householdId: string, date: string): string => `${householdId}|${date}`;

/**
 * A household's status on a date, as SQL (issue 4: eligibility is checked as of the contract date):
 * its latest household_history status row on or before the date, a later row of the same day winning
 * by id, as settlement and progress read it. One look-up on household_history_household_idx. NULL
 * when the household had no status yet: every household gets its first row, dated statusSince, when
 * it is registered (API, import, seed), so a date before that is before it was in the register.
 */
export const householdStatusOnSql = (householdId: string, date: string): string =>
  `(SELECT hh.status FROM household_history hh
     WHERE hh.household_id = ${householdId} AND hh.kind = 'status' AND hh.effective_date <= ${date}
     ORDER BY hh.effective_date DESC, hh.id DESC LIMIT 1)`;

/** The status of each household on each date (householdStatusOnSql); keyed by `householdDateKey`, absent when it had none. */
export async function householdStatusesOn(manager: EntityManager, pairs: ReadonlyArray<{ householdId: string; date: string }>): Promise<Map<string, HouseholdStatus>> {
  if (pairs.length === 0) return new Map();
  const rows: Array<{ household_id: string; on_date: string; status: HouseholdStatus | null }> = await manager.query(
    `SELECT DISTINCT p.household_id, p.on_date::text AS on_date, ${householdStatusOnSql('p.household_id', 'p.on_date')} AS status
       FROM unnest($1::uuid[], $2::date[]) AS p(household_id, on_date)`,
    [pairs.map((p) => p.householdId), pairs.map((p) => p.date)],
  );
  return new Map(rows.filter((r) => r.status !== null).map((r) => [householdDateKey(r.household_id, r.on_date), r.status!]));
}

/**
 * Households an enterprise drives on a date (SPEC §3): distinct households in status poor or
 * monitored on that date with an active linkage from it on that date. Keyed by `drivenKey`; absent means 0.
 */
export async function drivenHouseholdsOn(manager: EntityManager, pairs: ReadonlyArray<{ enterpriseId: string; date: string }>): Promise<Map<string, number>> {
  if (pairs.length === 0) return new Map();
  const rows: Array<{ enterprise_id: string; on_date: string; driven: number }> = await manager.query(
    `SELECT p.enterprise_id, p.on_date::text AS on_date, count(DISTINCT l.household_id)::int AS driven
       FROM unnest($1::uuid[], $2::date[]) AS p(enterprise_id, on_date)
       JOIN linkages l ON l.source_enterprise_id = p.enterprise_id
      WHERE ${householdStatusOnSql('l.household_id', 'p.on_date')} IN ('poor', 'monitored')
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

/** What registration of one loan looks up before its checks; absent parts are null. */
export interface RegistrationLookups {
  branch: { id: string; type: string; parentId: string | null } | null;
  duplicateContract: boolean;
  version: { id: string; version: number; parameters: ModelParameters } | null;
  /** The reference rate in force (rateInForceSql), null when none is or no term was given. */
  referenceRate: Decimal | null;
  /** The household, with its status on the contract date (null when it had none yet). */
  household: { id: string; birthDate: string; regionPath: string; status: HouseholdStatus | null; headName: string; idNumberMasked: string } | null;
  /** Whether the household holds an open loan in its one slot under the model (as householdsWithOpenLoan). */
  householdHasOpenLoan: boolean;
}

/** Registration's look-ups as one SELECT with parameters $1–$9 (registrationLookups). */
const REGISTRATION_LOOKUPS_SQL = `SELECT br.id AS branch_id, br.type AS branch_type, br.parent_id AS branch_parent_id,
            EXISTS (SELECT 1 FROM loans d WHERE d.bank_id = $1::uuid AND d.contract_number = $3) AS duplicate_contract,
            v.id AS version_id, v.version, v.parameters,
            (${rateInForceSql('$5::date', '$7::text', '$8::text')})::text AS reference_rate,
            h.id AS household_id, h.birth_date, h.region_path, ${householdStatusOnSql('h.id', '$5::date')} AS household_status, h.head_name, h.id_number_masked,
            EXISTS (SELECT 1 FROM loans o
                     WHERE o.exclusive_household_id = $6::uuid AND o.model_code = $4 AND o.status = ANY($9::text[])) AS household_has_open_loan
       FROM (VALUES (1)) AS one (x)
       LEFT JOIN institutions br ON br.id = $2::uuid
       LEFT JOIN LATERAL (
         SELECT mv.id, mv.version, mv.parameters FROM financing_model_versions mv
          WHERE mv.model_code = $4 AND mv.effective_from <= $5::date
          ORDER BY mv.effective_from DESC LIMIT 1
       ) v ON true
       LEFT JOIN households h ON h.id = $6::uuid`;

/**
 * Registration's look-ups in one statement (issue 7): the branch, whether the bank already has the
 * contract number, the model version in force on the contract date, the reference rate for the
 * term, the household with its status on the contract date, and whether it holds an open loan under the model. Each used to be a round
 * trip of its own inside the registration's transaction. None of them locks anything, so reading
 * them together changes no outcome; the service checks them in the order it always did. The
 * service runs the statement together with its idempotency claim (claimIdempotencyKey).
 */
export function registrationLookups(args: {
  bankId: string;
  branchId: string;
  contractNumber: string;
  modelCode: string;
  contractDate: string;
  termMonths: number | null;
  householdId: string | null;
}): { sql: string; params: unknown[] } {
  const tenors = args.termMonths === null ? null : tenorsForTerm(args.termMonths);
  return {
    sql: REGISTRATION_LOOKUPS_SQL,
    params: [args.bankId, args.branchId, args.contractNumber, args.modelCode, args.contractDate, args.householdId, tenors?.benchmark ?? null, tenors?.lpr ?? null, OPEN_STATUSES],
  };
}

/** The row of registrationLookups' statement, read. */
export function toRegistrationLookups(row: Record<string, any>): RegistrationLookups {
  return {
    branch: row!.branch_id ? { id: row!.branch_id, type: row!.branch_type, parentId: row!.branch_parent_id } : null,
    duplicateContract: row!.duplicate_contract,
    version: row!.version_id ? { id: row!.version_id, version: row!.version, parameters: row!.parameters } : null,
    referenceRate: row!.reference_rate === null ? null : new Decimal(row!.reference_rate),
    household: row!.household_id
      ? {
          id: row!.household_id,
          birthDate: row!.birth_date,
          regionPath: row!.region_path,
          status: row!.household_status,
          headName: row!.head_name,
          idNumberMasked: row!.id_number_masked,
        }
      : null,
    householdHasOpenLoan: row!.household_has_open_loan,
  };
}

/** The day the loan last became defaulted (its latest status event to `defaulted`), if it ever did. */
export async function defaultedOn(manager: EntityManager, loanId: string): Promise<string | null> {
  const [event]: Array<{ on: string }> = await manager.query(
    `SELECT effective_date::text AS on FROM loan_events WHERE loan_id = $1 AND to_status = 'defaulted' ORDER BY id DESC LIMIT 1`,
    [loanId],
  );
  return event?.on ?? null;
}
