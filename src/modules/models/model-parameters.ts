/**
 * The parameter set of a financing model version (SPEC §4), stored as JSON. Amounts, rates and
 * ratios are decimal strings ("50000.00", "0.0475", "0.8"); the Joi schema in
 * model-parameters.schema.ts validates them before a version is stored.
 */
export type BorrowerKind = 'household' | 'enterprise';
export type RiskParty = 'guarantor' | 'reguarantor' | 'bank' | 'government' | 'risk_fund' | 'insurer';

export interface EligibilityRules {
  borrowerKinds: BorrowerKind[];
  /** Enterprise kinds allowed when enterprises may borrow (company, cooperative, village_collective). */
  enterpriseKinds?: Array<'company' | 'cooperative' | 'village_collective'>;
  householdStatuses?: Array<'poor' | 'monitored' | 'lifted'>;
  principalCap?: string;
  termCapMonths?: number;
  borrowerAgeRange?: { min: number; max: number };
  /** Loan rate ≤ reference × multiple (e.g. "1.10"). */
  rateCapMultipleOfReference?: string;
  /** Loan rate ≤ reference + spread (e.g. "0.005" is 0.5 pp). */
  rateCapSpreadOverReference?: string;
  minDrivenHouseholds?: number;
  oneActiveLoanPerHousehold?: boolean;
  agreementRequired?: boolean;
}

export type SubsidyRule =
  | { rule: 'none' }
  | { rule: 'full_up_to_reference' }
  | { rule: 'fixed_rate_on_linked_base'; rateAnnual: string; quotaPerHousehold: string }
  | { rule: 'reference_minus_spread'; spread: string };

export type GuaranteeRule =
  | { required: false }
  | {
      required: true;
      coverageRatio: string;
      /** Fee-rate caps by guaranteed amount: the first band whose `upTo` covers it, or the last (open) band. */
      feeRateCaps: Array<{ upTo?: string; rateAnnual: string }>;
      feeSubsidyRates: { household: string; enterprise: string };
    };

export type CapacitySource = { source: 'none' } | { source: 'risk_fund'; multiple: string } | { source: 'guarantor_leverage' };

export interface ModelParameters {
  eligibility: EligibilityRules;
  subsidy: SubsidyRule;
  guarantee: GuaranteeRule;
  /** Ordered parties and ratios summing to exactly 1. */
  riskSharing: Array<{ party: RiskParty; ratio: string }>;
  capacity: CapacitySource;
  compensationTriggerDaysPastDue: number;
  /** 熔断: NPL ratios above which new loans are refused in a township or village (risk-fund models). */
  circuitBreaker?: { townshipNplRatio: string; villageNplRatio: string };
  /** Informational: funded by PBoC relending, tracked for the relending ledger (model 9). */
  relendingFunded?: boolean;
}
