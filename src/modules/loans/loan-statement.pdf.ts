import { formatCapitalNumerals } from '../../core/capital-numerals';
import { Decimal, formatMoney, sumMoney } from '../../core/money';
import { CJK_BOLD_FONT, CJK_FONT, TableWriter, writeTitle, type TableColumn } from '../../shared/pdf';
import type { RepaymentDto } from './loan-servicing.service';
import type { LoanStatus, RepaymentMethod } from './loan.entity';
import type { LoanDetailDto, ScheduleRowDto } from './loans-query.service';

/**
 * The per-loan statement (SPEC §7 "Other PDFs: loan statement (schedule and repayments)"): the
 * loan's terms, its repayment schedule, its repayments and reversals up to the as-of date, its
 * balances on that date, and the totals in figures and in capital numerals (大写). Totals are sums
 * of the lines as shown (SPEC §6.5). Layout only: the data comes from LoansQueryService.statement.
 */
export const LOAN_STATEMENT_TITLE = '贷款对账单 / Loan Statement';

export interface LoanStatement {
  loan: LoanDetailDto;
  asOf: string;
  bankName: string;
  branchName: string;
  model: { nameZh: string; nameEn: string; version: number };
  guarantorName: string | null;
  /** The repayments and reversals recorded on or before `asOf`, oldest first. */
  repaymentsToDate: RepaymentDto[];
}

const STATUS_NAMES: Record<LoanStatus, string> = {
  pending_guarantee: '待担保 Pending guarantee',
  registered: '已签约未放款 Registered',
  active: '正常 Active',
  overdue: '逾期 Overdue',
  defaulted: '违约 Defaulted',
  compensated: '已代偿 Compensated',
  written_off: '已核销 Written off',
  settled: '已结清 Settled',
  cancelled: '已取消 Cancelled',
};

const METHOD_NAMES: Record<RepaymentMethod, string> = {
  interest_quarterly_principal_at_maturity: '按季付息、到期还本 Quarterly interest, principal at maturity',
  equal_installment: '等额本息 Equal instalments',
  equal_principal: '等额本金 Equal principal',
};

const KIND_NAMES: Record<RepaymentDto['kind'], string> = { repayment: '还款 Repayment', reversal: '冲正 Reversal' };

/** "0.0435" → "4.35%", exactly (a rate has at most 8 decimals, so its percentage at most 6). */
const percent = (rate: string): string => `${new Decimal(rate).times(100).toFixed()}%`;
const money = (values: readonly string[]): Decimal => sumMoney(values.map((v) => new Decimal(v)));

/** A schedule table row as printed (an instalment, or the totals row). */
type ScheduleLine = Record<'seq' | 'dueDate' | 'principal' | 'interest' | 'total', string>;
/** A repayments table row as printed. */
type RepaymentLine = Record<'date' | 'kind' | 'principal' | 'interest' | 'penalty' | 'total' | 'note', string>;

export function writeLoanStatement(doc: PDFKit.PDFDocument, statement: LoanStatement): void {
  const { loan } = statement;
  writeTitle(doc, { zh: '贷款对账单', en: 'Loan Statement' }, [`截至日期 As of: ${statement.asOf}`]);
  writeTerms(doc, statement);
  const scheduleTotals = writeSchedule(doc, loan.schedule);
  const repaidTotal = writeRepayments(doc, statement.repaymentsToDate);
  writeBalances(doc, statement);
  heading(doc, '合计 / Totals');
  writeTotal(doc, '计划应还本息合计 Scheduled principal and interest', scheduleTotals);
  writeTotal(doc, '截至对账日已还合计 Repaid to the as-of date (net of reversals)', repaidTotal);
  writeTotal(doc, '截至对账日未还本金 Principal outstanding at the as-of date', new Decimal(loan.balances.outstandingPrincipal));
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  const left = doc.page.margins.left;
  if (doc.y + 40 > doc.page.maxY()) doc.addPage();
  doc.moveDown(0.4);
  doc.font(CJK_BOLD_FONT).fontSize(11).fillColor('black').text(text, left, doc.y);
  doc.font(CJK_FONT).fontSize(9).moveDown(0.2);
}

function writeTerms(doc: PDFKit.PDFDocument, statement: LoanStatement): void {
  const { loan } = statement;
  const left = doc.page.margins.left;
  const borrowerKind = loan.borrowerKind === 'household' ? '农户 Household' : '企业 Enterprise';
  const identifierLabel = loan.borrowerKind === 'household' ? '身份证号 ID number' : '统一社会信用代码 USCC';
  const lines = [
    `贷款银行 Bank: ${statement.bankName}`,
    `经办网点 Branch: ${statement.branchName}`,
    `合同编号 Contract No.: ${loan.contractNumber}`,
    `借款人 Borrower: ${loan.borrowerName ?? '—'}（${borrowerKind}）`,
    `${identifierLabel}: ${loan.borrowerIdentifier ?? '—'}`,
    `扶贫模式 Model: ${statement.model.nameZh} ${statement.model.nameEn}（${loan.modelCode}，第 ${statement.model.version} 版 version ${statement.model.version}）`,
    `贷款本金 Principal: ${loan.principal} 元`,
    `年利率 Annual rate: ${percent(loan.rateAnnual)}    基准利率 Reference rate: ${percent(loan.referenceRateAnnual)}`,
    `合同日期 Contract date: ${loan.contractDate}    放款日期 Disbursed: ${loan.disbursementDate ?? '未放款 not yet'}`,
    `到期日期 Maturity: ${loan.maturityDate}${loan.currentMaturityDate !== loan.maturityDate ? `    展期至 Extended to: ${loan.currentMaturityDate}` : ''}`,
    `还款方式 Repayment method: ${METHOD_NAMES[loan.repaymentMethod]}`,
    `贷款用途 Purpose: ${loan.purpose}`,
    `状态 Status: ${STATUS_NAMES[loan.status]}${loan.daysPastDue > 0 ? `    逾期天数 Days past due: ${loan.daysPastDue}` : ''}`,
  ];
  if (loan.agreementNumber) lines.push(`带贫协议编号 Agreement No.: ${loan.agreementNumber}`);
  if (statement.guarantorName) lines.push(`担保机构 Guarantor: ${statement.guarantorName}`);
  heading(doc, '贷款信息 / Loan');
  for (const line of lines) doc.text(line, left, doc.y);
}

