import { BenefitRecord } from '../../modules/benefits/benefit-record.entity';
import { HouseholdHistory } from '../../modules/households/household-history.entity';
import { Household } from '../../modules/households/household.entity';
import { IdNumberSearch } from '../../modules/households/id-number-search.entity';
import { Linkage } from '../../modules/linkages/linkage.entity';
import { ProgressSummary } from '../../modules/targets/progress-summary.entity';
import { Target } from '../../modules/targets/target.entity';
import { FundMovement } from '../../modules/funds/fund-movement.entity';
import { RiskFund } from '../../modules/funds/risk-fund.entity';
import { IdempotencyRecord } from '../../modules/idempotency/idempotency-record.entity';
import { JobRun } from '../../modules/jobs/job-run.entity';
import { NplSnapshot } from '../../modules/jobs/npl-snapshot.entity';
import { ProgressSnapshot } from '../../modules/jobs/progress-snapshot.entity';
import { SubmissionReminder } from '../../modules/jobs/submission-reminder.entity';
import { SettlementBatch } from '../../modules/settlements/settlement-batch.entity';
import { SettlementLine } from '../../modules/settlements/settlement-line.entity';
import { LoanEvent } from '../../modules/loans/loan-event.entity';
import { Loan } from '../../modules/loans/loan.entity';
import { Repayment } from '../../modules/loans/repayment.entity';
import { ScheduleEntry } from '../../modules/loans/schedule-entry.entity';
import { FinancingModel } from '../../modules/models/financing-model.entity';
import { ModelVersion } from '../../modules/models/model-version.entity';
import { Claim } from '../../modules/claims/claim.entity';
import { ClaimShare } from '../../modules/claims/claim-share.entity';
import { Guarantee } from '../../modules/guarantees/guarantee.entity';
import { RiskLedgerEntry } from '../../modules/guarantees/risk-ledger-entry.entity';
import { AuditEntry } from '../../modules/audit/audit-entry.entity';
import { LoginAttempt } from '../../modules/auth/login-attempt.entity';
import { Enterprise } from '../../modules/enterprises/enterprise.entity';
import { Institution } from '../../modules/institutions/institution.entity';
import { ReferenceRate } from '../../modules/reference-rates/reference-rate.entity';
import { Region } from '../../modules/regions/region.entity';
import { User } from '../../modules/users/user.entity';

/** Every entity, listed once: the data source and the migration check both use this list. */
export const ENTITIES = [
  Region,
  Institution,
  Enterprise,
  User,
  LoginAttempt,
  IdNumberSearch,
  ReferenceRate,
  AuditEntry,
  Household,
  HouseholdHistory,
  Linkage,
  BenefitRecord,
  Target,
  ProgressSummary,
  FinancingModel,
  ModelVersion,
  RiskFund,
  FundMovement,
  Loan,
  ScheduleEntry,
  Repayment,
  LoanEvent,
  IdempotencyRecord,
  JobRun,
  ProgressSnapshot,
  NplSnapshot,
  SubmissionReminder,
  Guarantee,
  Claim,
  ClaimShare,
  RiskLedgerEntry,
  SettlementBatch,
  SettlementLine,
];
