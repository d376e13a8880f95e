import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idempotencyKeyHeader, idParams, isoDate, money, pageSchema, paginationKeys, uuid } from '../../shared/http/schemas';
import { ledgerEntrySchema } from '../guarantees/guarantees.routes';
import type { Role } from '../users/user.entity';
import { CLAIM_STATUSES } from './claim.entity';
import type { ClaimNoticeService } from './claim-notice.service';
import type { ClaimPaymentsService } from './claim-payments.service';
import type { ClaimsService } from './claims.service';

const decimal = () => Joi.string().meta({ format: 'decimal' });
const PARTIES = ['guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer'] as const;

const shareSchema = Joi.object({
  id: Joi.string().guid(),
  seq: Joi.number().integer(),
  party: Joi.string().valid(...PARTIES),
  ratio: decimal(),
  amount: decimal().description('SPEC §6.4 share of the loss; the shares sum to the loss exactly'),
  institutionId: Joi.string().guid().allow(null),
  fundId: Joi.string().guid().allow(null),
  paid: decimal(),
  unpaid: decimal(),
  recovered: decimal(),
}).label('ClaimShare');

export const claimSchema = Joi.object({
  id: Joi.string().guid(),
  claimNumber: Joi.string(),
  loanId: Joi.string().guid(),
  contractNumber: Joi.string(),
  bankId: Joi.string().guid(),
  modelCode: Joi.string(),
  borrowerName: Joi.string().allow(null),
  guaranteeId: Joi.string().guid().allow(null),
  claimDate: Joi.string(),
  principalOutstanding: decimal(),
  interestUnpaid: decimal().description('contractual interest accrued and unpaid up to the claim date'),
  lossAmount: decimal(),
  status: Joi.string().valid(...CLAIM_STATUSES),
  loanStatus: Joi.string(),
  filedBy: Joi.string().guid(),
  filedAt: Joi.string().isoDate(),
  decidedBy: Joi.string().guid().allow(null),
  decidedAt: Joi.string().isoDate().allow(null),
  decidedOn: Joi.string().allow(null),
  decisionReason: Joi.string().allow(null),
  paidOn: Joi.string().allow(null),
  totalPaid: decimal(),
  totalRecovered: decimal(),
  shares: Joi.array().items(shareSchema),
  entries: Joi.array().items(ledgerEntrySchema),
  calculation: Joi.object().unknown().description('only when filed: how the loss was computed'),
}).label('Claim');

/** SPEC §9: banks see their loans' claims, finance staff and auditors their region's. */
const READERS: readonly Role[] = ['loan_officer', 'finance_officer', 'auditor', 'admin'];

export interface ClaimServices {
  claims: ClaimsService;
  payments: ClaimPaymentsService;
  notices: ClaimNoticeService;
}

export function registerClaimRoutes(api: ApiRegistry, s: ClaimServices): void {
  const base = { tag: 'claims', params: idParams } as const;
  api.add({
    method: 'post',
    path: '/claims',
    tag: 'claims',
    summary: 'File a default claim on a defaulted loan',
    access: ['loan_officer'],
    body: Joi.object({ loanId: uuid().required(), claimDate: isoDate().required() }),
    status: 201,
    response: claimSchema,
    handle: ({ body }, context) => s.claims.file(context, body),
  });
  api.add({
    method: 'get',
    path: '/claims',
    tag: 'claims',
    summary: 'List default claims',
    access: READERS,
    query: Joi.object({ ...paginationKeys, status: Joi.string().valid(...CLAIM_STATUSES), loanId: uuid() }),
    response: pageSchema(claimSchema),
    handle: ({ query }, context) => s.claims.list(context, query as never),
  });
  api.add({ ...base, method: 'get', path: '/claims/:id', summary: 'Get a default claim with its shares', access: READERS, response: claimSchema, handle: ({ params }, context) => s.claims.get(context, params.id) });
  api.add({ ...base, method: 'post', path: '/claims/:id/approve', summary: 'Approve a default claim', access: ['finance_officer'], response: claimSchema, handle: ({ params }, context) => s.claims.approve(context, params.id) });
  api.add({
    ...base,
    method: 'post',
    path: '/claims/:id/reject',
    summary: 'Reject a filed default claim, or an approved one whose loan no longer owes it once what was paid is recovered',
    access: ['finance_officer'],
    body: Joi.object({ reason: Joi.string().trim().min(1).max(200).required() }),
    response: claimSchema,
    handle: ({ params, body }, context) => s.claims.reject(context, params.id, body.reason),
  });
  registerClaimMoneyRoutes(api, s);
}

/** Payments, recoveries and the split notice. */
function registerClaimMoneyRoutes(api: ApiRegistry, s: ClaimServices): void {
  const base = { tag: 'claims', params: idParams } as const;
  api.add({
    ...base,
    method: 'post',
    path: '/claims/:id/payments',
    summary: "Record a party's payment of its claim share",
    access: ['finance_officer'],
    headers: idempotencyKeyHeader(),
    body: Joi.object({
      party: Joi.string().valid(...PARTIES).required(),
      amount: money().description('defaults to what the party still owes'),
      paidOn: isoDate().required(),
      reference: Joi.string().trim().max(100),
    }),
    status: 201,
    response: claimSchema,
    handle: async ({ params, body, headers }, context, res) => {
      const { status, body: claim } = await s.payments.pay(context, params.id, body, headers['idempotency-key']);
      res.status(status).json(claim);
    },
  });
  api.add({
    ...base,
    method: 'post',
    path: '/claims/:id/recoveries',
    summary: 'Record a recovery and split it back among the parties (a paid claim, or an approved one its loan no longer owes)',
    // It moves the risk-compensation fund's money, which the finance bureau manages (SPEC §1): the bank reports, finance records.
    access: ['finance_officer'],
    headers: idempotencyKeyHeader(),
    body: Joi.object({ amount: money().required(), recoveredOn: isoDate().required(), reference: Joi.string().trim().max(100) }),
    status: 201,
    response: claimSchema,
    handle: async ({ params, body, headers }, context, res) => {
      const { status, body: claim } = await s.payments.recover(context, params.id, body, headers['idempotency-key']);
      res.status(status).json(claim);
    },
  });
  api.add({
    ...base,
    method: 'get',
    path: '/claims/:id/notice.pdf',
    summary: 'Download the claim split notice as a PDF',
    access: READERS,
    produces: 'application/pdf',
    handle: ({ params }, context, res) => s.notices.noticePdf(context, params.id, res),
  });
}
