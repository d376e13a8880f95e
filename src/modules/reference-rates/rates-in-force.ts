import type { EntityManager } from 'typeorm';
import { Decimal } from '../../core/money';
import type { RateTenor } from './reference-rate.entity';

/**
 * Which tenor prices a loan of a given term (SPEC §2): the benchmark bands until LPR rows exist,
 * then the 1-year LPR up to five years and the 5-year-plus LPR beyond.
 */
export function tenorsForTerm(termMonths: number): { benchmark: RateTenor; lpr: RateTenor } {
  if (termMonths <= 12) return { benchmark: 'up_to_1y', lpr: 'lpr_1y' };
  if (termMonths <= 60) return { benchmark: '1y_to_5y', lpr: 'lpr_1y' };
  return { benchmark: 'over_5y', lpr: 'lpr_5y_plus' };
}

export const rateKey = (date: string, termMonths: number): string => {
  const { benchmark, lpr } = tenorsForTerm(termMonths);
  return `${date}|${benchmark}|${lpr}`;
};

/**
 * The one place that chooses a loan's reference rate (SPEC §2): for each (date, term), the latest
 * LPR row of the term's tenor in force on the date, else the latest benchmark row. One query for any
 * number of loans; keyed by `rateKey`, absent when no row is in force.
 */
export async function referenceRatesInForce(manager: EntityManager, loans: ReadonlyArray<{ date: string; termMonths: number }>): Promise<Map<string, Decimal>> {
  const keys = distinct(loans.map((l) => rateKey(l.date, l.termMonths)));
  if (keys.length === 0) return new Map();
  const parts = keys.map((key) => key.split('|'));
  const rows: Array<{ key: string; rate_annual: string | null }> = await manager.query(
    `SELECT p.on_date::text || '|' || p.benchmark || '|' || p.lpr AS key, r.rate_annual::text AS rate_annual
       FROM unnest($1::date[], $2::text[], $3::text[]) AS p(on_date, benchmark, lpr)
       LEFT JOIN LATERAL (${rateInForceSql('p.on_date', 'p.benchmark', 'p.lpr')}) r ON true`,
    [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])],
  );
  return new Map(rows.filter((r) => r.rate_annual !== null).map((r) => [r.key, new Decimal(r.rate_annual!)]));
}

/**
 * The choice itself as a subquery yielding `rate_annual` (at most one row), for the statement above
 * and for registration's single look-up statement: date, benchmark tenor and LPR tenor are SQL
 * expressions (columns or typed parameters).
 */
export function rateInForceSql(date: string, benchmarkTenor: string, lprTenor: string): string {
  return `SELECT x.rate_annual FROM reference_rates x
           WHERE x.tenor IN (${benchmarkTenor}, ${lprTenor}) AND x.effective_date <= ${date}
           ORDER BY (x.tenor = ${lprTenor}) DESC, x.effective_date DESC LIMIT 1`;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
