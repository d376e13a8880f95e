import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { isoDate, pageSchema, paginationKeys, rate } from '../../shared/http/schemas';
import { RATE_TENORS } from './reference-rate.entity';
import type { ReferenceRatesService } from './reference-rates.service';

const referenceRateSchema = Joi.object({
  id: Joi.string().guid(),
  effectiveDate: Joi.string(),
  tenor: Joi.string().valid(...RATE_TENORS),
  rateAnnual: Joi.string(),
}).label('ReferenceRate');

export function registerReferenceRateRoutes(api: ApiRegistry, rates: ReferenceRatesService): void {
  api.add({
    method: 'get',
    path: '/reference-rates',
    tag: 'admin',
    summary: 'List reference rates',
    access: 'any',
    query: Joi.object({
      ...paginationKeys,
      tenor: Joi.string().valid(...RATE_TENORS),
      date: isoDate().description('only the rate in force for each tenor on this date'),
    }),
    response: pageSchema(referenceRateSchema),
    handle: ({ query }) => rates.list(query as never),
  });
  api.add({
    method: 'post',
    path: '/reference-rates',
    tag: 'admin',
    summary: 'Add a reference rate',
    description: 'The rates hold for the whole city: only a finance officer of the city adds one; a county finance officer gets 403.',
    access: ['finance_officer'],
    body: Joi.object({
      effectiveDate: isoDate().required().description('any past day (history is filled in), or up to a year ahead'),
      tenor: Joi.string().valid(...RATE_TENORS).required(),
      rateAnnual: rate().required(),
    }),
    status: 201,
    response: referenceRateSchema,
    handle: ({ body }, context) => rates.add(context, body),
  });
}
