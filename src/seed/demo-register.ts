import type { EntityManager } from 'typeorm';
import { bulkInsert } from './bulk-insert';
import type { SeedBenefit } from './city-benefits';
import type { SeedEnterprise } from './city-enterprises';
import type { SeedHistory, SeedHousehold } from './city-households';
import type { SeedLinkage } from './city-linkages';
import type { RegionRow } from './city-regions';
import type { SeedTarget } from './city-targets';
import type { DemoCity } from './demo-city';

/** A generated household with its head's ID number in stored form. */
export interface SealedHousehold {
  household: SeedHousehold;
  idNumberCiphertext: string;
  idNumberHash: string;
  idNumberMasked: string;
}

export interface RegisterKeys {
  households: readonly SealedHousehold[];
  /** Demo user ids by username. */
  userIds: ReadonlyMap<string, string>;
  /** Institution ids by INSTITUTIONS key. */
  institutionIds: ReadonlyMap<string, string>;
}

/** Parents precede children in the generated rows, which the foreign key on parent_code needs. */
export async function insertRegions(manager: EntityManager, city: DemoCity): Promise<void> {
  await bulkInsert<RegionRow>(manager, 'regions', [
    ['code', 'text', (r) => r.code],
    ['name', 'text', (r) => r.name],
    ['level', 'text', (r) => r.level],
    ['parent_code', 'text', (r) => r.parentCode],
    ['path', 'text', (r) => r.path],
  ], city.regions);
}

export async function insertEnterprises(manager: EntityManager, city: DemoCity): Promise<void> {
  await bulkInsert<SeedEnterprise>(manager, 'enterprises', [
    ['id', 'uuid', (e) => e.id],
    ['name', 'text', (e) => e.name],
    ['uscc', 'text', (e) => e.uscc],
    ['kind', 'text', (e) => e.kind],
    ['region_code', 'text', (e) => e.regionCode],
    ['industry', 'text', (e) => e.industry],
    ['legal_representative', 'text', (e) => e.legalRepresentative],
    ['status', 'text', (e) => e.status],
  ], city.enterprises);
}

/** Households, their history, linkages, benefit records and targets, in foreign-key order. */
export async function insertRegister(manager: EntityManager, city: DemoCity, keys: RegisterKeys): Promise<void> {
  const user = (key: string): string => {
    const id = keys.userIds.get(key);
    if (!id) throw new Error(`demo user ${key} is missing`);
    return id;
  };
  await bulkInsert<SealedHousehold>(manager, 'households', [
    ['id', 'uuid', (s) => s.household.id],
    ['household_number', 'text', (s) => s.household.householdNumber],
    ['head_name', 'text', (s) => s.household.headName],
    ['id_number_ciphertext', 'text', (s) => s.idNumberCiphertext],
    ['id_number_hash', 'text', (s) => s.idNumberHash],
    ['id_number_masked', 'text', (s) => s.idNumberMasked],
    ['birth_date', 'date', (s) => s.household.birthDate],
    ['phone', 'text', (s) => s.household.phone],
    ['village_code', 'text', (s) => s.household.villageCode],
    ['region_path', 'text', (s) => s.household.regionPath],
    ['members', 'int', (s) => s.household.members],
    ['laborers', 'int', (s) => s.household.laborers],
    ['status', 'text', (s) => s.household.status],
    ['status_since', 'date', (s) => s.household.statusSince],
    ['is_demonstration', 'bool', (s) => s.household.isDemonstration],
    ['demonstration_since', 'date', (s) => s.household.demonstrationSince],
  ], keys.households);
  await bulkInsert<SeedHistory>(manager, 'household_history', [
    ['household_id', 'uuid', (h) => h.householdId],
    ['kind', 'text', (h) => h.kind],
    ['status', 'text', (h) => h.status],
    ['is_demonstration', 'bool', (h) => h.isDemonstration],
    ['effective_date', 'date', (h) => h.effectiveDate],
    ['reason', 'text', (h) => h.reason],
    ['changed_by', 'uuid', (h) => user(h.changedBy)],
  ], city.history);
  await bulkInsert<SeedLinkage>(manager, 'linkages', [
    ['id', 'uuid', (l) => l.id],
    ['source_kind', 'text', (l) => l.sourceKind],
    ['source_id', 'uuid', (l) => l.sourceId],
    ['source_enterprise_id', 'uuid', (l) => l.sourceEnterpriseId],
    ['source_household_id', 'uuid', (l) => l.sourceHouseholdId],
    ['household_id', 'uuid', (l) => l.householdId],
    ['type', 'text', (l) => l.type],
    ['agreement_number', 'text', (l) => l.agreementNumber],
    ['start_date', 'date', (l) => l.startDate],
    ['end_date', 'date', (l) => l.endDate],
    ['agreed_annual_benefit', 'numeric', (l) => l.agreedAnnualBenefit],
    ['region_path', 'text', (l) => l.regionPath],
    ['ended_on', 'date', (l) => l.endedOn],
    ['end_reason', 'text', (l) => l.endReason],
    ['created_by', 'uuid', (l) => user(l.createdBy)],
  ], city.linkages);
  await bulkInsert<SeedBenefit>(manager, 'benefit_records', [
    ['id', 'uuid', (b) => b.id],
    ['linkage_id', 'uuid', (b) => b.linkageId],
    ['household_id', 'uuid', (b) => b.householdId],
    ['enterprise_id', 'uuid', (b) => b.enterpriseId],
    ['region_path', 'text', (b) => b.regionPath],
    ['paid_on', 'date', (b) => b.paidOn],
    ['amount', 'numeric', (b) => b.amount],
    ['kind', 'text', (b) => b.kind],
    ['note', 'text', (b) => b.note],
    ['status', 'text', (b) => b.status],
    ['reported_by', 'uuid', (b) => user(b.reportedBy)],
    ['reported_at', 'timestamptz', (b) => b.reportedAt],
    ['decided_by', 'uuid', (b) => (b.decidedBy === null ? null : user(b.decidedBy))],
    ['decided_at', 'timestamptz', (b) => b.decidedAt],
    ['reject_reason', 'text', (b) => b.rejectReason],
  ], city.benefits);
  const bank = (key: string): string => {
    const id = keys.institutionIds.get(key);
    if (!id) throw new Error(`demo bank ${key} is missing`);
    return id;
  };
  await bulkInsert<SeedTarget>(manager, 'targets', [
    ['scope', 'text', (t) => t.scope],
    ['region_code', 'text', (t) => t.regionCode],
    ['bank_id', 'uuid', (t) => (t.bankKey === null ? null : bank(t.bankKey))],
    ['enterprises', 'int', (t) => t.enterprises],
    ['demonstration_households', 'int', (t) => t.demonstrationHouseholds],
    ['linked_households', 'int', (t) => t.linkedHouseholds],
    ['updated_by', 'uuid', (t) => user(t.updatedBy)],
  ], city.targets);
}
