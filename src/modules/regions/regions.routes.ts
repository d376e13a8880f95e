import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { pageSchema, paginationKeys, regionCode } from '../../shared/http/schemas';
import { REGION_LEVELS } from './region.entity';
import type { RegionsService } from './regions.service';

const regionSchema = Joi.object({
  code: Joi.string(),
  name: Joi.string(),
  level: Joi.string().valid(...REGION_LEVELS),
  parentCode: Joi.string().allow(null),
  path: Joi.string(),
}).label('Region');

export function registerRegionRoutes(api: ApiRegistry, regions: RegionsService): void {
  api.add({
    method: 'get',
    path: '/regions',
    tag: 'admin',
    summary: 'List regions',
    access: 'any',
    query: Joi.object({
      ...paginationKeys,
      parentCode: regionCode(),
      level: Joi.string().valid(...REGION_LEVELS),
      under: regionCode().description('only regions inside this one (itself included)'),
    }),
    response: pageSchema(regionSchema),
    handle: ({ query }) => regions.list(query as never),
  });
  api.add({
    method: 'get',
    path: '/regions/:code',
    tag: 'admin',
    summary: 'Get a region',
    access: 'any',
    params: Joi.object({ code: regionCode().required() }),
    response: regionSchema,
    handle: ({ params }) => regions.get(params.code),
  });
  api.add({
    method: 'post',
    path: '/regions',
    tag: 'admin',
    summary: 'Create a region',
    access: ['admin'],
    body: Joi.object({
      code: regionCode().required(),
      name: Joi.string().trim().min(1).max(100).required(),
      level: Joi.string().valid(...REGION_LEVELS).required(),
      parentCode: regionCode(),
    }),
    status: 201,
    response: regionSchema,
    handle: ({ body }, context) => regions.create(context, body),
  });
}
