import Joi from 'joi';
import { CoreInputError } from '../../core/errors';
import { parsePeriod } from '../../core/periods';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, isoDate, pageSchema, paginationKeys, uuid } from '../../shared/http/schemas';
import type { Role } from '../users/user.entity';
import type { GuaranteeFeesService } from './guarantee-fees.service';
import type { GuarantorExposureService } from './guarantee-exposure';
import type { GuaranteeLetterService } from './guarantee-letter.service';
import type { GuaranteesService } from './guarantees.service';
import { RISK_LEDGER_KINDS } from './risk-ledger-entry.entity';
import type { RiskLedgerService } from './risk-ledger';

/** SPEC §11: a settlement period is named by the year and quarter of its last day, `2026Q3`. */
export const periodName = () =>
  Joi.string()
    .custom((value: string, helpers) => {
      try {
        parsePeriod(value);
        return value;
      } catch (error) {
        if (error instanceof CoreInputError) return helpers.error('period.invalid');
        throw error;
      }
    })
    .messages({ 'period.invalid': '{{#label}} must be a settlement period like "2026Q3"' })
    .meta({ example: '2026Q3' });

const decimal = () => Joi.string().meta({ format: 'decimal' });
const GUARANTEE_STATES = ['pending', 'approved', 'rejected', 'released', 'compensated', 'written_off'] as const;

export const guaranteeSchema = Joi.object({
  id: Joi.string().guid(),
  loanId: Joi.string().guid(),
  contractNumber: Joi.string(),
  bankId: Joi.string().guid(),
  modelCode: Joi.string(),
  borrowerKind: Joi.string().valid('household', 'enterprise'),
  borrowerName: Joi.string().allow(null),
  guarantorId: Joi.string().guid(),
  guarantorName: Joi.string(),
  principal: decimal(),
  guaranteedAmount: decimal().description('principal × coverage, rounded half-up to the fen'),
  coverageRatio: decimal(),
  feeRateAnnual: decimal(),
  feeSubsidyRateAnnual: decimal(),
  termMonths: Joi.number().integer(),
  contractDate: Joi.string(),
  maturityDate: Joi.string(),
  requestedDisbursementDate: Joi.string().allow(null),
  status: Joi.string().valid(...GUARANTEE_STATES).description('approved = in force; released once the loan is settled'),
  loanStatus: Joi.string(),
  outstandingGuaranteed: decimal(),
  filedBy: Joi.string().guid(),
  filedAt: Joi.string().isoDate(),
  decidedBy: Joi.string().guid().allow(null),
  decidedAt: Joi.string().isoDate().allow(null),
  decidedOn: Joi.string().allow(null),
  decisionReason: Joi.string().allow(null),
  letterNumber: Joi.string().allow(null),
  releasedOn: Joi.string().allow(null),
}).label('Guarantee');

const feeLineSchema = Joi.object({
  segments: Joi.array().items(
    Joi.object({ from: Joi.string(), to: Joi.string(), days: Joi.number().integer(), guaranteedBalance: decimal(), rateAnnual: decimal(), amount: decimal().description('to the li') }),
  ),
  amount: decimal(),
  recorded: decimal().description('the sum of the risk-ledger records for this guarantee and period'),
}).label('GuaranteeFeeLine');

export const ledgerEntrySchema = Joi.object({
  id: Joi.string(),
  kind: Joi.string().valid(...RISK_LEDGER_KINDS),
  loanId: Joi.string().guid(),
  guaranteeId: Joi.string().guid().allow(null),
  claimId: Joi.string().guid().allow(null),
  claimShareId: Joi.string().guid().allow(null),
  party: Joi.string(),
  institutionId: Joi.string().guid().allow(null),
  fundId: Joi.string().guid().allow(null),
  fundMovementId: Joi.string().allow(null),
  period: Joi.string().allow(null),
  amount: decimal().description("signed from the party's side: + earned or received, − paid"),
  occurredOn: Joi.string(),
  reference: Joi.string().allow(null),
  createdBy: Joi.string().guid(),
  createdAt: Joi.string().isoDate(),
}).label('RiskLedgerEntry');

const feesSchema = Joi.object({
  guaranteeId: Joi.string().guid(),
  loanId: Joi.string().guid(),
  period: Joi.string(),
  periodFrom: Joi.string(),
  periodTo: Joi.string(),
  coverageRatio: decimal(),
  fee: feeLineSchema,
  feeSubsidy: feeLineSchema,
  written: Joi.array().items(ledgerEntrySchema),
}).label('GuaranteeFees');

const exposureLine = { count: Joi.number().integer(), outstandingGuaranteed: decimal() };
const exposureSchema = Joi.object({
  guarantorId: Joi.string().guid(),
  name: Joi.string(),
  netAssets: decimal(),
  leverageLimit: decimal(),
  singleClientLimitRatio: decimal(),
  capacity: decimal().description('net assets × leverage'),
  singleClientLimit: decimal().description('net assets × single-client ratio'),
  regionPath: Joi.string().allow(null).description('the region the guarantee figures cover (county staff: their county); null for the whole guarantor'),
  guaranteesInForce: Joi.number().integer(),
  outstandingGuaranteed: decimal(),
  capacityLeft: decimal().description("capacity − the guarantor's whole outstanding guaranteed amount, whoever asks"),
  pending: Joi.object(exposureLine),
  byModel: Joi.array().items(Joi.object({ modelCode: Joi.string(), modelName: Joi.string(), ...exposureLine })),
  byCounty: Joi.array().items(Joi.object({ countyCode: Joi.string(), countyName: Joi.string(), ...exposureLine })),
}).label('GuarantorExposure');

