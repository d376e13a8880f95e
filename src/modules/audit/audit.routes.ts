import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { isoDate, pageSchema, paginationKeys, uuid } from '../../shared/http/schemas';
import type { AuditService } from './audit.service';

const auditEntrySchema = Joi.object({
  id: Joi.string(),
  occurredAt: Joi.string().isoDate(),
  actorUserId: Joi.string().allow(null),
  actorRole: Joi.string().allow(null),
  action: Joi.string(),
  entityType: Joi.string(),
  entityId: Joi.string(),
  before: Joi.object().unknown().allow(null),
  after: Joi.object().unknown().allow(null),
  requestId: Joi.string().allow(null),
}).label('AuditEntry');

export function registerAuditRoutes(api: ApiRegistry, audit: AuditService): void {
  api.add({
    method: 'get',
    path: '/audit',
    tag: 'admin',
    summary: 'List the audit log',
    access: ['admin', 'auditor'],
    query: Joi.object({
      ...paginationKeys,
      entityType: Joi.string().max(64),
      entityId: Joi.string().max(64),
      actorUserId: uuid(),
      from: isoDate(),
      to: isoDate(),
    }),
    response: pageSchema(auditEntrySchema),
    handle: ({ query }, context) => audit.list(context, query as never),
  });
  api.add({
    method: 'get',
    path: '/audit/:id',
    tag: 'admin',
    summary: 'Get an audit entry',
    access: ['admin', 'auditor'],
    params: Joi.object({ id: Joi.string().pattern(/^[1-9][0-9]{0,17}$/, 'entry number').required() }),
    response: auditEntrySchema,
    handle: ({ params }, context) => audit.get(context, params.id),
  });
}
