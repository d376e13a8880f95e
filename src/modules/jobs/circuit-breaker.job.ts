import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import { OPEN_LOAN_STATUSES } from '../loans/loan.entity';
import type { JobCounts } from './job-runner';

/**
 * The daily circuit-breaker job (SPEC §5 熔断, §8). Registration already decides live on the exact
 * sums (funds/fund-checks.ts), so nothing needs switching on or off; what the job adds is a record of
 * the state each day: the non-performing ratio of every township and village where a model with
 * breakers has open loans, and whether its breaker is tripped. It is a snapshot of the loans as they
 * stand when it runs (after that day's delinquency run), so a catch-up runs only the latest date.
 *
 * Set-based, one statement: thresholds from each model's version in force on the date; townships and
 * villages taken from the loans' region paths (9- and 12-digit codes); tripped when
 * defaulted > threshold × outstanding, exactly as fund.rules.ts checkBreaker decides.
 */
const SNAPSHOT_SQL = `
WITH breaker AS (
  SELECT DISTINCT ON (v.model_code) v.model_code,
         (v.parameters->'circuitBreaker'->>'townshipNplRatio')::numeric AS township_threshold,
         (v.parameters->'circuitBreaker'->>'villageNplRatio')::numeric AS village_threshold
    FROM financing_model_versions v
   WHERE v.effective_from <= $1::date
   ORDER BY v.model_code, v.effective_from DESC, v.version DESC
), open_loans AS (
  SELECT l.model_code, l.status, l.outstanding_principal, b.township_threshold, b.village_threshold,
         substring(l.region_path from '/([0-9]{9})/') AS township_code,
         substring(l.region_path from '/([0-9]{12})/') AS village_code
    FROM loans l JOIN breaker b ON b.model_code = l.model_code
   WHERE b.township_threshold IS NOT NULL AND l.status = ANY($2::text[])
), regions AS (
  SELECT model_code, 'township' AS level, township_code AS region_code, min(township_threshold) AS threshold,
         coalesce(sum(outstanding_principal) FILTER (WHERE status = 'defaulted'), 0) AS defaulted,
         sum(outstanding_principal) AS outstanding
    FROM open_loans WHERE township_code IS NOT NULL GROUP BY model_code, township_code
  UNION ALL
  SELECT model_code, 'village', village_code, min(village_threshold),
         coalesce(sum(outstanding_principal) FILTER (WHERE status = 'defaulted'), 0),
         sum(outstanding_principal)
    FROM open_loans WHERE village_code IS NOT NULL GROUP BY model_code, village_code
), inserted AS (
  INSERT INTO npl_snapshots (business_date, model_code, level, region_code, defaulted_principal, outstanding_principal, npl_ratio, threshold, tripped)
  SELECT $1::date, model_code, level, region_code, defaulted, outstanding,
         coalesce(round(defaulted / nullif(outstanding, 0), 4), 0), threshold, defaulted > threshold * outstanding
    FROM regions
  RETURNING level, tripped
)
SELECT count(*) FILTER (WHERE level = 'township')::int AS townships,
       count(*) FILTER (WHERE level = 'village')::int AS villages,
       count(*) FILTER (WHERE tripped AND level = 'township')::int AS townships_tripped,
       count(*) FILTER (WHERE tripped AND level = 'village')::int AS villages_tripped
  FROM inserted`;

/** Replaces the date's snapshot in the caller's transaction and returns what it found. */
export async function recordNplSnapshot(manager: EntityManager, date: IsoDate): Promise<JobCounts> {
  await manager.query('DELETE FROM npl_snapshots WHERE business_date = $1', [date]);
  const [row] = await manager.query(SNAPSHOT_SQL, [date, [...OPEN_LOAN_STATUSES]]);
  return {
    townshipsChecked: row.townships,
    villagesChecked: row.villages,
    townshipsTripped: row.townships_tripped,
    villagesTripped: row.villages_tripped,
  };
}
