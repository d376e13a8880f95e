import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { DomainError } from '../../shared/http/errors';
import { idParams, isoDate, pageSchema, paginationKeys, uuid } from '../../shared/http/schemas';
import { BATCH_STATUSES } from './settlement-batch.entity';
import type { SettlementsQueryService } from './settlements-query.service';
import type { SettlementsService } from './settlements.service';
import type { StatementsService } from './statements.service';

/** `2026Q3`: the year and quarter of the period's last day (SPEC §11). 2026Q5 and 2026-09 are refused. */
export const settlementPeriod = () =>
  Joi.string()
    .pattern(/^\d{4}Q[1-4]$/)
    .messages({ 'string.pattern.base': '{{#label}} must be a settlement period like 2026Q3 (year and quarter of its last day)' })
    .meta({ example: '2026Q3' });

const sha256 = () => Joi.string().pattern(/^[0-9a-f]{64}$/).messages({ 'string.pattern.base': '{{#label}} must be 64 lower-case hexadecimal characters' });
const moneyString = Joi.string().meta({ format: 'decimal', example: '606.94' });

const subtotalSchema = Joi.object({
  modelCode: Joi.string(),
  modelName: Joi.string(),
  lineCount: Joi.number().integer(),
  interestSubsidy: moneyString,
  guaranteeFeeSubsidy: moneyString,
  totalAmount: moneyString,
}).label('ModelSubtotal');

export const batchSchema = Joi.object({
  id: Joi.string().guid(),
  batchNumber: Joi.string(),
  bankId: Joi.string().guid(),
  bankName: Joi.string().allow(null),
  period: Joi.string(),
  periodStart: Joi.string(),
  periodEnd: Joi.string(),
  status: Joi.string().valid(...BATCH_STATUSES),
  revision: Joi.number().integer(),
  lineCount: Joi.number().integer(),
  loansCounted: Joi.number().integer(),
  loansSubsidised: Joi.number().integer(),
  adjustmentCount: Joi.number().integer(),
  openingBalanceTotal: moneyString,
  closingBalanceTotal: moneyString,
  interestSubsidyTotal: moneyString,
  guaranteeFeeSubsidyTotal: moneyString,
  totalAmount: moneyString.description('the amount requested: the sum of the lines'),
  contentSha256: Joi.string().allow(null).description('SHA-256 of the canonical content, printed on the statement'),
  computedAt: Joi.string(),
  computedBy: Joi.string().guid().allow(null),
  submittedAt: Joi.string().allow(null),
  submittedBy: Joi.string().guid().allow(null),
  approvedAt: Joi.string().allow(null),
  approvedBy: Joi.string().guid().allow(null),
  rejectedAt: Joi.string().allow(null),
  rejectedBy: Joi.string().guid().allow(null),
  rejectionReason: Joi.string().allow(null),
  paidOn: Joi.string().allow(null),
  paymentReference: Joi.string().allow(null),
  subtotals: Joi.array().items(subtotalSchema),
}).label('SettlementBatch');

const segmentSchema = Joi.object({
  kind: Joi.string().valid('interest', 'guarantee_fee'),
  from: Joi.string(),
  to: Joi.string(),
  days: Joi.number().integer(),
  base: moneyString,
  rate: Joi.string(),
  amount: Joi.string().description('rounded half-up to 0.001'),
}).label('SubsidySegment');

const lineSchema = Joi.object({
  id: Joi.string(),
  lineNo: Joi.number().integer(),
  kind: Joi.string().valid('regular', 'adjustment'),
  loanId: Joi.string().guid(),
  contractNumber: Joi.string(),
  borrowerKind: Joi.string(),
  borrowerName: Joi.string(),
  borrowerIdentifier: Joi.string().description('masked ID number or USCC'),
  modelCode: Joi.string(),
  principal: moneyString,
  openingBalance: moneyString.allow(null),
  closingBalance: moneyString.allow(null),
  days: Joi.number().integer(),
  interestRate: Joi.string().allow(null),
  interestSubsidy: moneyString,
  feeSubsidyRate: Joi.string().allow(null),
  guaranteeFeeSubsidy: moneyString,
  totalAmount: moneyString,
  reason: Joi.string().valid('OVERDUE', 'EXTENDED', 'AFTER_MATURITY').allow(null),
  segments: Joi.array().items(segmentSchema),
  adjustsPeriod: Joi.string().allow(null),
  adjustsLineId: Joi.string().allow(null),
}).label('SettlementLine');

