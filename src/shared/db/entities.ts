import { BenefitRecord } from '../../modules/benefits/benefit-record.entity';
import { HouseholdHistory } from '../../modules/households/household-history.entity';
import { Household } from '../../modules/households/household.entity';
import { Linkage } from '../../modules/linkages/linkage.entity';
import { Target } from '../../modules/targets/target.entity';
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
  ReferenceRate,
  AuditEntry,
  Household,
  HouseholdHistory,
  Linkage,
  BenefitRecord,
  Target,
];
