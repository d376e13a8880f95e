import { expect } from 'chai';

import { CoreInputError, Decimal, formatCapitalNumerals, parseMoney, parseSignedMoney } from '../../../src/core';

describe('core/capital-numerals (大写金额)', () => {
  const cases: Array<[string, string]> = [
    ['1022.22', '壹仟零贰拾贰元贰角贰分'],
    ['50000.00', '伍万元整'],
    ['0.05', '伍分'],
    ['100.50', '壹佰元伍角整'],
    ['10.00', '壹拾元整'],
    ['100010.00', '壹拾万零壹拾元整'],
    ['1000000.00', '壹佰万元整'],
    ['100000000.00', '壹亿元整'],
    ['0.00', '零元整'],
    ['1.01', '壹元零壹分'],
    ['10000.05', '壹万元零伍分'],
    ['20002.00', '贰万零贰元整'],
    ['1010101.10', '壹佰零壹万零壹佰零壹元壹角整'],
    ['0.50', '伍角整'],
    ['0.55', '伍角伍分'],
    ['1.00', '壹元整'],
    ['11.00', '壹拾壹元整'],
    ['10.05', '壹拾元零伍分'],
    ['1000.00', '壹仟元整'],
    ['1409.50', '壹仟肆佰零玖元伍角整'],
    ['6007.14', '陆仟零柒元壹角肆分'],
    // The optional 零 after yuan ending in zero, and when the 万 digit is zero but the 仟 digit is not,
    // is not written (《支付结算办法》 allows both forms).
    ['1680.32', '壹仟陆佰捌拾元叁角贰分'],
    ['107000.53', '壹拾万柒仟元伍角叁分'],
    ['10001000.00', '壹仟万壹仟元整'],
    ['100000001.00', '壹亿零壹元整'],
    ['100000100.00', '壹亿零壹佰元整'],
    ['101000000.00', '壹亿零壹佰万元整'],
    ['110000000.00', '壹亿壹仟万元整'],
    ['1000000000000.00', '壹万亿元整'],
    ['1000100000000.00', '壹万零壹亿元整'],
    ['606.94', '陆佰零陆元玖角肆分'],
    ['432.58', '肆佰叁拾贰元伍角捌分'],
    ['6133.33', '陆仟壹佰叁拾叁元叁角叁分'],
    ['153.33', '壹佰伍拾叁元叁角叁分'],
    ['999999999999999.99', '玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分'],
  ];
  for (const [amount, expected] of cases) {
    it(`when the amount is ${amount}, then it is written ${expected}`, () => {
      expect(formatCapitalNumerals(parseMoney(amount))).to.equal(expected);
    });
  }

  const negatives: Array<[string, string]> = [
    ['-1022.22', '负壹仟零贰拾贰元贰角贰分'],
    ['-0.05', '负伍分'],
    ['-100.50', '负壹佰元伍角整'],
  ];
  for (const [amount, expected] of negatives) {
    it(`when the amount is ${amount}, then it is written ${expected}`, () => {
      expect(formatCapitalNumerals(parseSignedMoney(amount))).to.equal(expected);
    });
  }

  it('when a computed zero carries a minus sign, then it is still 零元整', () => {
    expect(formatCapitalNumerals(new Decimal('-0'))).to.equal('零元整');
  });

  it('when the amount has a third decimal or 17 integer digits, then INVALID_MONEY is thrown', () => {
    expect(() => formatCapitalNumerals(new Decimal('1.001'))).to.throw(CoreInputError).with.property('code', 'INVALID_MONEY');
    expect(() => formatCapitalNumerals(new Decimal('1e16'))).to.throw(CoreInputError).with.property('code', 'INVALID_MONEY');
  });
});
