import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idempotencyKeyHeader, idParams, isoDate, NUMERIC_16_2_MAX, positiveMoney, pageSchema, paginationKeys, regionCode, uuid } from '../../shared/http/schemas';
import type { Role } from '../users/user.entity';
import { FUND_MOVEMENT_KINDS } from './fund-movement.entity';
import type { FundsService } from './funds.service';

const decimalString = () => Joi.string().meta({ format: 'decimal' });

const fundSchema = Joi.object({
  id: Joi.string().guid(),
  countyCode: Joi.string(),
  bankId: Joi.string().guid(),
  modelCode: Joi.string(),
  multiple: decimalString(),
  balance: decimalString(),
  capacity: decimalString().description('balance × multiple'),
  outstandingPrincipal: decimalString().description('outstanding principal of the open loans under the fund'),
  capacityLeft: decimalString().description('capacity − outstanding principal'),
  createdAt: Joi.string().isoDate(),
  asOf: Joi.string().meta({ format: 'date' }).description('only with ?asOf='),
  balanceAsOf: decimalString().description('only with ?asOf=: the sum of the movements on or before that date'),
}).label('RiskFund');

const movementSchema = Joi.object({
  id: Joi.string(),
  fundId: Joi.string().guid(),
  kind: Joi.string().valid(...FUND_MOVEMENT_KINDS),
  amount: decimalString().description('signed: withdrawals and payouts are negative'),
  balanceAfter: decimalString(),
  occurredOn: Joi.string().meta({ format: 'date' }),
  reference: Joi.string().allow(null),
  claimId: Joi.string().guid().allow(null),
  createdBy: Joi.string().guid(),
  createdAt: Joi.string().isoDate(),
}).label('FundMovement');

/** SPEC §9: who reads funds; data scope narrows it (a bank's officers: their bank; county staff: their county). */
const READERS: readonly Role[] = ['finance_officer', 'auditor', 'admin', 'loan_officer'];

export function registerFundRoutes(api: ApiRegistry, funds: FundsService): void {
  api.add({
    method: 'post',
    path: '/funds',
    tag: 'funds',
    summary: 'Open a risk-compensation fund',
    access: ['finance_officer'],
    body: Joi.object({
      countyCode: regionCode().required(),
      bankId: uuid().required().description('a head-office bank'),
      modelCode: Joi.string().trim().max(40).required().description("a model whose version in force draws capacity from a risk fund"),
      multiple: Joi.string()
        .pattern(/^\d{1,2}(\.\d{1,2})?$/, 'multiple')
        .description("loans may reach balance × multiple; defaults to the model's multiple"),
    }),
    status: 201,
    response: fundSchema,
    handle: ({ body }, context) => funds.create(context, body),
  });
  api.add({
    method: 'get',
    path: '/funds',
    tag: 'funds',
    summary: 'List risk-compensation funds',
    access: READERS,
    query: Joi.object({ ...paginationKeys, countyCode: regionCode(), bankId: uuid(), modelCode: Joi.string().max(40) }),
    response: pageSchema(fundSchema),
    handle: ({ query }, context) => funds.list(context, query as never),
  });
  api.add({
    method: 'get',
    path: '/funds/:id',
    tag: 'funds',
    summary: 'Get a risk-compensation fund',
    access: READERS,
    params: idParams,
    query: Joi.object({ asOf: isoDate().description('also return the balance at the end of this date') }),
    response: fundSchema,
    handle: ({ params, query }, context) => funds.get(context, params.id, query.asOf),
  });
  api.add({
    method: 'get',
    path: '/funds/:id/movements',
    tag: 'funds',
    summary: "List a fund's movements",
    access: READERS,
    params: idParams,
    query: Joi.object({ ...paginationKeys }),
    response: pageSchema(movementSchema),
    handle: ({ params, query }, context) => funds.movements(context, params.id, query as never),
  });
  api.add({
    method: 'post',
    path: '/funds/:id/deposits',
    tag: 'funds',
    summary: 'Deposit into, top up or withdraw from a fund',
    access: ['finance_officer'],
    params: idParams,
    headers: idempotencyKeyHeader(true),
    body: Joi.object({
      kind: Joi.string().valid('deposit', 'top_up', 'withdrawal').required(),
      amount: positiveMoney(NUMERIC_16_2_MAX).required(),
      occurredOn: isoDate().required(),
      reference: Joi.string().trim().min(1).max(100),
    }),
    status: 201,
    response: movementSchema,
    handle: ({ params, headers, body }, context) => funds.deposit(context, params.id, headers['idempotency-key'], body),
  });
}
