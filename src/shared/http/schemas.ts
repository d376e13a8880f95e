import Joi from 'joi';
import { CoreInputError } from '../../core/errors';
import { parseMoney, parseRate, type Decimal } from '../../core/money';
import { parseIsoDate } from '../../core/dates';

/**
 * Joi building blocks shared by every route, so that an amount, a rate or a date is validated the
 * same way everywhere and described the same way in the OpenAPI document.
 */
function viaCore<T>(parse: (input: string) => T, messageKey: string) {
  return (value: string, helpers: Joi.CustomHelpers) => {
    try {
      parse(value);
      return value;
    } catch (error) {
      if (error instanceof CoreInputError) return helpers.error(messageKey);
      throw error;
    }
  };
}

/**
 * The largest amount each money column holds (the migrations' numeric(precision, 2)). An amount
 * the field's column cannot hold is the caller's 400 naming the field, not PostgreSQL's overflow.
 */
export const NUMERIC_14_2_MAX = '999999999999.99';
export const NUMERIC_16_2_MAX = '99999999999999.99';

/**
 * An amount in yuan as a string with at most 2 decimals: "50000.00". Stays a string; services parse
 * it. `max` is the largest amount the field's column holds; without it, what parseMoney accepts.
 */
export const money = (max?: string) => {
  const limit = max === undefined ? undefined : parseMoney(max);
  return Joi.string()
    .custom((value: string, helpers) => {
      let amount: Decimal;
      try {
        amount = parseMoney(value);
      } catch (error) {
        if (error instanceof CoreInputError) return helpers.error('money.invalid');
        throw error;
      }
      return limit && amount.gt(limit) ? helpers.error('money.max', { max }) : value;
    })
    .messages({
      'money.invalid': '{{#label}} must be an amount like "50000.00": digits, at most 2 decimals, no sign or exponent',
      'money.max': '{{#label}} must be at most {{#max}}',
    })
    .meta({ format: 'decimal', example: '50000.00' });
};

/** The amount, or null when the text is not money (money() reports that). */
const moneyOrNull = (value: string): Decimal | null => {
  try {
    return parseMoney(value);
  } catch {
    return null;
  }
};

/** An amount above zero (a movement or a benefit of nothing is not one), at most `max`. */
export const positiveMoney = (max: string) =>
  money(max)
    // An amount that is not money at all was reported by money() already (every error is listed at once).
    .custom((value: string, helpers) => (moneyOrNull(value)?.gt(0) === false ? helpers.error('money.positive') : value))
    .messages({ 'money.positive': '{{#label}} must be above zero' });

/** An annual rate as a fraction string: "0.0475" is 4.75%. */
export const rate = () =>
  Joi.string()
    .custom(viaCore(parseRate, 'rate.invalid'))
    .messages({ 'rate.invalid': '{{#label}} must be an annual rate as a fraction like "0.0475", at most 8 decimals' })
    .meta({ format: 'decimal', example: '0.0475' });

/** A calendar date, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const isoDate = () =>
  Joi.string()
    .custom(viaCore(parseIsoDate, 'date.invalidCalendar'))
    .messages({ 'date.invalidCalendar': '{{#label}} must be a real date as YYYY-MM-DD' })
    .meta({ format: 'date', example: '2026-09-20' });

export const uuid = () => Joi.string().guid({ version: ['uuidv4', 'uuidv7', 'uuidv1'] }).meta({ format: 'uuid' });

export const regionCode = () =>
  Joi.string().pattern(/^\d{6}(\d{3}(\d{3})?)?$/, 'region code').meta({ example: '410225' });

export const idParams = Joi.object({ id: uuid().required() });

/** SPEC §9 and §11: lists take limit ≤ 200 and offset. */
export const MAX_PAGE_LIMIT = 200;
export const paginationKeys = {
  limit: Joi.number().integer().min(1).max(MAX_PAGE_LIMIT).default(50),
  offset: Joi.number().integer().min(0).max(10_000_000).default(0),
};

export interface Page {
  limit: number;
  offset: number;
}

export interface PageOf<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export function pageSchema(item: Joi.Schema): Joi.ObjectSchema {
  return Joi.object({
    items: Joi.array().items(item).required(),
    total: Joi.number().integer().required(),
    limit: Joi.number().integer().required(),
    offset: Joi.number().integer().required(),
  });
}

export const errorSchema = Joi.object({
  error: Joi.object({
    code: Joi.string().required(),
    message: Joi.string().required(),
    details: Joi.array().items(Joi.any()).required().description('what exactly is wrong: a list, empty when there is nothing to add'),
    requestId: Joi.string().required(),
  }).required(),
}).label('Error');

/** SPEC §5, §11: retries carry the same key and get the first answer. */
export const idempotencyKeyHeader = (required = true) => {
  const key = Joi.string()
    .trim()
    .min(8)
    .max(100)
    .pattern(/^[A-Za-z0-9._:-]+$/, 'idempotency key')
    .description('a new key for each new request; a retry with the same key and body gets the first answer and writes nothing, the same key with another body is refused (422)');
  return Joi.object({ 'idempotency-key': required ? key.required() : key });
};
