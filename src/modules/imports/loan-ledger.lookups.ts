import { In, type EntityManager } from 'typeorm';
import { Decimal } from '../../core/money';
import { checkCircuitBreakers } from '../funds';
import type { RuleFailure } from '../models/eligibility';
import type { ModelParameters } from '../models/model-parameters';
import { ModelVersion } from '../models/model-version.entity';
import { distinct } from './rows';

/**
 * The look-ups of a loan ledger import (SPEC §9), each one query for the whole file (STYLE: bulk
 * work is set-based), answering what LoanRegistrationService asks one loan at a time.
 */

export interface InstitutionRef {
  id: string;
  type: string;
  parentId: string | null;
  uscc: string;
}

/** A household of the file; its status is looked up as of each row's contract date (householdStatusesOn). */
export interface HouseholdRef {
  id: string;
  birthDate: string;
  regionPath: string;
  /** How the loan's record names the borrower (head's name, masked ID number). */
  headName: string;
  idNumberMasked: string;
}

export interface EnterpriseRef {
  id: string;
  kind: 'company' | 'cooperative' | 'village_collective';
  regionPath: string;
  name: string;
  uscc: string;
}

export interface LedgerReferences {
  institutionsByUscc: Map<string, InstitutionRef>;
  /** The officer's own institution, the branch of rows that name none. */
  ownInstitution: InstitutionRef | undefined;
  householdsByNumber: Map<string, HouseholdRef>;
  enterprisesByUscc: Map<string, EnterpriseRef>;
  /** Contract numbers of the file the bank has registered already. */
  registeredContracts: Set<string>;
  /** Every version of the file's models, latest first. */
  versionsByModel: Map<string, ModelVersion[]>;
}

export async function lookUpReferences(
  manager: EntityManager,
  args: { bankId: string; institutionId: string | null; usccs: string[]; householdNumbers: string[]; enterpriseUsccs: string[]; contractNumbers: string[]; modelCodes: string[] },
): Promise<LedgerReferences> {
  const institutions: Array<{ id: string; type: string; parent_id: string | null; uscc: string }> = await manager.query(
    'SELECT id, type, parent_id, uscc FROM institutions WHERE uscc = ANY($1::varchar[]) OR id = $2',
    [args.usccs, args.institutionId],
  );
  const refs = institutions.map((i) => ({ id: i.id, type: i.type, parentId: i.parent_id, uscc: i.uscc }));
  const households: Array<{ id: string; household_number: string; birth_date: string; region_path: string; head_name: string; id_number_masked: string }> = await manager.query(
    'SELECT id, household_number, birth_date, region_path, head_name, id_number_masked FROM households WHERE household_number = ANY($1::varchar[])',
    [args.householdNumbers],
  );
  const enterprises: Array<{ id: string; uscc: string; name: string; kind: EnterpriseRef['kind']; region_path: string }> = await manager.query(
    'SELECT e.id, e.uscc, e.name, e.kind, r.path AS region_path FROM enterprises e JOIN regions r ON r.code = e.region_code WHERE e.uscc = ANY($1::varchar[])',
    [args.enterpriseUsccs],
  );
  const contracts: Array<{ contract_number: string }> = await manager.query(
    'SELECT contract_number FROM loans WHERE bank_id = $1 AND contract_number = ANY($2::varchar[])',
    [args.bankId, args.contractNumbers],
  );
  const versions = await manager.getRepository(ModelVersion).find({ where: { modelCode: In(args.modelCodes) }, order: { effectiveFrom: 'DESC' } });
  const versionsByModel = new Map<string, ModelVersion[]>();
  for (const version of versions) versionsByModel.set(version.modelCode, [...(versionsByModel.get(version.modelCode) ?? []), version]);
  return {
    institutionsByUscc: new Map(refs.map((r) => [r.uscc, r])),
    ownInstitution: refs.find((r) => r.id === args.institutionId),
    householdsByNumber: new Map(
      households.map((h) => [h.household_number, { id: h.id, birthDate: h.birth_date, regionPath: h.region_path, headName: h.head_name, idNumberMasked: h.id_number_masked }]),
    ),
    enterprisesByUscc: new Map(enterprises.map((e) => [e.uscc, { id: e.id, kind: e.kind, regionPath: e.region_path, name: e.name, uscc: e.uscc }])),
    registeredContracts: new Set(contracts.map((c) => c.contract_number)),
    versionsByModel,
  };
}

/** The version in force on a date: the latest whose effective date is on or before it (versions latest first). */
export function versionInForce(versions: readonly ModelVersion[] | undefined, date: string): ModelVersion | undefined {
  return versions?.find((v) => v.effectiveFrom <= date);
}

export interface FundRef {
  id: string;
  balance: Decimal;
  multiple: Decimal;
}

export const fundKey = (countyCode: string, modelCode: string): string => `${countyCode}|${modelCode}`;

/**
 * The bank's risk funds for the file's (county, model) pairs, locked FOR UPDATE in id order (as
 * checkFundCapacity locks one), so that concurrent registrations under them wait for the import.
 */
export async function lockFunds(manager: EntityManager, bankId: string, pairs: ReadonlyArray<{ countyCode: string; modelCode: string }>): Promise<Map<string, FundRef>> {
  const keys = distinct(pairs.map((p) => fundKey(p.countyCode, p.modelCode)));
  if (keys.length === 0) return new Map();
  const parts = keys.map((key) => key.split('|'));
  const rows: Array<{ id: string; county_code: string; model_code: string; balance: string; multiple: string }> = await manager.query(
    `SELECT f.id, f.county_code, f.model_code, f.balance::text AS balance, f.multiple::text AS multiple
       FROM risk_funds f
       JOIN unnest($2::varchar[], $3::varchar[]) AS p(county_code, model_code) ON f.county_code = p.county_code AND f.model_code = p.model_code
      WHERE f.bank_id = $1
      ORDER BY f.id
        FOR UPDATE OF f`,
    [bankId, parts.map((p) => p[0]), parts.map((p) => p[1])],
  );
  return new Map(rows.map((r) => [fundKey(r.county_code, r.model_code), { id: r.id, balance: new Decimal(r.balance), multiple: new Decimal(r.multiple) }]));
}

type BreakerThresholds = NonNullable<ModelParameters['circuitBreaker']>;

export const breakerKey = (modelCode: string, regionPath: string, thresholds: BreakerThresholds): string =>
  `${modelCode}|${regionPath}|${thresholds.townshipNplRatio}|${thresholds.villageNplRatio}`;

/**
 * The circuit breakers (SPEC §5 熔断) for each distinct (model, borrower region, thresholds) of the
 * file, by the registration's own check: one query per distinct village, not per row. New loans in
 * the file do not change the answer: they add only performing principal, which can lower a ratio
 * but never raise it, so a region that passes before the import passes for every row.
 */
export async function circuitBreakers(
  manager: EntityManager,
  loans: ReadonlyArray<{ modelCode: string; regionPath: string; thresholds: BreakerThresholds }>,
): Promise<Map<string, RuleFailure[]>> {
  const results = new Map<string, RuleFailure[]>();
  for (const loan of loans) {
    const key = breakerKey(loan.modelCode, loan.regionPath, loan.thresholds);
    if (!results.has(key)) results.set(key, await checkCircuitBreakers(manager, loan));
  }
  return results;
}
