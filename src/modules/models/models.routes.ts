import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { isoDate, pageSchema, paginationKeys } from '../../shared/http/schemas';
import { modelParametersSchema } from './model-parameters.schema';
import type { ModelsService } from './models.service';

const modelKeys = {
  code: Joi.string(),
  number: Joi.number().integer(),
  nameZh: Joi.string(),
  nameEn: Joi.string(),
};

const modelVersionSchema = Joi.object({
  id: Joi.string().guid(),
  modelCode: Joi.string(),
  version: Joi.number().integer(),
  effectiveFrom: Joi.string(),
  parameters: modelParametersSchema,
  createdBy: Joi.string().guid().allow(null),
  createdAt: Joi.string(),
}).label('ModelVersion');

const modelInForceSchema = Joi.object({ ...modelKeys, version: modelVersionSchema.allow(null) }).label('FinancingModelInForce');
const modelWithVersionsSchema = Joi.object({ ...modelKeys, versions: Joi.array().items(modelVersionSchema) }).label('FinancingModel');

const codeParams = Joi.object({
  code: Joi.string().pattern(/^[a-z][a-z0-9_]{0,39}$/, 'model code').required().meta({ example: 'household_microcredit' }),
});

/** SPEC §11 models: `GET /models?date=` · `GET /models/:code` · `POST /models/:code/versions`. */
export function registerModelRoutes(api: ApiRegistry, models: ModelsService): void {
  api.add({
    method: 'get',
    path: '/models',
    tag: 'models',
    summary: 'List the financing models with the version in force',
    access: 'any',
    query: Joi.object({
      ...paginationKeys,
      date: isoDate().description('the version in force on this date; today in Asia/Shanghai when omitted'),
    }),
    response: pageSchema(modelInForceSchema),
    handle: ({ query }) => models.list(query as never),
  });
  api.add({
    method: 'get',
    path: '/models/:code',
    tag: 'models',
    summary: 'Get a financing model with all its versions',
    access: 'any',
    params: codeParams,
    response: modelWithVersionsSchema,
    handle: ({ params }) => models.get(params.code),
  });
  api.add({
    method: 'post',
    path: '/models/:code/versions',
    tag: 'models',
    summary: 'Add a parameter version to a financing model',
    access: ['finance_officer'],
    params: codeParams,
    body: Joi.object({
      effectiveFrom: isoDate().required().description('today or later, within a year, and after the latest version'),
      parameters: modelParametersSchema.required(),
    }),
    status: 201,
    response: modelVersionSchema,
    handle: ({ params, body }, context) => models.addVersion(context, params.code, body),
  });
}