const subsidySchema = Joi.object({
  loanId: Joi.string().guid(),
  period: Joi.string(),
  periodStart: Joi.string(),
  periodEnd: Joi.string(),
  days: Joi.number().integer(),
  openingBalance: moneyString,
  closingBalance: moneyString,
  interestRate: Joi.string().allow(null),
  segments: Joi.array().items(segmentSchema),
  interestSubsidy: moneyString,
  feeSubsidyRate: Joi.string().allow(null),
  guaranteeFeeSegments: Joi.array().items(segmentSchema),
  guaranteeFeeSubsidy: moneyString,
  totalAmount: moneyString,
  reason: Joi.string().allow(null),
}).label('LoanSubsidy');

const reminderSchema = Joi.object({
  id: Joi.string(),
  batchId: Joi.string(),
  batchNumber: Joi.string(),
  batchStatus: Joi.string().description('the batch as it is now; a reminder of a batch since submitted is history'),
  bankId: Joi.string(),
  bankName: Joi.string().allow(null),
  period: Joi.string(),
  businessDate: Joi.string(),
  dueOn: Joi.string().description('the last day to submit: the 3rd working day after the period'),
  workingDaysSincePeriodEnd: Joi.number().integer(),
  createdAt: Joi.string(),
}).label('SubmissionReminder');

const verifySchema = Joi.object({
  sha256: Joi.string(),
  matches: Joi.boolean(),
  storedSha256: Joi.string(),
  recomputedSha256: Joi.string(),
  batch: Joi.object(),
}).label('StatementVerification');

const verifyBody = Joi.object({ sha256: sha256().required() });

const READERS = ['loan_officer', 'finance_officer', 'auditor', 'admin'] as const;
const LOAN_READERS = ['loan_officer', 'finance_officer', 'auditor', 'admin', 'enterprise', 'poverty_office'] as const;
const MAX_STATEMENT_PDF_BYTES = 64 * 1024 * 1024;

type Services = { workflow: SettlementsService; query: SettlementsQueryService; statements: StatementsService };
const tag = 'settlement';

export function registerSettlementRoutes(api: ApiRegistry, services: Services): void {
  registerBatchRoutes(api, services);
  registerDocumentRoutes(api, services);
}

/** The batches and their workflow (SPEC §7, §11). */
function registerBatchRoutes(api: ApiRegistry, { workflow, query }: Services): void {
  api.add({
    method: 'post', path: '/settlements', tag, summary: 'Create or recompute the draft settlement batch of a bank for a period',
    description: 'The period must have ended (422 PERIOD_ENDED); a new batch that would hold no line is not made (422 SOMETHING_TO_SETTLE).',
    access: ['loan_officer', 'finance_officer'],
    body: Joi.object({ bankId: uuid().required(), period: settlementPeriod().required() }),
    status: 201, response: batchSchema,
    handle: async ({ body }, context, res) => {
      const { created, batch } = await workflow.compute(context, body);
      res.status(created ? 201 : 200).json(batch);
    },
  });
  api.add({
    method: 'get', path: '/settlements', tag, summary: 'List settlement batches', access: READERS,
    query: Joi.object({ ...paginationKeys, bankId: uuid(), period: settlementPeriod(), status: Joi.string().valid(...BATCH_STATUSES) }),
    response: pageSchema(batchSchema),
    handle: ({ query: filter }, context) => query.list(context, filter as never),
  });
  // Before /settlements/:id, which would otherwise take "reminders" for an id.
  api.add({
    method: 'get', path: '/settlements/reminders', tag, summary: 'List the reminders of batches not submitted within 3 working days', access: READERS,
    query: Joi.object({
      ...paginationKeys,
      bankId: uuid(),
      period: settlementPeriod(),
      date: isoDate().description('reminders of this business date only'),
    }),
    response: pageSchema(reminderSchema),
    handle: ({ query: filter }, context) => query.reminders(context, filter as never),
  });
  api.add({
    method: 'get', path: '/settlements/:id', tag, summary: 'Get a settlement batch with its subtotals by model', access: READERS,
    params: idParams, response: batchSchema,
    handle: ({ params }, context) => query.get(context, params.id),
  });
  api.add({
    method: 'get', path: '/settlements/:id/lines', tag, summary: 'List the lines of a settlement batch', access: READERS,
    params: idParams, query: Joi.object(paginationKeys), response: pageSchema(lineSchema),
    handle: ({ params, query: page }, context) => query.lines(context, params.id, page as never),
  });
  api.add({
    method: 'post', path: '/settlements/:id/submit', tag, summary: 'Submit a draft settlement batch', access: ['loan_officer'],
    params: idParams, body: Joi.object({ sha256: sha256().description('the content hash of the statement reviewed; refused if the draft changed since') }),
    response: batchSchema,
    handle: ({ params, body }, context) => workflow.submit(context, params.id, body ?? {}),
  });
  api.add({
    method: 'post', path: '/settlements/:id/approve', tag, summary: 'Approve a submitted settlement batch', access: ['finance_officer'],
    params: idParams, response: batchSchema,
    handle: ({ params }, context) => workflow.approve(context, params.id),
  });
  api.add({
    method: 'post', path: '/settlements/:id/reject', tag, summary: 'Reject a submitted settlement batch back to draft', access: ['finance_officer'],
    params: idParams, body: Joi.object({ reason: Joi.string().trim().min(1).max(500).required() }), response: batchSchema,
    handle: ({ params, body }, context) => workflow.reject(context, params.id, body.reason),
  });
  api.add({
    method: 'post', path: '/settlements/:id/pay', tag, summary: 'Mark an approved settlement batch paid', access: ['finance_officer'],
    params: idParams,
    body: Joi.object({ paidOn: isoDate().required(), paymentReference: Joi.string().trim().min(1).max(100).required() }),
    response: batchSchema,
    handle: ({ params, body }, context) => workflow.pay(context, params.id, body),
  });
}

