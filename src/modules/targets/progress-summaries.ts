import crypto from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import { PROGRESS_COUNTS_BY_REGION_SQL, progressCountsByBankSql } from './progress.sql';

/**
 * The 百千万 progress counts of a city as of a date, kept in `progress_summaries` (issue 7), so a
 * report reads one row instead of counting a province's households. The rules:
 *
 * - A summary is made by the nightly job `progress_summaries` for every city (one set-based pass per
 *   breakdown), and by any report asked for a date, city and breakdown that has none: that report's
 *   counts are computed live for its city and stored on the way.
 * - Any write that can change progress as of a date D deletes every summary dated D or later, in the
 *   writer's transaction (triggers of migration ProgressSummaries). A summary that exists is therefore
 *   the answer a live count would give now; there is no expiry and no stale read.
 * - A build must not store what a write that it did not see would change. So it first claims its rows
 *   (`building`, committed at once, where writers' triggers can delete them), then waits for every
 *   writer still holding the invalidation lock (each took it, shared, before deleting), then counts
 *   with a fresh snapshot, and finally marks as `ready` those of its claims still there, in the same
 *   statement. A writer either committed before that snapshot (its change is counted), or deleted the
 *   claim after it was made (nothing is stored), or deletes the ready row once it runs. This holds
 *   for writers in READ COMMITTED, the isolation every service uses (shared/db/transaction.ts).
 */

/** Shared by every invalidating writer until it commits (migration ProgressSummaries); taken here exclusively. */
const INVALIDATION_LOCK_KEY = 7_310_202;
const LOCK_TRIES = 40;
const LOCK_RETRY_MS = 50;
/** A claim older than this belongs to a build that died; another build may take it over. */
const ABANDONED_CLAIM_MINUTES = 15;

export type ProgressBreakdown = 'region' | 'bank';

/** One row of progressCountsSql for a city: a county (NULL: the city itself) and, by bank, a bank. */
export interface CountsRow {
  county_code: string | null;
  bank_id: string | null;
  enterprises: number;
  demonstration_households: number;
  linked_households: number;
}

export interface SummaryCity {
  code: string;
  path: string;
}

/** The stored counts of a city, or null when there is no summary for this date (or it was invalidated). */
export async function readSummary(
  dataSource: DataSource,
  date: IsoDate,
  city: SummaryCity,
  breakdown: ProgressBreakdown,
  countedPath: string,
): Promise<CountsRow[] | null> {
  const rows: Array<{ counts: CountsRow[] }> = await dataSource.query(
    `SELECT counts FROM progress_summaries
      WHERE business_date = $1 AND city_code = $2 AND breakdown = $3 AND counted_path = $4 AND state = 'ready'`,
    [date, city.code, breakdown, countedPath],
  );
  return rows[0]?.counts ?? null;
}

export interface ComputedCounts {
  /** Every city's counts under the path, by city code (a city with nothing counted has none). */
  counts: Map<string, CountsRow[]>;
  /** How many of the cities' summaries this build stored. */
  stored: number;
}

/**
 * Counts `cities` as of the date, everything under `path` ('' for each city as a whole, else one city's
 * or a narrower path inside `cities[0]`), and stores the answers as their summaries where no other
 * build holds the claim and no write intervened.
 */
