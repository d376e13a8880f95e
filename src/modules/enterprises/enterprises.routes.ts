import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, pageSchema, paginationKeys, regionCode } from '../../shared/http/schemas';
import { LINKAGE_TYPES } from '../linkages/linkage.entity';
import { ENTERPRISE_KINDS, ENTERPRISE_STATUSES } from './enterprise.entity';
import type { EnterprisesService } from './enterprises.service';

export const usccInput = () =>
  Joi.string().trim().uppercase().length(18).pattern(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'unified social credit code');

export const enterpriseSchema = Joi.object({
  id: Joi.string().guid(),
  name: Joi.string(),
  uscc: Joi.string(),
  kind: Joi.string().valid(...ENTERPRISE_KINDS),
  regionCode: Joi.string(),
  industry: Joi.string().allow(null),
  legalRepresentative: Joi.string().allow(null),
  status: Joi.string().valid(...ENTERPRISE_STATUSES),
}).label('Enterprise');

const supportedHouseholdSchema = Joi.object({
  householdId: Joi.string().guid(),
  householdNumber: Joi.string(),
  headName: Joi.string(),
  idNumberMasked: Joi.string(),
  villageCode: Joi.string(),
  villageName: Joi.string(),
  status: Joi.string(),
  linkageTypes: Joi.array().items(Joi.string().valid(...LINKAGE_TYPES)),
  activeLinkage: Joi.boolean(),
  benefitsThisYear: Joi.string(),
  benefitsTotal: Joi.string(),
}).label('SupportedHousehold');

export const newEnterpriseKeys = {
  name: Joi.string().trim().min(1).max(200).required(),
  uscc: usccInput().required(),
  kind: Joi.string().valid(...ENTERPRISE_KINDS).required(),
  regionCode: regionCode().required(),
  industry: Joi.string().trim().max(100),
  legalRepresentative: Joi.string().trim().max(50),
};

const WRITERS = ['poverty_office', 'admin'] as const;

export function registerEnterpriseRoutes(api: ApiRegistry, enterprises: EnterprisesService): void {
  api.add({
    method: 'get',
    path: '/enterprises',
    tag: 'register',
    summary: 'List enterprises',
    access: 'any',
    query: Joi.object({
      ...paginationKeys,
      kind: Joi.string().valid(...ENTERPRISE_KINDS),
      status: Joi.string().valid(...ENTERPRISE_STATUSES),
      under: regionCode(),
      name: Joi.string().trim().max(100),
      uscc: usccInput(),
    }),
    response: pageSchema(enterpriseSchema),
    handle: ({ query }, context) => enterprises.list(context, query as never),
  });
  api.add({
    method: 'get',
    path: '/enterprises/:id',
    tag: 'register',
    summary: 'Get an enterprise',
    access: 'any',
    params: idParams,
    response: enterpriseSchema,
    handle: ({ params }, context) => enterprises.get(context, params.id),
  });
  api.add({
    method: 'get',
    path: '/enterprises/:id/households',
    tag: 'register',
    summary: 'List the households an enterprise supports',
    description:
      'The enterprise sees all the households it supports. County staff open only an enterprise of their county and see only the households ' +
      'of their county among those it supports; households it supports in other counties are neither listed nor counted in total.',
    access: ['enterprise', 'poverty_office', 'admin', 'auditor', 'finance_officer'],
    params: idParams,
    query: Joi.object({ ...paginationKeys, villageCode: regionCode(), type: Joi.string().valid(...LINKAGE_TYPES) }),
    response: pageSchema(supportedHouseholdSchema),
    handle: ({ params, query }, context) => enterprises.supportedHouseholds(context, params.id, query as never),
  });
  api.add({
    method: 'post',
    path: '/enterprises',
    tag: 'register',
    summary: 'Register an enterprise',
    access: WRITERS,
    body: Joi.object(newEnterpriseKeys),
    status: 201,
    response: enterpriseSchema,
    handle: ({ body }, context) => enterprises.create(context, body),
  });
  api.add({
    method: 'patch',
    path: '/enterprises/:id',
    tag: 'register',
    summary: 'Update an enterprise',
    access: WRITERS,
    params: idParams,
    body: Joi.object({
      name: Joi.string().trim().min(1).max(200),
      kind: Joi.string().valid(...ENTERPRISE_KINDS),
      regionCode: regionCode(),
      industry: Joi.string().trim().max(100),
      legalRepresentative: Joi.string().trim().max(50),
      status: Joi.string().valid(...ENTERPRISE_STATUSES),
    }).min(1),
    response: enterpriseSchema,
    handle: ({ params, body }, context) => enterprises.update(context, params.id, body),
  });
}
