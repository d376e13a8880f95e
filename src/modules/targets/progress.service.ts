import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { parseIsoDate, type IsoDate } from '../../core/dates';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { DomainError } from '../../shared/http/errors';
import { sendPdf } from '../../shared/pdf';
import { MEASURE_COLUMN, PROGRESS_BY_BANK_SQL, PROGRESS_BY_REGION_SQL } from './progress.sql';
import { computeSummaries, readSummary, summariseAllCities, type CountsRow, type ProgressBreakdown, type SummariseCounts } from './progress-summaries';
import { PROGRESS_REPORT_TITLE, writeProgressReport } from './progress-report.pdf';
import { MEASURES, type Measure } from './targets.rules';
import { programmeCity, type ProgrammeCity } from './targets.service';

export type ProgressBy = 'region' | 'bank';

export interface MeasureProgress {
  /** null where no target applies (county staff looking at banks: bank targets are city-wide). */
  target: number | null;
  actual: number;
  /** actual ÷ target in per cent with one decimal, e.g. "62.5"; null when the target is 0 or null. */
  percent: string | null;
}

export type ProgressLine = {
  scope: 'city' | 'county' | 'bank';
  regionCode: string | null;
  bankId: string | null;
  name: string;
} & Record<Measure, MeasureProgress>;

export interface ProgressReport {
  date: IsoDate;
  by: ProgressBy;
  /** When set, the actuals count only enterprises and households in this region (county staff). */
  countedIn: string | null;
  lines: ProgressLine[];
}

export interface ProgressQuery {
  date?: string;
  by?: ProgressBy;
}

export interface TrendQuery {
  by?: ProgressBy;
  from?: string;
  to?: string;
}

/** The monthly snapshots (SPEC §8 "a snapshot of 百千万 progress, for the trend"), oldest first. */
export interface ProgressTrend {
  by: ProgressBy;
  points: Array<{ date: string; takenAt: string; lines: ProgressLine[] }>;
}

type ProgressRow = { scope: ProgressLine['scope']; region_code: string | null; bank_id: string | null; name: string } & Record<
  string,
  number | string | null
>;

