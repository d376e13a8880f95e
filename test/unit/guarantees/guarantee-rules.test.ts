import { expect } from 'chai';
import { Decimal, formatMoney } from '../../../src/core';
import { checkGuarantorLimits, guaranteedAmountOf, guaranteeStateOf, letterNumberFor } from '../../../src/modules/guarantees/guarantee.rules';

const limits = { netAssets: new Decimal('10000.00'), leverageLimit: new Decimal('10'), singleClientLimitRatio: new Decimal('0.10') };

describe('guarantee rules (SPEC §5)', () => {
  it('when the guaranteed amount has a third decimal, then it is rounded half-up to the fen (50,000.01 × 0.8 = 40,000.008 → 40,000.01)', () => {
    expect(formatMoney(guaranteedAmountOf(new Decimal('50000.01'), new Decimal('0.8')))).to.equal('40000.01');
    expect(formatMoney(guaranteedAmountOf(new Decimal('50000.00'), new Decimal('1')))).to.equal('50000.00');
  });

  it('when the outstanding amount reaches net assets × leverage exactly, then approval passes; one fen more fails with the limit', () => {
    const at = { ...limits, singleClientLimitRatio: new Decimal('1'), outstanding: new Decimal('99000.00'), clientOutstanding: new Decimal('0'), amount: new Decimal('1000.00') };
    expect(checkGuarantorLimits(at)).to.deep.equal([]);
    const over = checkGuarantorLimits({ ...at, amount: new Decimal('1000.01') });
    expect(over).to.have.length(1);
    expect(over[0]).to.include({ code: 'GUARANTOR_LEVERAGE_EXCEEDED', limit: '100000.00', actual: '100000.01' });
  });

  it("when one client's outstanding would pass 10 % of net assets, then approval fails with the single-client limit", () => {
    const failures = checkGuarantorLimits({ ...limits, outstanding: new Decimal('0'), clientOutstanding: new Decimal('500.00'), amount: new Decimal('500.01') });
    expect(failures.map((f) => [f.code, f.limit, f.actual])).to.deep.equal([['GUARANTOR_SINGLE_CLIENT_EXCEEDED', '1000.00', '1000.01']]);
  });

  it('when both limits are broken, then both failures are listed', () => {
    const failures = checkGuarantorLimits({ ...limits, outstanding: new Decimal('100000.00'), clientOutstanding: new Decimal('1000.00'), amount: new Decimal('0.01') });
    expect(failures.map((f) => f.code)).to.deep.equal(['GUARANTOR_LEVERAGE_EXCEEDED', 'GUARANTOR_SINGLE_CLIENT_EXCEEDED']);
  });

  it('when an approved guarantee’s loan is settled, then it is released; maturity alone (an overdue or defaulted loan) keeps it in force', () => {
    expect(guaranteeStateOf('approved', 'settled')).to.equal('released');
    expect(guaranteeStateOf('approved', 'overdue')).to.equal('approved');
    expect(guaranteeStateOf('approved', 'defaulted')).to.equal('approved');
    expect(guaranteeStateOf('approved', 'compensated')).to.equal('compensated');
    // A registered loan cancelled before disbursement no longer needs its approved guarantee.
    expect(guaranteeStateOf('approved', 'cancelled')).to.equal('released');
    expect(guaranteeStateOf('approved', 'written_off')).to.equal('written_off');
    expect(guaranteeStateOf('pending', 'pending_guarantee')).to.equal('pending');
    expect(guaranteeStateOf('rejected', 'cancelled')).to.equal('rejected');
  });

  it('when a letter number is made, then it carries the approval date and the id', () => {
    expect(letterNumberFor('0a1b2c3d-4e5f-4000-8000-000000000000', '2026-11-29')).to.equal('DBH20261129-0A1B2C3D');
  });
});
