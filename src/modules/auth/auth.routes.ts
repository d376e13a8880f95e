import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { PASSWORD_MIN_LENGTH } from '../users/password';
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

const loginResult = Joi.object({ token: Joi.string(), expiresAt: Joi.string().isoDate(), user: authUserSchema }).label('LoginResult');

export function registerAuthRoutes(api: ApiRegistry, auth: AuthService): void {
  api.add({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Log in',
    access: 'public',
    body: Joi.object({ username: Joi.string().max(64).required(), password: Joi.string().max(200).required() }),
    response: loginResult,
    handle: ({ body }, context) => auth.login(body.username.toLowerCase(), body.password, context.ip),
  });
  api.add({
    method: 'post',
    path: '/auth/password',
    tag: 'auth',
    summary: 'Change your own password',
    description:
      'Needs the current password (tried under the login limit: 422 CURRENT_PASSWORD when wrong, 429 after too many). ' +
      "Ends the account's other sessions and answers a new token for this one.",
    access: 'any',
    body: Joi.object({
      currentPassword: Joi.string().max(200).required(),
      newPassword: Joi.string().min(PASSWORD_MIN_LENGTH).max(200).invalid(Joi.ref('currentPassword')).required()
        .messages({ 'any.invalid': '{{#label}} must differ from the current password' }),
    }),
    response: loginResult,
    handle: ({ body }, context) => auth.changeOwnPassword(context, body.currentPassword, body.newPassword),
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
