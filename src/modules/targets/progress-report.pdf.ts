import { TableWriter, writeTitle, type TableColumn } from '../../shared/pdf';
import type { MeasureProgress, ProgressLine, ProgressReport } from './progress.service';
import { MEASURE_TITLES, MEASURES, type Measure } from './targets.rules';

export const PROGRESS_REPORT_TITLE = '百千万工程进度报告 / Progress of the 100-1,000-10,000 Project';

const BY_TITLE = {
  region: '按县区 / by county or district',
  bank: '按银行 / by bank',
} as const;

const SCOPE_NAME: Record<ProgressLine['scope'], string> = { city: '全市 City', county: '', bank: '' };

const count = (value: number | null) => (value === null ? '—' : String(value));
const percent = (value: string | null) => (value === null ? '—' : `${value}%`);

/** Short English column names: nine narrow number columns share a landscape page. */
const SHORT_EN: Record<Measure, string> = {
  enterprises: 'Enterprises',
  demonstrationHouseholds: 'Demo households',
  linkedHouseholds: 'Linked households',
};

function measureColumns(): Array<TableColumn<ProgressLine>> {
  return MEASURES.flatMap((m) => {
    const zh = MEASURE_TITLES[m].zh;
    const cell = (line: ProgressLine): MeasureProgress => line[m];
    return [
      { title: { zh: `${zh} 目标`, en: `${SHORT_EN[m]} target` }, width: 1, align: 'right' as const, value: (l) => count(cell(l).target) },
      { title: { zh: `${zh} 实际`, en: `${SHORT_EN[m]} actual` }, width: 1, align: 'right' as const, value: (l) => count(cell(l).actual) },
      { title: { zh: `${zh} 完成率`, en: `${SHORT_EN[m]} %` }, width: 1, align: 'right' as const, value: (l) => percent(cell(l).percent) },
    ];
  });
}

/** The report's body: title, date and scope lines, then one table row per line of the JSON report. */
export function writeProgressReport(doc: PDFKit.PDFDocument, report: ProgressReport): void {
  const lines = [
    `统计日期 As of: ${report.date}`,
    `口径 Breakdown: ${BY_TITLE[report.by]}`,
    '完成率 = 实际 ÷ 目标 × 100，四舍五入保留一位小数 / Per cent = actual ÷ target × 100, rounded half-up to one decimal',
  ];
  if (report.countedIn) lines.push(`统计范围 Counted in region: ${report.countedIn}`);
  if (report.by === 'bank') {
    lines.push('银行口径：仅计在该行有有效贷款的企业和农户，及与该行贷款企业联结的农户 / Bank lines count only its active borrowers and households linked to them');
  }
  writeTitle(doc, { zh: '百千万工程进度报告', en: 'Progress of the 100-1,000-10,000 Project' }, lines);
  const nameTitle = report.by === 'region' ? { zh: '地区', en: 'Region' } : { zh: '银行', en: 'Bank' };
  const table = new TableWriter<ProgressLine>(doc, [
    { title: nameTitle, width: 2.6, value: (l) => [SCOPE_NAME[l.scope], l.name].filter(Boolean).join(' ') },
    ...measureColumns(),
  ]);
  for (const line of report.lines) table.write(line);
  table.end();
  if (report.lines.length === 0) doc.text('无数据 / No lines in your scope');
}
