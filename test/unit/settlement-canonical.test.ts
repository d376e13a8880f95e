import crypto from 'node:crypto';
import { expect } from 'chai';
import { Decimal } from '../../src/core';
import { canonicalHeader, canonicalLine } from '../../src/modules/settlements/canonical';
import type { LineRecord } from '../../src/modules/settlements/line-record';
import { nextStatus, refusal } from '../../src/modules/settlements/settlement.status';

const header = {
  id: 'b1',
  batchNumber: 'JS-2026Q3-MA4000001',
  bankId: '00000000-0000-4000-8000-000000000001',
  period: '2026Q3',
  periodStart: '2026-06-21',
  periodEnd: '2026-09-20',
  lineCount: 1,
  loansCounted: 1,
  openingBalanceTotal: new Decimal('50000'),
  closingBalanceTotal: new Decimal('30000.00'),
  interestSubsidyTotal: new Decimal('432.58'),
  guaranteeFeeSubsidyTotal: new Decimal('0'),
  totalAmount: new Decimal('432.58'),
};

const line: LineRecord = {
  lineNo: 1,
  kind: 'regular',
  loanId: '00000000-0000-4000-8000-000000000002',
  contractNumber: 'HT-1',
  borrowerKind: 'household',
  borrowerName: '赵六',
  borrowerIdentifier: '410225********1234',
  modelCode: 'household_microcredit',
  principal: '50000.00',
  openingBalance: '50000.00',
  closingBalance: '30000.00',
  days: 92,
  interestRate: '0.0435',
  interestSubsidy: '432.58',
  feeSubsidyRate: null,
  guaranteeFeeSubsidy: '0.00',
  totalAmount: '432.58',
  reason: null,
  adjustsPeriod: null,
  adjustsLineId: null,
  segments: [
    { kind: 'interest', from: '2026-06-21', to: '2026-07-31', days: 41, base: '50000.00', rate: '0.0435', amount: '247.708' },
    { kind: 'interest', from: '2026-08-01', to: '2026-09-20', days: 51, base: '30000.00', rate: '0.0435', amount: '184.875' },
  ],
};

describe('canonical content of a settlement batch (docs/calculations.md)', () => {
  it('when a header is written, then its keys come in the documented order and its money has two decimals', () => {
    expect(canonicalHeader(header)).to.equal(
      '{"format":"fupin-settlement-batch/1","batchNumber":"JS-2026Q3-MA4000001","bankId":"00000000-0000-4000-8000-000000000001","period":"2026Q3",' +
        '"periodStart":"2026-06-21","periodEnd":"2026-09-20","lineCount":1,"loansCounted":1,"openingBalanceTotal":"50000.00","closingBalanceTotal":"30000.00",' +
        '"interestSubsidyTotal":"432.58","guaranteeFeeSubsidyTotal":"0.00","totalAmount":"432.58"}',
    );
  });

  it('when a line\'s segments come back from jsonb with their keys reordered, then the canonical line and the hash are the same', () => {
    const reordered = { ...line, segments: line.segments.map((s) => ({ amount: s.amount, base: s.base, days: s.days, from: s.from, kind: s.kind, rate: s.rate, to: s.to })) };
    expect(canonicalLine(reordered)).to.equal(canonicalLine(line));
    expect(canonicalLine(line)).to.match(/^\{"lineNo":1,"kind":"regular","loanId":.*"segments":\[\{"kind":"interest","from":"2026-06-21","to":"2026-07-31","days":41,"base":"50000.00","rate":"0.0435","amount":"247.708"\}/);
    const sha = (l: LineRecord) => crypto.createHash('sha256').update(`${canonicalHeader(header)}\n${canonicalLine(l)}\n`).digest('hex');
    expect(sha(reordered)).to.equal(sha(line));
    expect(sha({ ...line, borrowerName: '赵七' })).to.not.equal(sha(line));
  });
});

describe('settlement batch workflow (SPEC §7)', () => {
  const cases: Array<[Parameters<typeof nextStatus>[0], Parameters<typeof nextStatus>[1], string | null]> = [
    ['draft', 'compute', 'draft'],
    ['draft', 'submit', 'submitted'],
    ['submitted', 'approve', 'approved'],
    ['submitted', 'reject', 'draft'],
    ['approved', 'pay', 'paid'],
    ['draft', 'approve', null],
    ['submitted', 'compute', null],
    ['approved', 'compute', null],
    ['approved', 'reject', null],
    ['paid', 'pay', null],
    ['paid', 'compute', null],
  ];
  for (const [status, action, next] of cases) {
    it(`when a ${status} batch is asked to ${action}, then ${next ?? 'it is refused'}`, () => {
      expect(nextStatus(status, action)).to.equal(next);
      if (next === null) expect(refusal(status, action)).to.be.a('string').and.not.equal('');
    });
  }
  it('when an approved batch is asked to change, then the refusal points to adjustment lines', () => {
    expect(refusal('approved', 'compute')).to.match(/adjustment lines/);
  });
});