/** The schedule table with its totals row; returns the scheduled principal and interest together. */
function writeSchedule(doc: PDFKit.PDFDocument, schedule: ScheduleRowDto[]): Decimal {
  heading(doc, '还款计划 / Repayment Schedule');
  const columns: Array<TableColumn<ScheduleLine>> = [
    { title: { zh: '期次', en: 'Seq' }, width: 0.7, align: 'right', value: (l) => l.seq },
    { title: { zh: '到期日', en: 'Due date' }, width: 1.4, value: (l) => l.dueDate },
    { title: { zh: '应还本金', en: 'Principal' }, width: 1.6, align: 'right', value: (l) => l.principal },
    { title: { zh: '应还利息', en: 'Interest' }, width: 1.6, align: 'right', value: (l) => l.interest },
    { title: { zh: '本息合计', en: 'Total' }, width: 1.6, align: 'right', value: (l) => l.total },
  ];
  const table = new TableWriter<ScheduleLine>(doc, columns);
  for (const s of schedule) table.write({ seq: String(s.seq), dueDate: s.dueDate, principal: s.principalDue, interest: s.interestDue, total: s.totalDue });
  const total = money(schedule.map((s) => s.totalDue));
  table.write({
    seq: '',
    dueDate: '合计 Total',
    principal: formatMoney(money(schedule.map((s) => s.principalDue))),
    interest: formatMoney(money(schedule.map((s) => s.interestDue))),
    total: formatMoney(total),
  });
  table.end();
  if (schedule.length === 0) doc.text('尚未放款，无还款计划 / Not disbursed: no schedule yet', doc.page.margins.left, doc.y);
  return total;
}

/** The repayments and reversals table with its totals row; returns the net amount repaid. */
function writeRepayments(doc: PDFKit.PDFDocument, repayments: RepaymentDto[]): Decimal {
  heading(doc, '还款记录 / Repayments (冲正为负数 reversals are negative)');
  const columns: Array<TableColumn<RepaymentLine>> = [
    { title: { zh: '日期', en: 'Date' }, width: 1.3, value: (l) => l.date },
    { title: { zh: '类型', en: 'Kind' }, width: 1.4, value: (l) => l.kind },
    { title: { zh: '本金', en: 'Principal' }, width: 1.4, align: 'right', value: (l) => l.principal },
    { title: { zh: '利息', en: 'Interest' }, width: 1.2, align: 'right', value: (l) => l.interest },
    { title: { zh: '罚息', en: 'Penalty' }, width: 1.1, align: 'right', value: (l) => l.penalty },
    { title: { zh: '合计', en: 'Total' }, width: 1.4, align: 'right', value: (l) => l.total },
    { title: { zh: '备注', en: 'Note' }, width: 1.8, value: (l) => l.note },
  ];
  const table = new TableWriter<RepaymentLine>(doc, columns);
  for (const r of repayments) {
    const total = formatMoney(money([r.principal, r.interest, r.penalty]));
    table.write({ date: r.paidOn, kind: KIND_NAMES[r.kind], principal: r.principal, interest: r.interest, penalty: r.penalty, total, note: r.note ?? '' });
  }
  const sums = { principal: money(repayments.map((r) => r.principal)), interest: money(repayments.map((r) => r.interest)), penalty: money(repayments.map((r) => r.penalty)) };
  const net = sums.principal.plus(sums.interest).plus(sums.penalty);
  table.write({
    date: '合计 Total',
    kind: '',
    principal: formatMoney(sums.principal),
    interest: formatMoney(sums.interest),
    penalty: formatMoney(sums.penalty),
    total: formatMoney(net),
    note: '',
  });
  table.end();
  if (repayments.length === 0) doc.text('截至对账日无还款 / No repayments to the as-of date', doc.page.margins.left, doc.y);
  return net;
}

function writeBalances(doc: PDFKit.PDFDocument, statement: LoanStatement): void {
  const b = statement.loan.balances;
  const left = doc.page.margins.left;
  heading(doc, `余额 / Balances as of ${b.asOf}`);
  const lines = [
    `未还本金 Principal outstanding: ${b.outstandingPrincipal}`,
    `已还本金 Principal repaid: ${b.principalPaid}    已还利息 Interest paid: ${b.interestPaid}    已还罚息 Penalty paid: ${b.penaltyPaid}`,
    `截至对账日应还本息 Due to date: ${b.dueToDate}    拖欠本息 Arrears: ${b.arrears}`,
  ];
  for (const line of lines) doc.text(line, left, doc.y);
}

/** A total in figures, then on its own line in capital numerals (大写). */
function writeTotal(doc: PDFKit.PDFDocument, label: string, amount: Decimal): void {
  const left = doc.page.margins.left;
  doc.font(CJK_FONT).fontSize(9).text(`${label}: ${formatMoney(amount)} 元`, left, doc.y);
  doc.font(CJK_BOLD_FONT).text(`大写 In words: ${formatCapitalNumerals(amount)}`, left + 12, doc.y);
  doc.font(CJK_FONT).moveDown(0.3);
}
