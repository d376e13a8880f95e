import { expect } from 'chai';
import { Decimal, formatMoney, parseIsoDate, parsePeriod, type IsoDate } from '../../../src/core';
import { guaranteeFeesForPeriod, principalBalanceChanges, type GuaranteeFeeInput } from '../../../src/modules/guarantees/guarantee-fees';

const d = (value: string): IsoDate => parseIsoDate(value);

/** A loan disbursed before 2026Q3 and maturing after it, at coverage 0.8, fee 1 %, subsidy 1.5 %. */
function input(overrides: Partial<GuaranteeFeeInput> = {}): GuaranteeFeeInput {
  return {
    period: parsePeriod('2026Q3'),
    disbursementDate: d('2026-03-01'),
    originalMaturityDate: d('2027-03-01'),
    currentMaturityDate: d('2027-03-01'),
    claimDate: null,
    principal: new Decimal('50000.00'),
    repayments: [],
    coverageRatio: new Decimal('0.8'),
    feeRateAnnual: new Decimal('0.01'),
    feeSubsidyRateAnnual: new Decimal('0.015'),
    ...overrides,
  };
}

describe('guarantee fee and fee subsidy per period (SPEC §6.3)', () => {
  it('when 50,000.00 is guaranteed at coverage 0.8 with a 1.5 % subsidy for 92 days, then the subsidy is 153.333 → 153.33 (the worked example)', () => {
    const { fee, feeSubsidy } = guaranteeFeesForPeriod(input());
    expect(feeSubsidy.segments).to.have.length(1);
    expect(feeSubsidy.segments[0]).to.include({ from: '2026-06-21', to: '2026-09-20', days: 92 });
    expect(feeSubsidy.segments[0]!.base.toFixed()).to.equal('40000');
    expect(feeSubsidy.segments[0]!.amount.toFixed(3)).to.equal('153.333');
    expect(formatMoney(feeSubsidy.amount)).to.equal('153.33');
    // 40,000 × 0.01 × 92 / 360 = 102.222 → 102.22
    expect(formatMoney(fee.amount)).to.equal('102.22');
  });

  it('when principal is repaid inside the period, then the guaranteed balance follows it from the repayment day on', () => {
    const { feeSubsidy } = guaranteeFeesForPeriod(input({ repayments: [{ paidOn: d('2026-08-01'), principal: new Decimal('20000.00') }] }));
    // 41 days × 40,000 → 68.333; 51 days × 24,000 → 51.000; 119.333 → 119.33
    expect(feeSubsidy.segments.map((s) => [s.from, s.to, s.days, s.base.toFixed(), s.amount.toFixed(3)])).to.deep.equal([
      ['2026-06-21', '2026-07-31', 41, '40000', '68.333'],
      ['2026-08-01', '2026-09-20', 51, '24000', '51.000'],
    ]);
    expect(formatMoney(feeSubsidy.amount)).to.equal('119.33');
  });

  it('when a repayment is reversed, then the reversal cancels it on the same date and nothing changes', () => {
    const repayments = [
      { paidOn: d('2026-08-01'), principal: new Decimal('20000.00') },
      { paidOn: d('2026-08-01'), principal: new Decimal('-20000.00') },
    ];
    expect(formatMoney(guaranteeFeesForPeriod(input({ repayments })).feeSubsidy.amount)).to.equal('153.33');
  });

  it('when the loan is not disbursed, then nothing is guaranteed and nothing is charged', () => {
    const lines = guaranteeFeesForPeriod(input({ disbursementDate: null }));
    expect(formatMoney(lines.fee.amount)).to.equal('0.00');
    expect(lines.feeSubsidy.segments).to.deep.equal([]);
  });

  it('when the loan is disbursed inside the period, then the disbursement day is charged (43 days from 2026-08-09)', () => {
    const { feeSubsidy } = guaranteeFeesForPeriod(input({ disbursementDate: d('2026-08-09') }));
    expect(feeSubsidy.segments[0]).to.include({ from: '2026-08-09', days: 43 });
    // 40,000 × 0.015 × 43 / 360 = 71.666… → 71.667 → 71.67
    expect(formatMoney(feeSubsidy.amount)).to.equal('71.67');
  });

  it('when the loan was extended past its maturity, then the fee runs to the new maturity but the subsidy stops at the original one', () => {
    const { fee, feeSubsidy } = guaranteeFeesForPeriod(input({ originalMaturityDate: d('2026-08-01'), currentMaturityDate: d('2027-02-01') }));
    expect(fee.segments[0]).to.include({ from: '2026-06-21', to: '2026-09-20', days: 92 });
    expect(feeSubsidy.segments[0]).to.include({ from: '2026-06-21', to: '2026-07-31', days: 41 });
  });

  it('when the guarantee was called by a claim, then neither fee nor subsidy runs from the claim date on', () => {
    const { fee, feeSubsidy } = guaranteeFeesForPeriod(input({ claimDate: d('2026-07-01') }));
    expect(fee.segments[0]).to.include({ to: '2026-06-30', days: 10 });
    expect(feeSubsidy.segments[0]).to.include({ to: '2026-06-30', days: 10 });
  });

  it('when coverage times the balance has more than 2 decimals, then the guaranteed balance is not rounded before pricing', () => {
    const { feeSubsidy } = guaranteeFeesForPeriod(input({ principal: new Decimal('33333.33'), coverageRatio: new Decimal('0.75') }));
    expect(feeSubsidy.segments[0]!.base.toFixed()).to.equal('24999.9975');
    // 24,999.9975 × 0.015 × 92 / 360 = 95.8332 → 95.833 → 95.83
    expect(feeSubsidy.segments[0]!.amount.toFixed(3)).to.equal('95.833');
  });

  it('when repayments and reversals are listed in any order, then the balance changes are per date, cumulative', () => {
    const changes = principalBalanceChanges(new Decimal('1000.00'), d('2026-01-01'), [
      { paidOn: d('2026-03-01'), principal: new Decimal('100.00') },
      { paidOn: d('2026-02-01'), principal: new Decimal('200.00') },
      { paidOn: d('2026-02-01'), principal: new Decimal('-200.00') },
    ]);
    expect(changes.map((c) => [c.date, formatMoney(c.balanceAfter)])).to.deep.equal([
      ['2026-01-01', '1000.00'],
      ['2026-02-01', '1000.00'],
      ['2026-03-01', '900.00'],
    ]);
  });
});
