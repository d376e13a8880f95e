import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, money, pageSchema, paginationKeys, regionCode, uuid } from '../../shared/http/schemas';
import { INSTITUTION_TYPES } from './institution.entity';
import type { InstitutionsService } from './institutions.service';

const institutionSchema = Joi.object({
  id: Joi.string().guid(),
  type: Joi.string().valid(...INSTITUTION_TYPES),
  name: Joi.string(),
  uscc: Joi.string(),
  parentId: Joi.string().guid().allow(null),
  regionCode: Joi.string(),
  netAssets: Joi.string().allow(null),
  leverageLimit: Joi.string().allow(null),
  singleClientLimitRatio: Joi.string().allow(null),
}).label('Institution');

const leverageLimit = () => Joi.string().valid('10', '15').description('10, or 15 for guarantors serving small business and agriculture');
const singleClientLimitRatio = () =>
  Joi.string().pattern(/^0\.\d{1,4}$|^1$/, 'ratio').description('share of net assets one client may hold, e.g. "0.10"');

export function registerInstitutionRoutes(api: ApiRegistry, institutions: InstitutionsService): void {
  api.add({
    method: 'get',
    path: '/institutions',
    tag: 'admin',
    summary: 'List institutions',
    access: 'any',
    query: Joi.object({ ...paginationKeys, type: Joi.string().valid(...INSTITUTION_TYPES), parentId: uuid(), regionCode: regionCode() }),
    response: pageSchema(institutionSchema),
    handle: ({ query }) => institutions.list(query as never),
  });
  api.add({
    method: 'get',
    path: '/institutions/:id',
    tag: 'admin',
    summary: 'Get an institution',
    access: 'any',
    params: idParams,
    response: institutionSchema,
    handle: ({ params }) => institutions.get(params.id),
  });
  api.add({
    method: 'post',
    path: '/institutions',
    tag: 'admin',
    summary: 'Create an institution',
    access: ['admin'],
    body: Joi.object({
      type: Joi.string().valid(...INSTITUTION_TYPES).required(),
      name: Joi.string().trim().min(1).max(200).required(),
      uscc: Joi.string().length(18).uppercase().required(),
      parentId: uuid(),
      regionCode: regionCode().required(),
      netAssets: money(),
      leverageLimit: leverageLimit(),
      singleClientLimitRatio: singleClientLimitRatio(),
    }),
    status: 201,
    response: institutionSchema,
    handle: ({ body }, context) => institutions.create(context, body),
  });
  api.add({
    method: 'patch',
    path: '/institutions/:id',
    tag: 'admin',
    summary: 'Update an institution',
    access: ['admin'],
    params: idParams,
    body: Joi.object({
      name: Joi.string().trim().min(1).max(200),
      regionCode: regionCode(),
      netAssets: money(),
      leverageLimit: leverageLimit(),
      singleClientLimitRatio: singleClientLimitRatio(),
    }).min(1),
    response: institutionSchema,
    handle: ({ params, body }, context) => institutions.update(context, params.id, body),
  });
}
