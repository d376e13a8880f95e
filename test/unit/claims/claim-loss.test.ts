import { expect } from 'chai';
import { Decimal, formatMoney, generateSchedule, parseIsoDate, type IsoDate, type ScheduleMethod } from '../../../src/core';
import { claimLoss, claimStillOwed } from '../../../src/modules/claims/claim-loss';

const d = (value: string): IsoDate => parseIsoDate(value);

function loanOf(method: ScheduleMethod, principal: string, rate: string, from: string, to: string) {
  const schedule = generateSchedule({ principal: new Decimal(principal), rateAnnual: new Decimal(rate), method, disbursementDate: d(from), maturityDate: d(to) });
  return {
    disbursementDate: d(from),
    method,
    rateAnnual: new Decimal(rate),
    principal: new Decimal(principal),
    schedule: schedule.map((row) => ({ dueDate: row.dueDate, interestDue: row.interestDue })),
  };
}

describe('claim loss: outstanding principal + contractual interest accrued and unpaid (SPEC §5)', () => {
  const quarterly = loanOf('interest_quarterly_principal_at_maturity', '50000.00', '0.0435', '2026-01-05', '2027-01-05');

  it('when nothing was paid, then the loss is the principal, the instalments due and the interest accrued since the last settlement date', () => {
    const loss = claimLoss({ ...quarterly, claimDate: d('2026-07-01'), repayments: [] });
    // Due: 2026-03-20 (75 days) 453.125 → 453.13; 2026-06-20 (92 days) 555.83. Accrued 2026-06-21…06-30: 10 days → 60.417 → 60.42.
    expect(formatMoney(loss.interestDue)).to.equal('1008.96');
    expect(formatMoney(loss.interestAccrued)).to.equal('60.42');
    expect(loss.accrual).to.deep.equal({ from: '2026-06-21', to: '2026-06-30', days: 10 });
    expect(formatMoney(loss.interestUnpaid)).to.equal('1069.38');
    expect(formatMoney(loss.loss)).to.equal('51069.38');
  });

  it('when interest and some principal were paid before the claim date, then they are deducted; later payments are not', () => {
    const loss = claimLoss({
      ...quarterly,
      claimDate: d('2026-07-01'),
      repayments: [
        { paidOn: d('2026-03-20'), principal: new Decimal('10000.00'), interest: new Decimal('453.13') },
        { paidOn: d('2026-07-02'), principal: new Decimal('1000.00'), interest: new Decimal('100.00') },
      ],
    });
    expect(formatMoney(loss.principalOutstanding)).to.equal('40000.00');
    // Accrued on 40,000.00 for 10 days: 48.333 → 48.33; due 1008.96 − paid 453.13 = 555.83.
    expect(formatMoney(loss.interestAccrued)).to.equal('48.33');
    expect(formatMoney(loss.loss)).to.equal('40604.16');
  });

  it('when the claim date is on a settlement date, then that instalment is due in full and nothing more accrues', () => {
    const loss = claimLoss({ ...quarterly, claimDate: d('2026-06-20'), repayments: [] });
    expect(formatMoney(loss.interestAccrued)).to.equal('0.00');
    expect(loss.accrual).to.equal(null);
    expect(formatMoney(loss.interestDue)).to.equal('1008.96');
  });

  it('when the claim comes after maturity, then all scheduled interest is claimed and nothing accrues after it (penalties are not claimed)', () => {
    const short = loanOf('interest_quarterly_principal_at_maturity', '1234.57', '0', '2026-01-05', '2026-02-05');
    const loss = claimLoss({ ...short, claimDate: d('2026-05-06'), repayments: [] });
    expect(formatMoney(loss.loss)).to.equal('1234.57');
  });

  it('when a monthly loan is claimed mid-month, then interest accrues from the last due date, which is itself charged', () => {
    const monthly = loanOf('equal_principal', '12000.00', '0.0360', '2026-01-15', '2027-01-15');
    const loss = claimLoss({ ...monthly, claimDate: d('2026-04-25'), repayments: [] });
    // Due 02-15, 03-15, 04-15: 36.00 + 33.00 + 30.00 = 99.00. Accrued 04-15…04-24 on 12,000.00: 10 days → 12.00.
    expect(formatMoney(loss.interestDue)).to.equal('99.00');
    expect(loss.accrual).to.deep.equal({ from: '2026-04-15', to: '2026-04-24', days: 10 });
    expect(formatMoney(loss.interestAccrued)).to.equal('12.00');
    expect(formatMoney(loss.loss)).to.equal('12111.00');
  });

  it('when more interest was paid than has accrued, then the unpaid interest is 0, never negative', () => {
    const loss = claimLoss({ ...quarterly, claimDate: d('2026-02-01'), repayments: [{ paidOn: d('2026-01-20'), principal: new Decimal('0'), interest: new Decimal('500.00') }] });
    expect(formatMoney(loss.interestUnpaid)).to.equal('0.00');
    expect(formatMoney(loss.loss)).to.equal('50000.00');
  });
});

describe('claim still owed: what the loan owes now of what a claim was filed for (SPEC §5)', () => {
  const quarterly = loanOf('interest_quarterly_principal_at_maturity', '50000.00', '0.0435', '2026-01-05', '2027-01-05');
  const claimDate = d('2026-07-01');
  const owedNow = (repayments: Array<{ paidOn: string; principal: string; interest: string }>) => {
    const owed = claimStillOwed({ ...quarterly, claimDate, repayments: repayments.map((r) => ({ paidOn: d(r.paidOn), principal: new Decimal(r.principal), interest: new Decimal(r.interest) })) });
    return [formatMoney(owed.principalOwed), formatMoney(owed.interestOwed)];
  };

  it('when nothing was repaid since, then the loan owes exactly the claimed principal and interest', () => {
    expect(owedNow([])).to.deep.equal(['50000.00', '1069.38']);
  });

  it('when principal and interest are repaid after the claim date, then both are taken off what is owed', () => {
    expect(owedNow([{ paidOn: '2026-11-01', principal: '20000.00', interest: '69.38' }])).to.deep.equal(['30000.00', '1000.00']);
  });

  it('when more interest is paid after the claim date than was claimed, then the claimed interest owed is 0, never negative', () => {
    expect(owedNow([{ paidOn: '2026-11-01', principal: '0', interest: '1500.00' }])).to.deep.equal(['50000.00', '0.00']);
  });

  it('when a repayment dated before the claim date is recorded later, then it counts too (the claim-date loss is recomputed)', () => {
    // 10,000.00 repaid 2026-06-25 cuts the accrual: 453.13 + 555.83 + 4 days on 50,000 (24.17) + 6 days on 40,000 (29.00).
    expect(owedNow([{ paidOn: '2026-06-25', principal: '10000.00', interest: '0' }])).to.deep.equal(['40000.00', '1062.13']);
  });

  it('when a repayment after the claim date is reversed, then it no longer counts', () => {
    expect(owedNow([
      { paidOn: '2026-11-01', principal: '20000.00', interest: '0' },
      { paidOn: '2026-11-01', principal: '-20000.00', interest: '0' },
    ])).to.deep.equal(['50000.00', '1069.38']);
  });
});