/** The statement PDF, its verification, the exports, and one loan's subsidy (SPEC §7, §11). */
function registerDocumentRoutes(api: ApiRegistry, { query, statements }: Services): void {
  api.add({
    method: 'get', path: '/settlements/:id/statement.pdf', tag, summary: 'Download the statement PDF of a settlement batch', access: READERS,
    params: idParams, produces: 'application/pdf',
    handle: ({ params }, context, res) => statements.sendStatement(context, params.id, res),
  });
  api.add({
    method: 'get', path: '/settlements/:id/lines.csv', tag, summary: 'Download the lines of a settlement batch as CSV', access: READERS,
    params: idParams, produces: 'text/csv',
    handle: ({ params }, context, res) => statements.sendLinesCsv(context, params.id, res),
  });
  api.add({
    method: 'get', path: '/settlements/:id/lines.xlsx', tag, summary: 'Download the lines of a settlement batch as XLSX', access: READERS,
    params: idParams, produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    handle: ({ params }, context, res) => statements.sendLinesXlsx(context, params.id, res),
  });
  api.add({
    method: 'post', path: '/statements/verify', tag, summary: 'Verify a statement by its SHA-256 or by the PDF itself', access: READERS,
    // JSON { sha256 } or the statement PDF itself; with `consumes` the body schema only documents the JSON form.
    consumes: ['application/json', 'application/pdf'], body: verifyBody, maxBodyBytes: MAX_STATEMENT_PDF_BYTES, response: verifySchema,
    handle: ({ body, mediaType }, context) => {
      if (mediaType === 'application/pdf') return statements.verify(context, { pdf: body as Buffer });
      const { value, error } = verifyBody.validate(body ?? {}, { abortEarly: false, errors: { wrap: { label: false } } });
      if (error) {
        throw new DomainError('VALIDATION_FAILED', 'the request is invalid', error.details.map((d) => ({ in: 'body', path: d.path.join('.'), message: d.message, type: d.type })));
      }
      return statements.verify(context, { sha256: value.sha256 });
    },
  });
  api.add({
    method: 'get', path: '/loans/:id/subsidy', tag: 'loans', summary: 'Compute the subsidy of a loan for a settlement period', access: LOAN_READERS,
    description: 'The period must have ended (422 PERIOD_ENDED), as for a batch: an instalment due later inside it is not late yet.',
    params: idParams, query: Joi.object({ period: settlementPeriod().required() }), response: subsidySchema,
    handle: ({ params, query: q }, context) => query.loanSubsidy(context, params.id, q.period),
  });
}
