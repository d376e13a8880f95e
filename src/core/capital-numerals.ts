// Chinese capital numerals (大写金额) for statement totals (SPEC §7).
//
// Conventions (as banks write cheques and vouchers, per the 《支付结算办法》 rules on 大写):
// - digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a four-digit section, sections 万 and 亿;
//   ten is 壹拾 (never a bare 拾), so 10.00 → 壹拾元整;
// - one 零 stands for any run of zeros between two non-zero digits, inside a section or across
//   sections: 1,022 → 壹仟零贰拾贰; 100,010 → 壹拾万零壹拾; 100,000,001 → 壹亿零壹;
//   no 零 is written for zeros at the end of the integer part (50,000 → 伍万);
// - 元 is always written when there are yuan; with no yuan the amount starts at 角 or 分
//   (0.05 → 伍分) and zero itself is 零元整;
// - 零 is written between 元 and 分 when 角 is zero (1.01 → 壹元零壹分); the optional 零 after yuan
//   ending in zeros is not written (10.50 → 壹拾元伍角整);
// - 整 follows 元 or 角 when there are no 分: 50,000.00 → 伍万元整, 100.50 → 壹佰元伍角整; never after 分;
// - a negative amount is prefixed with 负.
import { CoreInputError } from './errors';
import { Money, requireMoneyScale } from './money';

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const SECTION_UNITS = ['仟', '佰', '拾', ''] as const;
/** Yuan up to 9,999,999,999,999,999 (十六位, 仟万亿), more than `parseMoney` accepts. */
const MAX_YUAN_EXCLUSIVE = 10n ** 16n;
const TEN_THOUSAND = 10_000n;
const HUNDRED_MILLION = 100_000_000n;

/** 1–9999 in full, with a 零 for inner zeros: 1022 → 壹仟零贰拾贰, 10 → 壹拾. */
function sectionToCapitals(section: bigint): string {
  const digits = section.toString().padStart(4, '0');
  let text = '';
  let zeroPending = false;
  for (let position = 0; position < 4; position += 1) {
    const digit = Number(digits[position]);
    if (digit === 0) {
      zeroPending = text.length > 0;
      continue;
    }
    if (zeroPending) {
      text += DIGITS[0];
      zeroPending = false;
    }
    text += DIGITS[digit] + SECTION_UNITS[position];
  }
  return text;
}

/**
 * A positive whole number below 10^16. Split as high × unit + low with unit 亿 then 万; a 零 joins the
 * parts when the low part does not fill its width (it has leading zeros), as in 壹万零壹亿.
 */
function integerToCapitals(value: bigint): string {
  for (const [unit, name] of [
    [HUNDRED_MILLION, '亿'],
    [TEN_THOUSAND, '万'],
  ] as const) {
    if (value >= unit) {
      const high = value / unit;
      const low = value % unit;
      if (low === 0n) {
        return integerToCapitals(high) + name;
      }
      const joiner = low * 10n < unit ? DIGITS[0] : '';
      return integerToCapitals(high) + name + joiner + integerToCapitals(low);
    }
  }
  return sectionToCapitals(value);
}

/** The 大写 of an amount with at most two decimals: 1022.22 → 壹仟零贰拾贰元贰角贰分. */
export function formatCapitalNumerals(amount: Money): string {
  const value = requireMoneyScale(amount, 'amount');
  // Whole fen as an exact integer (Decimal#toFixed of an integer, no float); bigint keeps 18 digits exact.
  const totalFen = BigInt(value.abs().times(100).toFixed(0));
  const yuan = totalFen / 100n;
  if (yuan >= MAX_YUAN_EXCLUSIVE) {
    throw new CoreInputError('INVALID_MONEY', 'The amount is too large to write in capitals.', {
      amount: value.toString(),
    });
  }
  const jiao = Number((totalFen / 10n) % 10n);
  const fen = Number(totalFen % 10n);
  if (totalFen === 0n) {
    return '零元整';
  }

  let text = value.isNegative() ? '负' : '';
  if (yuan > 0n) {
    text += integerToCapitals(yuan) + '元';
  }
  if (jiao > 0) {
    text += DIGITS[jiao] + '角';
  } else if (yuan > 0n && fen > 0) {
    text += DIGITS[0];
  }
  text += fen > 0 ? DIGITS[fen] + '分' : '整';
  return text;
}
