import { formatCapitalNumerals } from '../../core/capital-numerals';
import { asCoreDecimal, formatMoney, sumMoney, type Decimal } from '../../core/money';
import { CJK_BOLD_FONT, CJK_FONT, TableWriter, writeTitle } from '../../shared/pdf';
import type { RiskParty } from '../models/model-parameters';

export const CLAIM_NOTICE_TITLE = '代偿分担通知书 / Claim Split Notice';

export const PARTY_NAMES: Record<RiskParty, { zh: string; en: string }> = {
  guarantor: { zh: '担保机构', en: 'Guarantor' },
  reguarantor: { zh: '再担保机构', en: 'Re-guarantor' },
  bank: { zh: '贷款银行', en: 'Bank' },
  government: { zh: '政府（财政）', en: 'Government' },
  risk_fund: { zh: '风险补偿金', en: 'Risk fund' },
  insurer: { zh: '保险机构', en: 'Insurer' },
};

export interface NoticeShare {
  seq: number;
  party: RiskParty;
  /** The institution behind the party, when it is one of the register's. */
  partyName: string | null;
  ratio: Decimal;
  amount: Decimal;
  paid: Decimal;
  recovered: Decimal;
}

/** Everything the notice prints, loaded before the PDF starts streaming. */
export interface ClaimNotice {
  claimNumber: string;
  noticeDate: string;
  status: string;
  bankName: string;
  branchName: string;
  contractNumber: string;
  borrowerName: string;
  borrowerIdentifier: string;
  modelName: string;
  principal: Decimal;
  claimDate: string;
  principalOutstanding: Decimal;
  interestUnpaid: Decimal;
  lossAmount: Decimal;
  shares: NoticeShare[];
  approvedByName: string;
  filedByName: string;
}

const STATUS_NAMES: Record<string, string> = { approved: '已批准 approved', paid: '已支付 paid' };

/**
 * The claim split notice for the bank (SPEC §5, §7): the loss and how SPEC §6.4 splits it among the
 * parties (largest remainder: the shares sum to the loss exactly), with what each has paid and
 * recovered, the loss in figures and in capital numerals (大写), and signature blocks.
 */
export function writeClaimNotice(doc: PDFKit.PDFDocument, notice: ClaimNotice): void {
  writeTitle(doc, { zh: '代偿分担通知书', en: 'Claim Split Notice' }, [
    `编号 No.: ${notice.claimNumber}`,
    `日期 Date: ${notice.noticeDate}`,
    `状态 Status: ${STATUS_NAMES[notice.status] ?? notice.status}`,
  ]);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font(CJK_FONT).fontSize(10).text(`致 To: ${notice.bankName}${notice.branchName ? `（${notice.branchName}）` : ''}`, left, doc.y, { width });
  doc.moveDown(0.4);
  doc.text(
    `贵行报送的借款合同 ${notice.contractNumber}（借款人 ${notice.borrowerName}，${notice.borrowerIdentifier}）代偿申请经审核批准。` +
      `截至代偿日 ${notice.claimDate}，损失金额为人民币${formatCapitalNumerals(notice.lossAmount)}（¥${formatMoney(notice.lossAmount)}），` +
      `其中未偿本金 ¥${formatMoney(notice.principalOutstanding)}，应付未付合同利息 ¥${formatMoney(notice.interestUnpaid)}。按 ${notice.modelName} 的风险分担比例分担如下：`,
    left,
    doc.y,
    { width, align: 'justify' },
  );
  doc.fontSize(8.5).text(
    `The loss on loan ${notice.contractNumber} at ${notice.claimDate} is ${formatMoney(notice.lossAmount)} yuan (principal ${formatMoney(notice.principalOutstanding)} + unpaid interest ${formatMoney(notice.interestUnpaid)}), split by the largest-remainder method so that the shares sum to it exactly.`,
    left,
    doc.y + 4,
    { width },
  );
  doc.moveDown(0.6);
  writeSharesTable(doc, notice);
  writeSignatures(doc, notice);
}

function writeSharesTable(doc: PDFKit.PDFDocument, notice: ClaimNotice): void {
  type Line = { seq: string; party: string; ratio: string; amount: string; paid: string; recovered: string };
  const table = new TableWriter<Line>(doc, [
    { title: { zh: '序号', en: 'No.' }, width: 0.5, value: (l) => l.seq },
    { title: { zh: '分担方', en: 'Party' }, width: 3, value: (l) => l.party },
    { title: { zh: '比例', en: 'Ratio' }, width: 0.8, align: 'right', value: (l) => l.ratio },
    { title: { zh: '分担金额', en: 'Share' }, width: 1.3, align: 'right', value: (l) => l.amount },
    { title: { zh: '已支付', en: 'Paid' }, width: 1.3, align: 'right', value: (l) => l.paid },
    { title: { zh: '已追偿返还', en: 'Recovered' }, width: 1.3, align: 'right', value: (l) => l.recovered },
  ], { fontSizePt: 9 });
  for (const s of notice.shares) {
    const name = PARTY_NAMES[s.party];
    table.write({
      seq: String(s.seq),
      party: `${name.zh} ${name.en}${s.partyName ? `：${s.partyName}` : ''}`,
      ratio: `${asCoreDecimal(s.ratio).times(100).toFixed()}%`,
      amount: formatMoney(s.amount),
      paid: formatMoney(s.paid),
      recovered: formatMoney(s.recovered),
    });
  }
  const total = (pick: (s: NoticeShare) => Decimal) => formatMoney(sumMoney(notice.shares.map(pick)));
  table.write({ seq: '', party: '合计 Total', ratio: '100%', amount: total((s) => s.amount), paid: total((s) => s.paid), recovered: total((s) => s.recovered) });
  table.end();
}

function writeSignatures(doc: PDFKit.PDFDocument, notice: ClaimNotice): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  if (doc.y + 100 > doc.page.maxY()) doc.addPage();
  doc.moveDown(1.5);
  const top = doc.y;
  const column = width / 2;
  doc.font(CJK_BOLD_FONT).fontSize(10).text('贷款银行（盖章）Bank (seal)', left, top, { width: column - 10 });
  doc.font(CJK_FONT).fontSize(9).text(`经办 Filed by：${notice.filedByName}`, left, doc.y, { width: column - 10 });
  doc.font(CJK_BOLD_FONT).fontSize(10).text('财政局（盖章）Finance bureau (seal)', left + column, top, { width: column });
  doc.font(CJK_FONT).fontSize(9).text(`审批人 Approver：${notice.approvedByName}`, left + column, doc.y, { width: column });
  doc.x = left;
}
