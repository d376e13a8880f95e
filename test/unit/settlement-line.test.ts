import { expect } from 'chai';
import { Decimal, parsePeriod, type IsoDate } from '../../src/core';
import type { GuaranteeRule, SubsidyRule } from '../../src/modules/models/model-parameters';
import { computeSubsidyLine, isOverdueInPeriod, type LoanSubsidyFacts } from '../../src/modules/settlements/subsidy-line';

const Q3 = parsePeriod('2026Q3');
const d = (date: string) => date as IsoDate;
const money = (value: string) => new Decimal(value);
const NO_GUARANTEE: GuaranteeRule = { required: false };
const FULL: SubsidyRule = { rule: 'full_up_to_reference' };

function facts(overrides: Partial<LoanSubsidyFacts> = {}): LoanSubsidyFacts {
  return {
    borrowerKind: 'household',
    principal: money('50000.00'),
    rateAnnual: money('0.0475'),
    referenceRateAnnual: money('0.0475'),
    disbursementDate: d('2026-03-01'),
    maturityDate: d('2027-03-01'),
    subsidy: FULL,
    guarantee: NO_GUARANTEE,
    hasGuarantor: false,
    drivenHouseholds: 0,
    principalRepaid: [],
    interestPaid: [],
    instalments: [],
    extendedInPeriod: false,
    ...overrides,
  };
}

const segmentsOf = (line: ReturnType<typeof computeSubsidyLine>) =>
  line!.interestSegments.map((s) => ({ from: s.from, to: s.to, days: s.days, base: s.base.toFixed(2), amount: s.amount.toFixed(3) }));

