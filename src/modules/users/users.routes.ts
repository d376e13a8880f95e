import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, pageSchema, paginationKeys, regionCode, uuid } from '../../shared/http/schemas';
import { PASSWORD_MIN_LENGTH } from './password';
import { ROLES } from './user.entity';
import type { UsersService } from './users.service';

export const userSchema = Joi.object({
  id: Joi.string().guid(),
  username: Joi.string(),
  displayName: Joi.string(),
  role: Joi.string().valid(...ROLES),
  regionCode: Joi.string(),
  institutionId: Joi.string().guid().allow(null),
  enterpriseId: Joi.string().guid().allow(null),
  active: Joi.boolean(),
}).label('User');

const password = () => Joi.string().min(PASSWORD_MIN_LENGTH).max(200);

export function registerUserRoutes(api: ApiRegistry, users: UsersService): void {
  api.add({
    method: 'get',
    path: '/users',
    tag: 'admin',
    summary: 'List users',
    access: ['admin'],
    query: Joi.object({ ...paginationKeys, role: Joi.string().valid(...ROLES), regionCode: regionCode(), institutionId: uuid() }),
    response: pageSchema(userSchema),
    handle: ({ query }) => users.list(query as never),
  });
  api.add({
    method: 'get',
    path: '/users/:id',
    tag: 'admin',
    summary: 'Get a user',
    access: ['admin'],
    params: idParams,
    response: userSchema,
    handle: ({ params }) => users.get(params.id),
  });
  api.add({
    method: 'post',
    path: '/users',
    tag: 'admin',
    summary: 'Create a user',
    access: ['admin'],
    body: Joi.object({
      username: Joi.string().lowercase().pattern(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'user name').required(),
      displayName: Joi.string().trim().min(1).max(100).required(),
      password: password().required(),
      role: Joi.string().valid(...ROLES).required(),
      regionCode: regionCode().required(),
      institutionId: uuid(),
      enterpriseId: uuid(),
    }),
    status: 201,
    response: userSchema,
    handle: ({ body }, context) => users.create(context, body),
  });
  api.add({
    method: 'patch',
    path: '/users/:id',
    tag: 'admin',
    summary: 'Update a user',
    access: ['admin'],
    params: idParams,
    body: Joi.object({ displayName: Joi.string().trim().min(1).max(100), password: password(), active: Joi.boolean() }).min(1),
    response: userSchema,
    handle: ({ params, body }, context) => users.update(context, params.id, body),
  });
}
