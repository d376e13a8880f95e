import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, isoDate, money, NUMERIC_14_2_MAX, pageSchema, paginationKeys, regionCode, uuid } from '../../shared/http/schemas';
import { LINKAGE_TYPES } from './linkage.entity';
import type { LinkagesService } from './linkages.service';

export const linkageSchema = Joi.object({
  id: Joi.string().guid(),
  sourceKind: Joi.string().valid('enterprise', 'household'),
  sourceId: Joi.string().guid(),
  householdId: Joi.string().guid(),
  type: Joi.string().valid(...LINKAGE_TYPES),
  agreementNumber: Joi.string().allow(null),
  startDate: Joi.string(),
  endDate: Joi.string().allow(null),
  agreedAnnualBenefit: Joi.string(),
  endedOn: Joi.string().allow(null),
  endReason: Joi.string().allow(null),
  active: Joi.boolean(),
}).label('Linkage');

export const newLinkageKeys = {
  sourceKind: Joi.string().valid('enterprise', 'household').required(),
  sourceId: uuid().required().description('an active enterprise, or a demonstration household in your region (county staff)'),
  householdId: uuid().required(),
  type: Joi.string().valid(...LINKAGE_TYPES).required(),
  agreementNumber: Joi.string().trim().max(64),
  startDate: isoDate().required(),
  endDate: isoDate(),
  agreedAnnualBenefit: money(NUMERIC_14_2_MAX).required(),
};

const WRITERS = ['poverty_office', 'admin'] as const;

export function registerLinkageRoutes(api: ApiRegistry, linkages: LinkagesService): void {
  api.add({
    method: 'get',
    path: '/linkages',
    tag: 'register',
    summary: 'List linkages',
    access: ['poverty_office', 'admin', 'auditor', 'finance_officer', 'enterprise'],
    query: Joi.object({
      ...paginationKeys,
      householdId: uuid(),
      sourceId: uuid(),
      type: Joi.string().valid(...LINKAGE_TYPES),
      villageCode: regionCode(),
      active: Joi.boolean().description('active today (true) or ended / not yet started / past their end (false)'),
    }),
    response: pageSchema(linkageSchema),
    handle: ({ query }, context) => linkages.list(context, query as never),
  });
  api.add({
    method: 'get',
    path: '/linkages/:id',
    tag: 'register',
    summary: 'Get a linkage',
    access: ['poverty_office', 'admin', 'auditor', 'finance_officer', 'enterprise'],
    params: idParams,
    response: linkageSchema,
    handle: ({ params }, context) => linkages.get(context, params.id),
  });
  api.add({
    method: 'post',
    path: '/linkages',
    tag: 'register',
    summary: 'Create a linkage',
    access: WRITERS,
    body: Joi.object(newLinkageKeys),
    status: 201,
    response: linkageSchema,
    handle: ({ body }, context) => linkages.create(context, body),
  });
  api.add({
    method: 'patch',
    path: '/linkages/:id',
    tag: 'register',
    summary: 'Correct a linkage',
    description:
      'Corrects what was recorded wrongly: agreement number, agreed annual benefit, start and agreed end dates and, once ended, ' +
      'the day it ended and why. Source, household and type cannot change (end the linkage and create another). ' +
      'The corrected days must keep one active linkage per source, household and type (409) and cover every benefit reported under it (422).',
    access: WRITERS,
    params: idParams,
    body: Joi.object({
      agreementNumber: Joi.string().trim().max(64).allow(null),
      agreedAnnualBenefit: money(NUMERIC_14_2_MAX),
      startDate: isoDate(),
      endDate: isoDate().allow(null).description('null: no agreed end'),
      endedOn: isoDate().description('only for a linkage that has ended'),
      endReason: Joi.string().trim().max(200).allow(null).description('only for a linkage that has ended'),
    }).min(1),
    response: linkageSchema,
    handle: ({ params, body }, context) => linkages.update(context, params.id, body),
  });
  api.add({
    method: 'post',
    path: '/linkages/:id/end',
    tag: 'register',
    summary: 'End a linkage',
    access: WRITERS,
    params: idParams,
    body: Joi.object({ endedOn: isoDate().required(), reason: Joi.string().trim().max(200) }),
    response: linkageSchema,
    handle: ({ params, body }, context) => linkages.end(context, params.id, body),
  });
}
