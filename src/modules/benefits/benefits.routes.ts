import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idempotencyKeyHeader, idParams, isoDate, NUMERIC_14_2_MAX, positiveMoney, pageSchema, paginationKeys, uuid } from '../../shared/http/schemas';
import { BENEFIT_KINDS, BENEFIT_STATUSES } from './benefit-record.entity';
import type { BenefitsService } from './benefits.service';

const benefitSchema = Joi.object({
  id: Joi.string().guid(),
  linkageId: Joi.string().guid(),
  householdId: Joi.string().guid(),
  enterpriseId: Joi.string().guid().allow(null),
  paidOn: Joi.string(),
  amount: Joi.string(),
  kind: Joi.string().valid(...BENEFIT_KINDS),
  note: Joi.string().allow(null),
  status: Joi.string().valid(...BENEFIT_STATUSES),
  reportedBy: Joi.string().guid(),
  decidedBy: Joi.string().guid().allow(null),
  rejectReason: Joi.string().allow(null),
}).label('BenefitRecord');

export function registerBenefitRoutes(api: ApiRegistry, benefits: BenefitsService): void {
  api.add({
    method: 'get',
    path: '/benefits',
    tag: 'register',
    summary: 'List benefit records',
    access: ['enterprise', 'poverty_office', 'admin', 'auditor', 'finance_officer'],
    query: Joi.object({
      ...paginationKeys,
      linkageId: uuid(),
      householdId: uuid(),
      status: Joi.string().valid(...BENEFIT_STATUSES),
      from: isoDate(),
      to: isoDate(),
    }),
    response: pageSchema(benefitSchema),
    handle: ({ query }, context) => benefits.list(context, query as never),
  });
  api.add({
    method: 'post',
    path: '/benefits',
    tag: 'register',
    summary: 'Report a benefit paid to a household',
    description: "An enterprise reports under its own linkages; the poverty office records benefits under demonstration households' linkages only (403 under an enterprise's).",
    access: ['enterprise', 'poverty_office'],
    headers: idempotencyKeyHeader(),
    body: Joi.object({
      linkageId: uuid().required(),
      paidOn: isoDate().required(),
      // Above zero, as benefit_records_amount_check requires.
      amount: positiveMoney(NUMERIC_14_2_MAX).required(),
      kind: Joi.string().valid(...BENEFIT_KINDS).required(),
      note: Joi.string().trim().max(200),
    }),
    status: 201,
    response: benefitSchema,
    handle: async ({ body, headers }, context, res) => {
      const { status, body: benefit } = await benefits.report(context, body, headers['idempotency-key']);
      res.status(status).json(benefit);
    },
  });
  api.add({
    method: 'post',
    path: '/benefits/:id/confirm',
    tag: 'register',
    summary: 'Confirm a reported benefit',
    description: 'By a poverty office user other than the one who reported it (403).',
    access: ['poverty_office'],
    params: idParams,
    response: benefitSchema,
    handle: ({ params }, context) => benefits.decide(context, params.id, { confirm: true }),
  });
  api.add({
    method: 'post',
    path: '/benefits/:id/reject',
    tag: 'register',
    summary: 'Reject a reported benefit',
    description: 'By a poverty office user other than the one who reported it (403).',
    access: ['poverty_office'],
    params: idParams,
    body: Joi.object({ reason: Joi.string().trim().min(1).max(200).required() }),
    response: benefitSchema,
    handle: ({ params, body }, context) => benefits.decide(context, params.id, { confirm: false, reason: body.reason }),
  });
}
