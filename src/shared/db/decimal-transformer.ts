import type { ValueTransformer } from 'typeorm';
import { Decimal } from '../../core/money';

/**
 * numeric columns arrive from pg as strings; they become Decimal in entities and go back as
 * fixed-notation strings, so no amount ever passes through a JavaScript number.
 */
export const decimalTransformer: ValueTransformer = {
  to(value: Decimal | string | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    return value instanceof Decimal ? value.toFixed() : new Decimal(value).toFixed();
  },
  from(value: string | null): Decimal | null {
    return value === null ? null : new Decimal(value);
  },
};
