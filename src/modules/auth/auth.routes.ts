import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import type { AuthService } from './auth.service';

const authUserSchema = Joi.object({
  id: Joi.string().guid(),
  username: Joi.string(),
  displayName: Joi.string(),
  role: Joi.string(),
  regionCode: Joi.string(),
  regionPath: Joi.string(),
  regionLevel: Joi.string(),
  institutionId: Joi.string().allow(null),
  bankId: Joi.string().allow(null),
  enterpriseId: Joi.string().allow(null),
}).label('CurrentUser');

export function registerAuthRoutes(api: ApiRegistry, auth: AuthService): void {
  api.add({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Log in',
    access: 'public',
    body: Joi.object({ username: Joi.string().max(64).required(), password: Joi.string().max(200).required() }),
    response: Joi.object({ token: Joi.string(), expiresAt: Joi.string().isoDate(), user: authUserSchema }).label('LoginResult'),
    handle: ({ body }, context) => auth.login(body.username.toLowerCase(), body.password, context.ip),
  });
  api.add({
    method: 'get',
    path: '/me',
    tag: 'auth',
    summary: 'Get the current user',
    access: 'any',
    response: authUserSchema,
    handle: async (_input, context) => context.user,
  });
}