export class ProgressService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Target, actual and per cent per line as of a date (SPEC §3), default today in Asia/Shanghai.
   * Scope (SPEC §9): county staff get their county's line only, and by bank the counts inside their
   * county; a loan officer gets its own bank's line by bank.
   */
  async progress(context: AuthenticatedContext, query: ProgressQuery): Promise<ProgressReport> {
    const date = query.date ? parseIsoDate(query.date) : todayInShanghai();
    const by = query.by ?? 'region';
    const city = await programmeCity(this.dataSource.manager, context.user);
    const scope = scopeOf(context.user);
    const regionPath = scope.kind === 'region' ? scope.regionPath : null;
    let rows: ProgressRow[];
    if (by === 'region') {
      const counts = await this.countsOf(date, city, 'region', city.path);
      rows = await this.dataSource.query(PROGRESS_BY_REGION_SQL, [city.code, regionPath ?? '', JSON.stringify(counts)]);
    } else {
      // County staff read their county's rows of the city's counts; staff of a narrower region have
      // counts of their own.
      const county = regionPath === null ? null : countyCodeOf(regionPath, city);
      const countedPath = regionPath === null || county !== null ? city.path : regionPath;
      const counts = await this.countsOf(date, city, 'bank', countedPath);
      rows = await this.dataSource.query(PROGRESS_BY_BANK_SQL, [county, scope.kind === 'bank' ? scope.bankId : null, JSON.stringify(counts)]);
    }
    const withTargets = by === 'region' || regionPath === null;
    return { date, by, countedIn: by === 'bank' ? regionPath : null, lines: rows.map((row) => toLine(row, withTargets)) };
  }

  /**
   * The trend: the reports the monthly job kept (the whole city's, as an admin reads it), each cut to
   * the caller's scope as GET /progress cuts it: county staff get their county's line by region; a
   * loan officer its own bank's line by bank. By bank, county staff are refused: their live report
   * counts inside their county, and the snapshots keep only the city's counts.
   */
  async trend(context: AuthenticatedContext, query: TrendQuery): Promise<ProgressTrend> {
    const by = query.by ?? 'region';
    const scope = scopeOf(context.user);
    if (query.from && query.to && query.from > query.to) {
      throw new DomainError('VALIDATION_FAILED', 'the request is invalid', [
        { in: 'query', path: 'from', message: 'from must not be after to', type: 'date.order' },
      ]);
    }
    if (by === 'bank' && scope.kind === 'region') {
      throw new DomainError('RULE_VIOLATION', 'the trend by bank is kept for the whole city only', [
        { field: 'by', rule: 'TREND_BY_BANK_CITY_WIDE', message: 'county staff read the trend by region, or GET /progress?by=bank for a date' },
      ]);
    }
    const rows: Array<{ date: string; taken_at: Date; report: ProgressReport }> = await this.dataSource.query(
      `SELECT business_date::text AS date, taken_at, report FROM progress_snapshots
        WHERE breakdown = $1 AND ($2::date IS NULL OR business_date >= $2::date) AND ($3::date IS NULL OR business_date <= $3::date)
        ORDER BY business_date`,
      [by, query.from ?? null, query.to ?? null],
    );
    const keep = (line: ProgressLine): boolean =>
      scope.kind === 'region' ? line.scope === 'county' && line.regionCode === context.user.regionCode
      : scope.kind === 'bank' && by === 'bank' ? line.bankId === scope.bankId
      : true;
    return { by, points: rows.map((row) => ({ date: row.date, takenAt: row.taken_at.toISOString(), lines: row.report.lines.filter(keep) })) };
  }

  /**
   * The nightly job's step (SPEC §8, issue 7): summaries of both reports for every city as of the date,
   * so the day's reports are read, not counted. Writes after it delete what they change.
   */
  summarise(date: IsoDate): Promise<SummariseCounts> {
    return summariseAllCities(this.dataSource, date);
  }

  /** The city's counts as of the date: its summary, or counted now (and stored as its summary). */
  private async countsOf(date: IsoDate, city: ProgrammeCity, breakdown: ProgressBreakdown, countedPath: string): Promise<CountsRow[]> {
    const stored = await readSummary(this.dataSource, date, city, breakdown, countedPath);
    if (stored) return stored;
    const computed = await computeSummaries(this.dataSource, date, breakdown, countedPath, [city]);
    return computed.counts.get(city.code) ?? [];
  }

  /** The same report as a PDF, streamed to the response (SPEC §7 "Other PDFs": 百千万 progress report). */
  async reportPdf(context: AuthenticatedContext, query: ProgressQuery, res: Response): Promise<void> {
    const report = await this.progress(context, query);
    const generatedAt = new Date();
    await sendPdf(
      res,
      `progress-${report.date}-${report.by}.pdf`,
      { title: PROGRESS_REPORT_TITLE, subject: `${report.date} ${report.by}`, layout: 'landscape', pagination: 'total', generatedAt },
      (doc) => writeProgressReport(doc, report),
    );
  }
}

/** The county a county-level path names inside the city ('410200/410225/' → '410225'), else null. */
function countyCodeOf(regionPath: string, city: ProgrammeCity): string | null {
  if (!regionPath.startsWith(city.path)) return null;
  const rest = regionPath.slice(city.path.length);
  return /^[^/]+\/$/.test(rest) ? rest.slice(0, -1) : null;
}

function toLine(row: ProgressRow, withTargets: boolean): ProgressLine {
  const measure = (m: Measure): MeasureProgress => {
    const column = MEASURE_COLUMN[m];
    return {
      target: withTargets ? Number(row[`${column}_target`]) : null,
      actual: Number(row[`${column}_actual`]),
      percent: withTargets ? ((row[`${column}_percent`] as string | null) ?? null) : null,
    };
  };
  const measures = Object.fromEntries(MEASURES.map((m) => [m, measure(m)])) as Record<Measure, MeasureProgress>;
  return { scope: row.scope, regionCode: row.region_code, bankId: row.bank_id, name: row.name, ...measures };
}
