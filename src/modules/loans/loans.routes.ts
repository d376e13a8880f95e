import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, idempotencyKeyHeader, isoDate, money, NUMERIC_16_2_MAX, positiveMoney, pageSchema, paginationKeys, rate, regionCode, uuid } from '../../shared/http/schemas';
import { LOAN_STATUSES, REPAYMENT_METHODS } from './loan.entity';
import type { LoanRegistrationService } from './loan-registration.service';
import type { LoanServicingService } from './loan-servicing.service';
import type { LoansQueryService } from './loans-query.service';

export const loanSchema = Joi.object({
  id: Joi.string().guid(),
  bankId: Joi.string().guid(),
  branchId: Joi.string().guid(),
  contractNumber: Joi.string(),
  modelCode: Joi.string(),
  modelVersionId: Joi.string().guid(),
  borrowerKind: Joi.string().valid('household', 'enterprise'),
  householdId: Joi.string().guid().allow(null),
  enterpriseId: Joi.string().guid().allow(null),
  borrowerName: Joi.string().allow(null),
  borrowerIdentifier: Joi.string().allow(null).description('masked ID number or USCC'),
  principal: Joi.string(),
  outstandingPrincipal: Joi.string(),
  rateAnnual: Joi.string(),
  referenceRateAnnual: Joi.string(),
  contractDate: Joi.string(),
  disbursementDate: Joi.string().allow(null),
  maturityDate: Joi.string(),
  currentMaturityDate: Joi.string(),
  termMonths: Joi.number().integer(),
  repaymentMethod: Joi.string().valid(...REPAYMENT_METHODS),
  purpose: Joi.string(),
  agreementNumber: Joi.string().allow(null),
  drivenHouseholds: Joi.number().integer().allow(null),
  guarantorId: Joi.string().guid().allow(null),
  riskFundId: Joi.string().guid().allow(null),
  status: Joi.string().valid(...LOAN_STATUSES),
  daysPastDue: Joi.number().integer(),
  delinquencyAsOf: Joi.string().allow(null),
  closedOn: Joi.string().allow(null),
}).label('Loan');

const repaymentSchema = Joi.object({
  id: Joi.string().guid(),
  loanId: Joi.string().guid(),
  kind: Joi.string().valid('repayment', 'reversal'),
  paidOn: Joi.string(),
  principal: Joi.string(),
  interest: Joi.string(),
  penalty: Joi.string(),
  reversesId: Joi.string().guid().allow(null),
  note: Joi.string().allow(null),
  createdAt: Joi.string(),
}).label('Repayment');

const scheduleRowSchema = Joi.object({
  seq: Joi.number().integer(),
  dueDate: Joi.string(),
  principalDue: Joi.string(),
  interestDue: Joi.string(),
  totalDue: Joi.string(),
}).label('ScheduleRow');

/** The fields of a loan registration, shared with the ledger import. */
export const newLoanKeys = {
  branchId: uuid().description('defaults to the officer\'s own branch'),
  contractNumber: Joi.string().trim().min(1).max(64).pattern(/^[A-Za-z0-9()（）\-_/]+$/, 'contract number').required(),
  modelCode: Joi.string().max(40).required(),
  borrowerKind: Joi.string().valid('household', 'enterprise').required(),
  householdId: uuid().when('borrowerKind', { is: 'household', then: Joi.required(), otherwise: Joi.forbidden() }),
  enterpriseId: uuid().when('borrowerKind', { is: 'enterprise', then: Joi.required(), otherwise: Joi.forbidden() }),
  principal: positiveMoney(NUMERIC_16_2_MAX).required(),
  rateAnnual: rate().required(),
  contractDate: isoDate().required(),
  disbursementDate: isoDate(),
  maturityDate: isoDate().required(),
  repaymentMethod: Joi.string().valid(...REPAYMENT_METHODS),
  purpose: Joi.string().trim().min(1).max(200).required(),
  agreementNumber: Joi.string().trim().max(64),
  guarantorId: uuid(),
  guaranteeFeeRate: rate(),
};

const LOAN_READERS = ['loan_officer', 'finance_officer', 'auditor', 'admin', 'enterprise', 'poverty_office'] as const;