/** SPEC §9: banks see their loans' guarantees, finance staff and auditors their region's. */
const READERS: readonly Role[] = ['loan_officer', 'finance_officer', 'auditor', 'admin'];

export interface GuaranteeServices {
  guarantees: GuaranteesService;
  fees: GuaranteeFeesService;
  letters: GuaranteeLetterService;
  exposure: GuarantorExposureService;
  ledger: RiskLedgerService;
}

export function registerGuaranteeRoutes(api: ApiRegistry, s: GuaranteeServices): void {
  const base = { tag: 'guarantees', params: idParams } as const;
  api.add({
    method: 'get',
    path: '/guarantees',
    tag: 'guarantees',
    summary: 'List guarantees and guarantee applications',
    access: READERS,
    query: Joi.object({ ...paginationKeys, status: Joi.string().valid(...GUARANTEE_STATES), guarantorId: uuid(), loanId: uuid(), bankId: uuid() }),
    response: pageSchema(guaranteeSchema),
    handle: ({ query }, context) => s.guarantees.list(context, query as never),
  });
  api.add({ ...base, method: 'get', path: '/guarantees/:id', summary: 'Get a guarantee', access: READERS, response: guaranteeSchema, handle: ({ params }, context) => s.guarantees.get(context, params.id) });
  api.add({
    ...base,
    method: 'post',
    path: '/guarantees/:id/approve',
    summary: 'Approve a guarantee application',
    access: ['finance_officer'],
    response: guaranteeSchema,
    handle: ({ params }, context) => s.guarantees.approve(context, params.id),
  });
  api.add({
    ...base,
    method: 'post',
    path: '/guarantees/:id/reject',
    summary: 'Reject a guarantee application',
    access: ['finance_officer'],
    body: Joi.object({ reason: Joi.string().trim().min(1).max(200).required() }),
    response: guaranteeSchema,
    handle: ({ params, body }, context) => s.guarantees.reject(context, params.id, body.reason),
  });
  registerGuaranteeDocumentRoutes(api, s);
}

/** The letter, the §6.3 fees, the guarantor's exposure and the risk ledger. */
function registerGuaranteeDocumentRoutes(api: ApiRegistry, s: GuaranteeServices): void {
  const base = { tag: 'guarantees', params: idParams } as const;
  api.add({
    ...base,
    method: 'get',
    path: '/guarantees/:id/letter.pdf',
    summary: 'Download the guarantee letter as a PDF',
    access: READERS,
    produces: 'application/pdf',
    handle: ({ params }, context, res) => s.letters.letterPdf(context, params.id, res),
  });
  api.add({
    ...base,
    method: 'get',
    path: '/guarantees/:id/fees',
    summary: 'Compute the guarantee fee and fee subsidy for a settlement period',
    access: READERS,
    query: Joi.object({ period: periodName().required() }),
    response: feesSchema,
    handle: ({ params, query }, context) => s.fees.fees(context, params.id, query.period),
  });
  api.add({
    ...base,
    method: 'post',
    path: '/guarantees/:id/fees',
    summary: 'Record the guarantee fee and fee subsidy of a period in the risk ledger',
    access: ['finance_officer'],
    body: Joi.object({ period: periodName().required() }),
    response: feesSchema,
    handle: ({ params, body }, context) => s.fees.record(context, params.id, body.period),
  });
  api.add({
    ...base,
    method: 'get',
    path: '/guarantors/:id/exposure',
    summary: "Get a guarantor's outstanding guaranteed amount and capacity left",
    description:
      'City staff and admins see the whole guarantor. County staff see only the guarantees of loans in their county: guaranteesInForce, ' +
      'outstandingGuaranteed, pending, byModel and byCounty cover their county (regionPath names it). The guarantor\'s limits (netAssets, ' +
      'capacity, singleClientLimit) and capacityLeft stay the whole guarantor\'s, since an approval in any county is checked against them; ' +
      'so for county staff capacityLeft is not capacity − outstandingGuaranteed.',
    access: ['finance_officer', 'auditor', 'admin'],
    response: exposureSchema,
    handle: ({ params }, context) => s.exposure.exposure(context, params.id),
  });
  api.add({
    method: 'get',
    path: '/risk-ledger',
    tag: 'guarantees',
    summary: 'List risk-ledger records (fees, subsidies, claim payments, recoveries) and their balance',
    access: READERS,
    query: Joi.object({
      ...paginationKeys,
      institutionId: uuid(),
      fundId: uuid(),
      party: Joi.string().valid('guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer'),
      loanId: uuid(),
      guaranteeId: uuid(),
      claimId: uuid(),
      kind: Joi.string().valid(...RISK_LEDGER_KINDS),
      asOf: isoDate().description('balance at the end of this date'),
    }),
    response: pageSchema(ledgerEntrySchema).keys({ asOf: Joi.string().allow(null), balance: decimal() }),
    handle: ({ query }, context) => s.ledger.list(context, query as never),
  });
}
