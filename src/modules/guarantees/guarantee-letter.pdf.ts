import { formatCapitalNumerals } from '../../core/capital-numerals';
import { asCoreDecimal, Decimal, formatMoney } from '../../core/money';
import { CJK_BOLD_FONT, CJK_FONT, TableWriter, writeTitle } from '../../shared/pdf';
import type { RepaymentMethod } from '../loans/loan.entity';

export const GUARANTEE_LETTER_TITLE = '担保函 / Letter of Guarantee';

/** Everything the letter prints, loaded by the service before the PDF starts streaming. */
export interface GuaranteeLetter {
  letterNumber: string;
  letterDate: string;
  guarantorName: string;
  guarantorUscc: string;
  bankName: string;
  branchName: string;
  borrowerName: string;
  /** Masked resident ID of a household's head, or an enterprise's USCC. */
  borrowerIdentifier: string;
  contractNumber: string;
  modelName: string;
  principal: Decimal;
  rateAnnual: Decimal;
  contractDate: string;
  maturityDate: string;
  termMonths: number;
  repaymentMethod: RepaymentMethod;
  guaranteedAmount: Decimal;
  coverageRatio: Decimal;
  feeRateAnnual: Decimal;
  feeSubsidyRateAnnual: Decimal;
  filedByName: string;
  approvedByName: string;
}

const METHOD_NAMES: Record<RepaymentMethod, string> = {
  interest_quarterly_principal_at_maturity: '按季付息、到期还本 / interest quarterly, principal at maturity',
  equal_installment: '等额本息 / equal instalments',
  equal_principal: '等额本金 / equal principal',
};

/** "0.8" → "80%", "0.0125" → "1.25%": a ratio or rate as a per cent, exactly (no rounding). */
export function percent(value: Decimal): string {
  return `${asCoreDecimal(value).times(100).toFixed()}%`;
}

interface Row {
  zh: string;
  en: string;
  value: string;
}

/**
 * The guarantee letter (担保函, SPEC §5 and §7): the parties, the loan, the guaranteed amount in figures
 * and in capital numerals (大写), coverage, fee rate, term, number and date, and signature blocks.
 */
export function writeGuaranteeLetter(doc: PDFKit.PDFDocument, letter: GuaranteeLetter): void {
  writeTitle(doc, { zh: '担保函', en: 'Letter of Guarantee' }, [`编号 No.: ${letter.letterNumber}`, `日期 Date: ${letter.letterDate}`]);
  const amountFigures = `¥${formatMoney(letter.guaranteedAmount)}`;
  const amountWords = `人民币${formatCapitalNumerals(letter.guaranteedAmount)}`;
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font(CJK_FONT).fontSize(10);
  doc.text(`致 To: ${letter.bankName}${letter.branchName ? `（${letter.branchName}）` : ''}`, left, doc.y, { width });
  doc.moveDown(0.5);
  doc.text(
    `鉴于 ${letter.borrowerName}（以下称"债务人"）与贵行签订编号为 ${letter.contractNumber} 的借款合同，` +
      `经财政部门审批，${letter.guarantorName}（以下称"担保人"）同意按本函约定为上述借款提供保证担保。` +
      `担保金额为${amountWords}（${amountFigures}），即借款本金的 ${percent(letter.coverageRatio)}；` +
      `保证期间自 ${letter.contractDate} 起至 ${letter.maturityDate} 借款到期日止，借款结清时本担保解除。`,
    left,
    doc.y,
    { width, align: 'justify' },
  );
  doc.moveDown(0.3);
  doc
    .fontSize(8.5)
    .text(
      `${letter.guarantorName} guarantees ${formatMoney(letter.guaranteedAmount)} yuan (${percent(letter.coverageRatio)} of the principal) of loan ` +
        `${letter.contractNumber} to ${letter.borrowerName}, from ${letter.contractDate} to maturity on ${letter.maturityDate}; the guarantee is released when the loan is settled.`,
      left,
      doc.y,
      { width },
    );
  doc.moveDown(0.8);
  const table = new TableWriter<Row>(doc, [
    { title: { zh: '项目', en: 'Item' }, width: 1.3, value: (r) => `${r.zh} ${r.en}` },
    { title: { zh: '内容', en: 'Details' }, width: 3, value: (r) => r.value },
  ], { fontSizePt: 9 });
  for (const row of letterRows(letter, amountFigures, amountWords)) table.write(row);
  table.end();
  writeSignatures(doc, letter);
}

function letterRows(letter: GuaranteeLetter, amountFigures: string, amountWords: string): Row[] {
  return [
    { zh: '担保人', en: 'Guarantor', value: `${letter.guarantorName}（统一社会信用代码 ${letter.guarantorUscc}）` },
    { zh: '债权人', en: 'Lender', value: `${letter.bankName} ${letter.branchName}` },
    { zh: '债务人', en: 'Borrower', value: `${letter.borrowerName}（${letter.borrowerIdentifier}）` },
    { zh: '借款合同编号', en: 'Loan contract', value: letter.contractNumber },
    { zh: '扶贫模式', en: 'Financing model', value: letter.modelName },
    { zh: '借款本金', en: 'Principal', value: `¥${formatMoney(letter.principal)}（人民币${formatCapitalNumerals(letter.principal)}）` },
    { zh: '年利率', en: 'Annual rate', value: percent(letter.rateAnnual) },
    { zh: '还款方式', en: 'Repayment', value: METHOD_NAMES[letter.repaymentMethod] },
    { zh: '借款期限', en: 'Term', value: `${letter.contractDate} 至 ${letter.maturityDate}（${letter.termMonths} 个月 / months）` },
    { zh: '担保金额（小写）', en: 'Guaranteed (figures)', value: amountFigures },
    { zh: '担保金额（大写）', en: 'Guaranteed (in words)', value: amountWords },
    { zh: '担保比例', en: 'Coverage', value: percent(letter.coverageRatio) },
    { zh: '担保费率（年）', en: 'Fee rate (annual)', value: percent(letter.feeRateAnnual) },
    { zh: '担保费补贴率（年）', en: 'Fee subsidy rate', value: percent(letter.feeSubsidyRateAnnual) },
    { zh: '保证期间', en: 'Guarantee term', value: `${letter.contractDate} 至 ${letter.maturityDate}` },
  ];
}

function writeSignatures(doc: PDFKit.PDFDocument, letter: GuaranteeLetter): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  if (doc.y + 110 > doc.page.maxY()) doc.addPage();
  doc.moveDown(1.5);
  const top = doc.y;
  const column = width / 2;
  doc.font(CJK_BOLD_FONT).fontSize(10).text('担保人（盖章）Guarantor (seal)', left, top, { width: column - 10 });
  doc.font(CJK_FONT).fontSize(9).text(letter.guarantorName, left, doc.y, { width: column - 10 });
  doc.text('法定代表人或授权代表 Authorised signatory：__________', left, doc.y + 18, { width: column - 10 });
  doc.font(CJK_BOLD_FONT).fontSize(10).text('财政局审批 Approved by the finance bureau', left + column, top, { width: column });
  doc.font(CJK_FONT).fontSize(9).text(`审批人 Approver：${letter.approvedByName}`, left + column, doc.y, { width: column });
  doc.text(`经办（申请）Filed by：${letter.filedByName}`, left + column, doc.y, { width: column });
  doc.text(`日期 Date：${letter.letterDate}`, left + column, doc.y, { width: column });
  doc.x = left;
}