export function registerLoanRoutes(
  api: ApiRegistry,
  services: { registration: LoanRegistrationService; servicing: LoanServicingService; query: LoansQueryService },
): void {
  api.add({
    method: 'post',
    path: '/loans',
    tag: 'loans',
    summary: 'Register a loan',
    access: ['loan_officer'],
    headers: idempotencyKeyHeader(),
    body: Joi.object(newLoanKeys),
    status: 201,
    response: loanSchema,
    handle: async ({ body, headers }, context, res) => {
      const { status, body: loan } = await services.registration.register(context, body, headers['idempotency-key']);
      res.status(status).json(loan);
    },
  });
  api.add({
    method: 'get',
    path: '/loans',
    tag: 'loans',
    summary: 'List loans',
    access: LOAN_READERS,
    query: Joi.object({
      ...paginationKeys,
      bankId: uuid(),
      modelCode: Joi.string().max(40),
      status: Joi.string().valid(...LOAN_STATUSES),
      countyCode: regionCode(),
      householdId: uuid(),
      enterpriseId: uuid(),
      contractNumber: Joi.string().max(64),
    }),
    response: pageSchema(loanSchema),
    handle: ({ query }, context) => services.query.list(context, query as never),
  });
  api.add({
    method: 'get',
    path: '/loans/:id',
    tag: 'loans',
    summary: 'Get a loan with its schedule, repayments, history and balances',
    access: LOAN_READERS,
    params: idParams,
    query: Joi.object({ asOf: isoDate().description('balances as of this date (default today)') }),
    handle: ({ params, query }, context) => services.query.detailDocument(context, params.id, query.asOf),
  });
  api.add({
    method: 'get',
    path: '/loans/:id/statement.pdf',
    tag: 'loans',
    summary: 'Download a loan statement (schedule, repayments, balances) as PDF',
    access: LOAN_READERS,
    params: idParams,
    query: Joi.object({ asOf: isoDate().description('balances and repayments as of this date (default today)') }),
    produces: 'application/pdf',
    handle: ({ params, query }, context, res) => services.query.statementPdf(context, params.id, query.asOf, res),
  });
  api.add({
    method: 'get',
    path: '/loans/:id/schedule',
    tag: 'loans',
    summary: 'Get a loan repayment schedule',
    access: LOAN_READERS,
    params: idParams,
    response: Joi.array().items(scheduleRowSchema),
    handle: ({ params }, context) => services.query.schedule(context, params.id),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/disburse',
    tag: 'loans',
    summary: 'Record the disbursement of a loan',
    access: ['loan_officer'],
    params: idParams,
    body: Joi.object({ disbursementDate: isoDate().required() }),
    response: loanSchema,
    handle: ({ params, body }, context) => services.servicing.disburse(context, params.id, body.disbursementDate),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/repayments',
    tag: 'loans',
    summary: 'Record a repayment',
    description:
      'Never more principal than is outstanding nor more interest than the schedule still asks for once this repayment\'s principal re-plans it ' +
      '(INTEREST_PAID_AHEAD when interest already recorded exceeds that); a penalty only when something was past due ' +
      'on or before paidOn, and the loan\'s penalties together never above its principal (docs/calculations.md "Repayments", "Prepayments"). ' +
      'The loan is settled once no principal is outstanding and its schedule\'s interest is paid. A compensated loan takes none (409): ' +
      'money recovered from its borrower is a recovery of its claim.',
    access: ['loan_officer'],
    params: idParams,
    headers: idempotencyKeyHeader(),
    body: Joi.object({
      paidOn: isoDate().required(),
      principal: money(NUMERIC_16_2_MAX).default('0.00'),
      interest: money(NUMERIC_16_2_MAX).default('0.00'),
      penalty: money(NUMERIC_16_2_MAX).default('0.00'),
      note: Joi.string().trim().max(200),
    }),
    status: 201,
    response: repaymentSchema,
    handle: ({ params, body, headers }, context) => services.servicing.repay(context, params.id, body, headers['idempotency-key']),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/repayments/:repaymentId/reverse',
    tag: 'loans',
    summary: 'Reverse a repayment',
    access: ['loan_officer'],
    params: Joi.object({ id: uuid().required(), repaymentId: uuid().required() }),
    body: Joi.object({ reason: Joi.string().trim().min(1).max(200).required() }),
    status: 201,
    response: repaymentSchema,
    handle: ({ params, body }, context) => services.servicing.reverse(context, params.id, params.repaymentId, body.reason),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/extend',
    tag: 'loans',
    summary: 'Extend a loan',
    access: ['loan_officer'],
    params: idParams,
    body: Joi.object({ newMaturityDate: isoDate().required(), extendedOn: isoDate().required(), reason: Joi.string().trim().max(200) }),
    response: loanSchema,
    handle: ({ params, body }, context) => services.servicing.extend(context, params.id, body),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/cancel',
    tag: 'loans',
    summary: 'Cancel a registered loan that was never disbursed',
    description: 'Only a `registered` loan (409 otherwise); a loan waiting for its guarantee is cancelled by rejecting the application.',
    access: ['loan_officer'],
    params: idParams,
    body: Joi.object({ reason: Joi.string().trim().min(1).max(200).required() }),
    response: loanSchema,
    handle: ({ params, body }, context) => services.servicing.cancel(context, params.id, body),
  });
  api.add({
    method: 'post',
    path: '/loans/:id/write-off',
    tag: 'loans',
    summary: 'Write off a defaulted loan (核销)',
    description: 'Only a `defaulted` loan with no claim filed or approved (409 otherwise); dated between its default and today (422).',
    access: ['loan_officer'],
    params: idParams,
    body: Joi.object({ writtenOffOn: isoDate().required(), reason: Joi.string().trim().min(1).max(200).required() }),
    response: loanSchema,
    handle: ({ params, body }, context) => services.servicing.writeOff(context, params.id, body),
  });
  // POST /jobs/delinquency?date= (issue 4) is declared with the jobs (modules/jobs/jobs.routes.ts), so
  // that each run takes the job lock and is recorded.
}