describe('settlement engine, one loan and one period (SPEC §6.1–§6.3)', () => {
  describe('the worked examples of SPEC §6.2–§6.3', () => {
    it('when 50,000.00 at 4.75 % has full subsidy for 2026Q3, then 92 days earn 606.944 → 606.94', () => {
      const line = computeSubsidyLine(facts(), Q3)!;
      expect(segmentsOf(line)).to.deep.equal([{ from: '2026-06-21', to: '2026-09-20', days: 92, base: '50000.00', amount: '606.944' }]);
      expect(line.interestSubsidy.toFixed(2)).to.equal('606.94');
      expect(line.totalAmount.toFixed(2)).to.equal('606.94');
      expect(line.reason).to.equal(null);
      expect(line.days).to.equal(92);
    });

    it('when the loan is disbursed on 2026-08-09, then the disbursement day is charged: 43 days, 283.681 → 283.68', () => {
      const line = computeSubsidyLine(facts({ disbursementDate: d('2026-08-09'), maturityDate: d('2027-08-09') }), Q3)!;
      expect(segmentsOf(line)).to.deep.equal([{ from: '2026-08-09', to: '2026-09-20', days: 43, base: '50000.00', amount: '283.681' }]);
      expect(line.interestSubsidy.toFixed(2)).to.equal('283.68');
      expect(line.openingBalance.toFixed(2)).to.equal('0.00');
      expect(line.closingBalance.toFixed(2)).to.equal('50000.00');
    });

    it('when 20,000.00 of 50,000.00 at 4.35 % is repaid on 2026-08-01, then 41 days on 50,000 and 51 on 30,000: 432.583 → 432.58', () => {
      const line = computeSubsidyLine(
        facts({ rateAnnual: money('0.0435'), referenceRateAnnual: money('0.0435'), principalRepaid: [{ date: d('2026-08-01'), amount: money('20000.00') }] }),
        Q3,
      )!;
      expect(segmentsOf(line)).to.deep.equal([
        { from: '2026-06-21', to: '2026-07-31', days: 41, base: '50000.00', amount: '247.708' },
        { from: '2026-08-01', to: '2026-09-20', days: 51, base: '30000.00', amount: '184.875' },
      ]);
      expect(line.interestSubsidy.toFixed(2)).to.equal('432.58');
      expect(line.closingBalance.toFixed(2)).to.equal('30000.00');
    });

    it('when an enterprise loan of 2,000,000.00 has 12 driven households × 100,000.00 at 2 %, then the base is 1,200,000.00: 6133.33', () => {
      const line = computeSubsidyLine(
        facts({
          borrowerKind: 'enterprise',
          principal: money('2000000.00'),
          rateAnnual: money('0.047'),
          subsidy: { rule: 'fixed_rate_on_linked_base', rateAnnual: '0.02', quotaPerHousehold: '100000.00' },
          drivenHouseholds: 12,
        }),
        Q3,
      )!;
      expect(segmentsOf(line)).to.deep.equal([{ from: '2026-06-21', to: '2026-09-20', days: 92, base: '1200000.00', amount: '6133.333' }]);
      expect(line.interestSubsidy.toFixed(2)).to.equal('6133.33');
      expect(line.interestRate!.toFixed(4)).to.equal('0.0200');
    });

    it('when an entrepreneurship loan of 200,000.00 is at 3.50 % with reference 3.00 % and spread 1.5 pp, then the rate is 2.00 %: 1022.22', () => {
      const line = computeSubsidyLine(
        facts({ principal: money('200000.00'), rateAnnual: money('0.035'), referenceRateAnnual: money('0.03'), subsidy: { rule: 'reference_minus_spread', spread: '0.015' } }),
        Q3,
      )!;
      expect(line.interestRate!.toString()).to.equal('0.02');
      expect(line.interestSubsidy.toFixed(2)).to.equal('1022.22');
    });

    it('when 50,000.00 is guaranteed at coverage 0.8 with a 1.5 % fee subsidy, then 40,000.00 × 1.5 % × 92 / 360 = 153.333 → 153.33', () => {
      const guarantee: GuaranteeRule = { required: true, coverageRatio: '0.8', feeRateCaps: [{ rateAnnual: '0.015' }], feeSubsidyRates: { household: '0.015', enterprise: '0.005' } };
      const line = computeSubsidyLine(facts({ subsidy: { rule: 'none' }, guarantee, hasGuarantor: true }), Q3)!;
      expect(line.interestRate).to.equal(null);
      expect(line.interestSubsidy.toFixed(2)).to.equal('0.00');
      expect(line.feeSegments.map((s) => [s.days, s.base.toString(), s.amount.toFixed(3)])).to.deep.equal([[92, '40000', '153.333']]);
      expect(line.guaranteeFeeSubsidy.toFixed(2)).to.equal('153.33');
      expect(line.totalAmount.toFixed(2)).to.equal('153.33');
    });
  });

  it('when several repayments (two on one day, one reversed) fall inside the period, then each change of balance starts a segment on its own day', () => {
    const line = computeSubsidyLine(
      facts({
        principal: money('100000.00'),
        rateAnnual: money('0.0435'),
        referenceRateAnnual: money('0.0435'),
        // 07-10: 10,000 repaid; 08-15: 20,000 and 5,000 repaid; 09-01: 3,000 repaid and reversed (nets to 0).
        principalRepaid: [
          { date: d('2026-07-10'), amount: money('10000.00') },
          { date: d('2026-08-15'), amount: money('25000.00') },
          { date: d('2026-09-01'), amount: money('0.00') },
        ],
      }),
      Q3,
    )!;
    expect(segmentsOf(line)).to.deep.equal([
      { from: '2026-06-21', to: '2026-07-09', days: 19, base: '100000.00', amount: '229.583' },
      { from: '2026-07-10', to: '2026-08-14', days: 36, base: '90000.00', amount: '391.500' },
      { from: '2026-08-15', to: '2026-09-20', days: 37, base: '65000.00', amount: '290.604' },
    ]);
    expect(line.interestSubsidy.toFixed(2)).to.equal('911.69');
  });

  describe('the day rule (SPEC §6.1) and which loans are lines', () => {
    it('when the loan is repaid on its maturity, the period\'s last day, then that day is not charged (91 days); when it continues, the 20th is charged', () => {
      const maturing = computeSubsidyLine(facts({ maturityDate: d('2026-09-20'), principalRepaid: [{ date: d('2026-09-20'), amount: money('50000.00') }] }), Q3)!;
      expect(maturing.days).to.equal(91);
      expect(segmentsOf(maturing)[0]!.to).to.equal('2026-09-19');
      expect(maturing.closingBalance.toFixed(2)).to.equal('0.00');
      expect(computeSubsidyLine(facts(), Q3)!.days).to.equal(92);
    });

    it('when the loan still owes on its maturity, the period\'s last day, then that day is charged (92 days) but not subsidised (91)', () => {
      const owing = computeSubsidyLine(facts({ maturityDate: d('2026-09-20') }), Q3)!;
      expect(owing.days).to.equal(92);
      expect(segmentsOf(owing)).to.deep.equal([{ from: '2026-06-21', to: '2026-09-19', days: 91, base: '50000.00', amount: '600.347' }]);
      expect(owing.closingBalance.toFixed(2)).to.equal('50000.00');
    });

    it('when the loan is disbursed after the period, or fully repaid before it, then it is not a line', () => {
      expect(computeSubsidyLine(facts({ disbursementDate: d('2026-09-21'), maturityDate: d('2027-09-21') }), Q3)).to.equal(null);
      expect(computeSubsidyLine(facts({ principalRepaid: [{ date: d('2026-06-10'), amount: money('50000.00') }] }), Q3)).to.equal(null);
    });

    it('when the whole principal is repaid on 2026-07-01, then 10 days are charged and the repayment day is not', () => {
      const line = computeSubsidyLine(facts({ principalRepaid: [{ date: d('2026-07-01'), amount: money('50000.00') }] }), Q3)!;
      expect(segmentsOf(line)).to.deep.equal([{ from: '2026-06-21', to: '2026-06-30', days: 10, base: '50000.00', amount: '65.972' }]);
    });
  });

  describe('the reasons for a zero (SPEC §6.2 "Eligibility")', () => {
    const zero = money('0.00');
    const instalments = [
      { dueDate: d('2026-03-20'), principalDue: zero, interestDue: money('125.00') },
      { dueDate: d('2026-06-20'), principalDue: zero, interestDue: money('600.00') },
      { dueDate: d('2026-09-20'), principalDue: zero, interestDue: money('606.94') },
    ];
    const interestOnly = (interest: Array<{ date: IsoDate; amount: Decimal }>) => ({ principal: [], interest });
    it('when the instalment due 2026-06-20 is unpaid, then 2026Q3 earns 0.00 with OVERDUE, and still shows its days and balances', () => {
      const line = computeSubsidyLine(facts({ instalments, interestPaid: [{ date: d('2026-03-20'), amount: money('125.00') }] }), Q3)!;
      expect(line).to.include({ reason: 'OVERDUE', days: 92 });
      expect(line.totalAmount.toFixed(2)).to.equal('0.00');
      expect(line.interestSegments).to.deep.equal([]);
      expect(line.closingBalance.toFixed(2)).to.equal('50000.00');
    });

    it('when the instalment due on the period\'s last day is paid a day late, then the period is OVERDUE; paid on the day, it is not', () => {
      const early = [{ date: d('2026-03-20'), amount: money('125.00') }, { date: d('2026-06-20'), amount: money('600.00') }];
      expect(isOverdueInPeriod(instalments, interestOnly([...early, { date: d('2026-09-20'), amount: money('606.94') }]), Q3)).to.equal(false);
      expect(isOverdueInPeriod(instalments, interestOnly([...early, { date: d('2026-09-20'), amount: money('606.93') }]), Q3)).to.equal(true);
    });

    it('when an instalment was paid late but before the period began, then that period is not OVERDUE (the earlier one was)', () => {
      const paid = [{ date: d('2026-04-10'), amount: money('725.00') }, { date: d('2026-09-20'), amount: money('606.94') }];
      expect(isOverdueInPeriod(instalments, interestOnly(paid), Q3)).to.equal(false);
      expect(isOverdueInPeriod(instalments, interestOnly(paid), parsePeriod('2026Q2'))).to.equal(true);
    });

    it('when interest is paid ahead, then it covers the next interest; principal paid ahead never covers interest', () => {
      expect(isOverdueInPeriod(instalments, interestOnly([{ date: d('2026-03-01'), amount: money('1331.94') }]), Q3)).to.equal(false);
      // 20,000.00 of principal repaid early and no interest: every interest instalment is unpaid (it once covered them).
      expect(isOverdueInPeriod(instalments, { principal: [{ date: d('2026-03-01'), amount: money('20000.00') }], interest: [] }, Q3)).to.equal(true);
      const withPrincipal = [...instalments, { dueDate: d('2026-09-20'), principalDue: money('1000.00'), interestDue: zero }];
      const interestPaid = [{ date: d('2026-03-20'), amount: money('1331.94') }];
      expect(isOverdueInPeriod(withPrincipal, { principal: [{ date: d('2026-05-01'), amount: money('1000.00') }], interest: interestPaid }, Q3)).to.equal(false);
      expect(isOverdueInPeriod(withPrincipal, { principal: [{ date: d('2026-05-01'), amount: money('999.99') }], interest: interestPaid }, Q3)).to.equal(true);
    });

    it('when the loan was extended inside the period, then EXTENDED; when the period starts on or after the original maturity, then AFTER_MATURITY', () => {
      expect(computeSubsidyLine(facts({ extendedInPeriod: true }), Q3)!.reason).to.equal('EXTENDED');
      expect(computeSubsidyLine(facts({ maturityDate: d('2026-06-21') }), Q3)!.reason).to.equal('AFTER_MATURITY');
    });

    it('when the loan matured before the period and still owes it all, then the line shows every day and both balances, with 0.00 and a reason', () => {
      const matured = { disbursementDate: d('2025-06-01'), maturityDate: d('2026-06-01') };
      const unpaid = [
        { dueDate: d('2026-03-20'), principalDue: money('0.00'), interestDue: money('600.00') },
        { dueDate: d('2026-06-01'), principalDue: money('50000.00'), interestDue: money('475.00') },
      ];
      const overdue = computeSubsidyLine(facts({ ...matured, instalments: unpaid, interestPaid: [{ date: d('2026-03-20'), amount: money('600.00') }] }), Q3)!;
      expect(overdue).to.include({ reason: 'OVERDUE', days: 92 });
      expect([overdue.openingBalance, overdue.closingBalance, overdue.totalAmount].map((m) => m.toFixed(2))).to.deep.equal(['50000.00', '50000.00', '0.00']);
      expect(overdue.interestSegments).to.deep.equal([]);
      const afterMaturity = computeSubsidyLine(facts(matured), Q3)!;
      expect(afterMaturity).to.include({ reason: 'AFTER_MATURITY', days: 92 });
      expect(afterMaturity.totalAmount.toFixed(2)).to.equal('0.00');
    });

    it('when the loan matured before the period and is repaid late inside it, then the days up to the repayment are charged and earn nothing', () => {
      const line = computeSubsidyLine(facts({ disbursementDate: d('2025-06-01'), maturityDate: d('2026-06-01'), principalRepaid: [{ date: d('2026-07-15'), amount: money('50000.00') }] }), Q3)!;
      expect(line).to.include({ reason: 'AFTER_MATURITY', days: 24 });
      expect([line.openingBalance, line.closingBalance, line.totalAmount].map((m) => m.toFixed(2))).to.deep.equal(['50000.00', '0.00', '0.00']);
    });

    it('when the original maturity falls inside the period of an extended loan, then only the days before it earn, and the line shows every day', () => {
      const line = computeSubsidyLine(facts({ maturityDate: d('2026-08-01') }), Q3)!;
      expect(line.reason).to.equal(null);
      expect(line.days).to.equal(92);
      expect(segmentsOf(line)).to.deep.equal([{ from: '2026-06-21', to: '2026-07-31', days: 41, base: '50000.00', amount: '270.486' }]);
    });
  });
});