export async function computeSummaries(
  dataSource: DataSource,
  date: IsoDate,
  breakdown: ProgressBreakdown,
  path: string,
  cities: readonly SummaryCity[],
): Promise<ComputedCounts> {
  const builder = crypto.randomUUID();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const claimed: Array<{ id: string }> = await runner.query(
      `INSERT INTO progress_summaries (business_date, city_code, breakdown, counted_path, state, builder)
       SELECT $1::date, c.code, $2, CASE WHEN $3::text = '' THEN c.path ELSE $3::text END, 'building', $4::uuid
         FROM unnest($5::varchar[], $6::varchar[]) AS c(code, path)
       ON CONFLICT ON CONSTRAINT progress_summaries_key DO UPDATE SET builder = EXCLUDED.builder, started_at = now()
        WHERE progress_summaries.state = 'building' AND progress_summaries.started_at < now() - interval '${ABANDONED_CLAIM_MINUTES} minutes'
       RETURNING id`,
      [date, breakdown, path, builder, cities.map((c) => c.code), cities.map((c) => c.path)],
    );
    // Every writer that deleted summaries before our claims were committed holds the lock, shared,
    // until it commits: once we have had it, the snapshot of the next statement sees their changes.
    // Without it (writers kept it busy), the counts are still right for this answer, just not stored.
    const storable = claimed.length > 0 && (await waitOutWriters(runner));
    const countsSql = breakdown === 'region' ? PROGRESS_COUNTS_BY_REGION_SQL : progressCountsByBankSql();
    const [row]: Array<{ counts: Record<string, CountsRow[]>; stored: number }> = await runner.query(
      `WITH counts AS (${countsSql}),
         per_city AS (
           SELECT city_code,
                  jsonb_agg(jsonb_build_object('county_code', county_code, 'bank_id', bank_id, 'enterprises', enterprises,
                                               'demonstration_households', demonstration_households, 'linked_households', linked_households)
                            ORDER BY county_code NULLS FIRST, bank_id NULLS FIRST) AS counts
             FROM counts GROUP BY city_code
         ),
         stored AS (
           UPDATE progress_summaries s
              SET state = 'ready', computed_at = now(),
                  counts = COALESCE((SELECT pc.counts FROM per_city pc WHERE pc.city_code = s.city_code), '[]'::jsonb)
            WHERE s.id = ANY($3::bigint[]) AND s.builder = $4::uuid AND s.state = 'building'
           RETURNING s.id
         )
       SELECT (SELECT COALESCE(jsonb_object_agg(city_code, counts), '{}'::jsonb) FROM per_city) AS counts,
              (SELECT count(*)::int FROM stored) AS stored`,
      [date, path, storable ? claimed.map((c) => c.id) : [], builder],
    );
    return { counts: new Map(Object.entries(row!.counts)), stored: row!.stored };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    // Claims not made ready (a write came in between, or the count failed) must not wait for a takeover.
    await runner.query(`DELETE FROM progress_summaries WHERE builder = $1 AND state = 'building'`, [builder]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Takes the invalidation lock exclusively for an instant, by trying rather than waiting: a waiting
 * exclusive request would queue every new writer behind it, so a long writer (an import) would stall
 * all register and loan writes. Gives up after about LOCK_TRIES × LOCK_RETRY_MS.
 */
async function waitOutWriters(runner: QueryRunner): Promise<boolean> {
  for (let attempt = 1; attempt <= LOCK_TRIES; attempt += 1) {
    await runner.startTransaction('READ COMMITTED');
    const [{ locked }] = await runner.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [INVALIDATION_LOCK_KEY]);
    await runner.commitTransaction();
    if (locked) return true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  }
  return false;
}

export interface SummariseCounts {
  cities: number;
  /** Summaries already there and still valid, left as they are. */
  alreadySummarised: number;
  stored: number;
  [key: string]: unknown;
}

/**
 * The nightly step: a summary of both reports for every city as of the date, each breakdown counted in
 * one pass over all cities (or over the one city missing). Valid summaries are kept, not recounted.
 */
export async function summariseAllCities(dataSource: DataSource, date: IsoDate): Promise<SummariseCounts> {
  const cities: SummaryCity[] = await dataSource.query(`SELECT code, path FROM regions WHERE level = 'city' ORDER BY code`);
  const result: SummariseCounts = { cities: cities.length, alreadySummarised: 0, stored: 0 };
  for (const breakdown of ['region', 'bank'] as const) {
    const ready: Array<{ city_code: string }> = await dataSource.query(
      `SELECT city_code FROM progress_summaries s JOIN regions c ON c.code = s.city_code
        WHERE s.business_date = $1 AND s.breakdown = $2 AND s.counted_path = c.path AND s.state = 'ready'`,
      [date, breakdown],
    );
    const done = new Set(ready.map((r) => r.city_code));
    const missing = cities.filter((c) => !done.has(c.code));
    result.alreadySummarised += done.size;
    if (missing.length === 0) continue;
    const path = missing.length === 1 ? missing[0]!.path : '';
    result.stored += (await computeSummaries(dataSource, date, breakdown, path, missing)).stored;
  }
  return result;
}
