import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { ageAt, birthDateFromResidentId, maskResidentId, validateResidentId } from '../../core/identifiers';
import type { AuthenticatedContext, AuthUser } from '../../shared/auth/context';
import { applyScope, isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import type { IdNumberVault } from '../../shared/crypto/id-number-vault';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Region } from '../regions/region.entity';
import { HouseholdHistory } from './household-history.entity';
import { Household, type HouseholdStatus } from './household.entity';
import { limitedIdNumberSearch, recordRegisteredAnswers, recordSearchesUpToLimit, searchesLeft } from './id-number-searches';
import { canChangeStatus, hasPlausibleRegion, MAX_PLAUSIBLE_AGE_YEARS } from './household.status';

export interface HouseholdDto {
  id: string;
  householdNumber: string;
  headName: string;
  /** In full for poverty_office and admin; masked (410225********1234) for everyone else. */
  idNumber: string;
  idNumberMasked: string;
  /**
   * In full for poverty_office and admin, null for everyone else: the masked form hides exactly the
   * birth-date digits (410225********1234), so the birth date beside it would unmask the number.
   */
  birthDate: string | null;
  age: number;
  phone: string | null;
  villageCode: string;
  regionPath: string;
  members: number;
  laborers: number;
  status: HouseholdStatus;
  statusSince: string;
  isDemonstration: boolean;
  demonstrationSince: string | null;
}

export interface NewHousehold {
  householdNumber: string;
  headName: string;
  idNumber: string;
  phone?: string;
  villageCode: string;
  members: number;
  laborers: number;
  status?: HouseholdStatus;
  statusSince?: string;
  isDemonstration?: boolean;
  demonstrationSince?: string;
}

export type HouseholdChanges = Partial<Pick<NewHousehold, 'householdNumber' | 'headName' | 'idNumber' | 'phone' | 'villageCode' | 'members' | 'laborers'>>;

export interface HouseholdFilter extends Page {
  under?: string;
  villageCode?: string;
  status?: HouseholdStatus;
  isDemonstration?: boolean;
  householdNumber?: string;
  headName?: string;
  idNumber?: string;
}

type Problem = { field: string; rule: string; message: string };

/** Roles that see ID numbers and phone numbers in full (SPEC §3). */
const SEES_PERSONAL_DATA = new Set(['poverty_office', 'admin']);

/**
 * The scope columns of a household row aliased `h`: an enterprise sees the households linked to it,
 * a bank the households that borrow or borrowed from it (masked, as every role but the poverty
 * office and admins sees them); any other household only through a lookup by ID number.
 */
export const HOUSEHOLD_SCOPE = {
  regionPath: 'h.region_path',
  bankCondition: `EXISTS (SELECT 1 FROM loans bl WHERE bl.household_id = h.id AND bl.bank_id = :scopeBankId)`,
  enterpriseCondition: `EXISTS (SELECT 1 FROM linkages sl WHERE sl.household_id = h.id AND sl.source_enterprise_id = :scopeEnterpriseId)`,
};

export class HouseholdsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: IdNumberVault,
    /** Searches by ID number one user may make in an hour (ID_SEARCHES_PER_HOUR). */
    private readonly idSearchesPerHour = 60,
  ) {}

  toDto(household: Household, viewer: AuthUser, today: IsoDate = todayInShanghai()): HouseholdDto {
    const masked = maskedHouseholdDto(household, today);
    if (!SEES_PERSONAL_DATA.has(viewer.role)) return masked;
    return { ...masked, idNumber: this.vault.decrypt(household.idNumberCiphertext), birthDate: household.birthDate, phone: household.phone };
  }

  /** A search by ID number is limited and recorded as a lookup is (limitedIdNumberSearch). */
  async list(context: AuthenticatedContext, filter: HouseholdFilter): Promise<PageOf<HouseholdDto>> {
    if (!filter.idNumber) return this.listWith(this.dataSource.manager, context, filter);
    return limitedIdNumberSearch(this.dataSource, this.idSearchesPerHour, context.user.id, async (manager) => {
      const page = await this.listWith(manager, context, filter);
      return { answer: page, shown: page.items[0]?.id ?? null };
    });
  }

  private async listWith(manager: EntityManager, context: AuthenticatedContext, filter: HouseholdFilter): Promise<PageOf<HouseholdDto>> {
    const query = manager.getRepository(Household).createQueryBuilder('h');
    applyScope(query, scopeOf(context.user), HOUSEHOLD_SCOPE);
    if (filter.under) {
      const region = await manager.getRepository(Region).findOneBy({ code: filter.under });
      query.andWhere('h.region_path LIKE :under', { under: `${region?.path ?? 'none/'}%` });
    }
    if (filter.villageCode) query.andWhere('h.village_code = :villageCode', { villageCode: filter.villageCode });
    if (filter.status) query.andWhere('h.status = :status', { status: filter.status });
    if (filter.isDemonstration !== undefined) query.andWhere('h.is_demonstration = :demo', { demo: filter.isDemonstration });
    if (filter.householdNumber) query.andWhere('h.household_number = :number', { number: filter.householdNumber });
    if (filter.headName) query.andWhere('h.head_name = :headName', { headName: filter.headName });
    if (filter.idNumber) query.andWhere('h.id_number_hash = :hash', { hash: this.vault.hash(filter.idNumber) });
    const [rows, total] = await query.orderBy('h.household_number').take(filter.limit).skip(filter.offset).getManyAndCount();
    const today = todayInShanghai();
    return { items: rows.map((h) => this.toDto(h, context.user, today)), total, limit: filter.limit, offset: filter.offset };
  }

  async get(context: AuthenticatedContext, id: string): Promise<HouseholdDto> {
    const query = this.dataSource.getRepository(Household).createQueryBuilder('h').where('h.id = :id', { id });
    applyScope(query, scopeOf(context.user), HOUSEHOLD_SCOPE);
    const household = await query.getOne();
    if (!household) throw notFound('household');
    return this.toDto(household, context.user);
  }

  /**
   * Finds a household by its head's ID number, for a bank about to lend or a poverty office checking
   * for a duplicate. Answers with the masked form only, or 404. A bank checks a borrower anywhere in
   * the city (its scope is its bank, not a region); county staff find only their county's households
   * (SPEC §9), so a number registered elsewhere is 404 for them, as it is on GET /households/:id.
   * Limited and recorded, found or not (limitedIdNumberSearch).
   */
  async lookup(context: AuthenticatedContext, idNumber: string): Promise<HouseholdDto> {
    const scope = scopeOf(context.user);
    const household = await limitedIdNumberSearch(this.dataSource, this.idSearchesPerHour, context.user.id, async (manager) => {
      const found = await manager.getRepository(Household).findOneBy({ idNumberHash: this.vault.hash(idNumber) });
      const shown = found && (scope.kind !== 'region' || isInScope(scope, { regionPath: found.regionPath })) ? found : null;
      return { answer: shown, shown: shown?.id ?? null };
    });
    if (!household) throw notFound('household');
    return this.toDto(household, { ...context.user, role: 'auditor' });
  }

  async create(context: AuthenticatedContext, input: NewHousehold): Promise<HouseholdDto> {
    return this.namingIdNumber(context, () => this.createHousehold(context, input));
  }

  /**
   * A create or correction that names an ID number may answer "already registered": refused 429 when
   * the user has no searches by ID number left, and such an answer recorded as one (searchesLeft).
   */
  private async namingIdNumber<T>(context: AuthenticatedContext, work: () => Promise<T>): Promise<T> {
    await searchesLeft(this.dataSource, this.idSearchesPerHour, context.user.id);
    try {
      return await work();
    } catch (error) {
      const details = error instanceof DomainError && Array.isArray(error.details) ? (error.details as Array<{ field?: string }>) : [];
      if ((error as DomainError).code === 'DUPLICATE' && details.some((d) => d.field === 'idNumber')) {
        await recordRegisteredAnswers(this.dataSource, context.user.id, 1);
      }
      throw error;
    }
  }

  /** For an import naming ID numbers: how many "already registered" answers it may give (429 when none). */
  idNumberAnswersLeft(context: AuthenticatedContext): Promise<number> {
    return searchesLeft(this.dataSource, this.idSearchesPerHour, context.user.id);
  }

  /** Records a refused loan ledger's judged households as searches, as far as the user's go; how many may be told. */
  recordJudgedHouseholds(context: AuthenticatedContext, householdIds: readonly string[]): Promise<number> {
    return recordSearchesUpToLimit(this.dataSource, this.idSearchesPerHour, context.user.id, householdIds);
  }

  /** Records an import's "already registered" answers as searches. */
  recordRegisteredIdNumbers(context: AuthenticatedContext, answers: number): Promise<void> {
    return recordRegisteredAnswers(this.dataSource, context.user.id, answers);
  }

  private async createHousehold(context: AuthenticatedContext, input: NewHousehold): Promise<HouseholdDto> {
    const today = todayInShanghai();
    return inTransaction(this.dataSource, async (manager) => {
      const problems = this.checkIdNumber(input.idNumber, today);
      const village = await this.villageInScope(manager, context, input.villageCode, problems);
      if (input.laborers > input.members) {
        problems.push({ field: 'laborers', rule: 'LABORERS_WITHIN_MEMBERS', message: 'laborers cannot exceed members' });
      }
      const statusSince = input.statusSince ?? today;
      const demonstration = input.isDemonstration ?? false;
      if (!demonstration && input.demonstrationSince) {
        problems.push({ field: 'demonstrationSince', rule: 'DEMONSTRATION_DATE_ONLY_WHEN_DESIGNATED', message: 'only a demonstration household has a designation date' });
      }
      problems.push(...registrationDateProblems(input, today));
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the household breaks the register rules', problems);
      await this.refuseDuplicates(manager, input.householdNumber, input.idNumber);
      const household = manager.getRepository(Household).create({
        householdNumber: input.householdNumber,
        headName: input.headName,
        ...this.sealIdNumber(input.idNumber),
        phone: input.phone ?? null,
        villageCode: village!.code,
        regionPath: village!.path,
        members: input.members,
        laborers: input.laborers,
        status: input.status ?? 'poor',
        statusSince,
        isDemonstration: demonstration,
        demonstrationSince: demonstration ? (input.demonstrationSince ?? today) : null,
      });
      await manager.getRepository(Household).insert(household);
      const history = manager.getRepository(HouseholdHistory);
      await history.insert({ householdId: household.id, kind: 'status', status: household.status, effectiveDate: statusSince, reason: 'registered', changedBy: context.user.id });
      if (demonstration) {
        await history.insert({ householdId: household.id, kind: 'demonstration', isDemonstration: true, effectiveDate: household.demonstrationSince!, reason: 'registered', changedBy: context.user.id });
      }
      const dto = this.toDto(household, context.user, today);
      await this.audit(manager, context, 'create', household, null, dto);
      return dto;
    });
  }

  async update(context: AuthenticatedContext, id: string, changes: HouseholdChanges): Promise<HouseholdDto> {
    if (changes.idNumber === undefined) return this.updateHousehold(context, id, changes);
    return this.namingIdNumber(context, () => this.updateHousehold(context, id, changes));
  }

  private async updateHousehold(context: AuthenticatedContext, id: string, changes: HouseholdChanges): Promise<HouseholdDto> {
    const today = todayInShanghai();
    return inTransaction(this.dataSource, async (manager) => {
      const household = await this.lockInScope(manager, context, id);
      const before = this.toDto(household, context.user, today);
      const problems: Problem[] = changes.idNumber ? this.checkIdNumber(changes.idNumber, today) : [];
      const village = changes.villageCode ? await this.villageInScope(manager, context, changes.villageCode, problems) : null;
      if ((changes.laborers ?? household.laborers) > (changes.members ?? household.members)) {
        problems.push({ field: 'laborers', rule: 'LABORERS_WITHIN_MEMBERS', message: 'laborers cannot exceed members' });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the household breaks the register rules', problems);
      const newNumber = changes.householdNumber !== undefined && changes.householdNumber !== household.householdNumber ? changes.householdNumber : undefined;
      const newId = changes.idNumber !== undefined && this.vault.hash(changes.idNumber) !== household.idNumberHash ? changes.idNumber : undefined;
      if (newNumber !== undefined || newId !== undefined) await this.refuseDuplicates(manager, newNumber, newId);
      if (newNumber !== undefined) household.householdNumber = newNumber;
      if (newId !== undefined) Object.assign(household, this.sealIdNumber(newId));
      if (changes.headName !== undefined) household.headName = changes.headName;
      if (changes.phone !== undefined) household.phone = changes.phone;
      if (changes.members !== undefined) household.members = changes.members;
      if (changes.laborers !== undefined) household.laborers = changes.laborers;
      if (village) {
        household.villageCode = village.code;
        household.regionPath = village.path;
        // Linkages and benefits copy the household's path for scope; they move with it.
        await manager.query('UPDATE linkages SET region_path = $1 WHERE household_id = $2', [village.path, id]);
        await manager.query('UPDATE benefit_records SET region_path = $1 WHERE household_id = $2', [village.path, id]);
      }
      household.updatedAt = new Date();
      await manager.getRepository(Household).save(household);
      const after = this.toDto(household, context.user, today);
      await this.audit(manager, context, 'update', household, before, after);
      return after;
    });
  }

  /** Only a household nothing refers to can be deleted; its history goes with it, the audit log keeps the record. */
  async remove(context: AuthenticatedContext, id: string): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const household = await this.lockInScope(manager, context, id);
      const [{ linked }] = await manager.query(
        'SELECT count(*)::int AS linked FROM linkages WHERE household_id = $1 OR source_household_id = $1',
        [id],
      );
      if (linked > 0) throw new DomainError('INVALID_STATE', 'the household has linkages; end them instead of deleting the household');
      const [{ borrowed }] = await manager.query('SELECT EXISTS (SELECT 1 FROM loans WHERE household_id = $1) AS borrowed', [id]);
      if (borrowed) throw new DomainError('INVALID_STATE', 'the household has borrowed: its loans keep it in the register; change its status instead');
      const before = this.toDto(household, context.user);
      await manager.getRepository(HouseholdHistory).delete({ householdId: id });
      await manager.getRepository(Household).delete({ id });
      await this.audit(manager, context, 'delete', household, before, null);
    });
  }

  async changeStatus(context: AuthenticatedContext, id: string, input: { status: HouseholdStatus; effectiveDate: string; reason?: string }): Promise<HouseholdDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const household = await this.lockInScope(manager, context, id);
      if (!canChangeStatus(household.status, input.status)) {
        throw new DomainError('INVALID_STATE', `a ${household.status} household cannot become ${input.status}`);
      }
      this.refuseEffectiveDate(input.effectiveDate, household.statusSince, 'status');
      const before = this.toDto(household, context.user);
      household.status = input.status;
      household.statusSince = input.effectiveDate;
      household.updatedAt = new Date();
      await manager.getRepository(Household).save(household);
      await manager.getRepository(HouseholdHistory).insert({ householdId: id, kind: 'status', status: input.status, effectiveDate: input.effectiveDate, reason: input.reason ?? null, changedBy: context.user.id });
      const after = this.toDto(household, context.user);
      await this.audit(manager, context, 'change_status', household, before, after);
      return after;
    });
  }

  async setDemonstration(context: AuthenticatedContext, id: string, input: { isDemonstration: boolean; effectiveDate: string; reason?: string }): Promise<HouseholdDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const household = await this.lockInScope(manager, context, id);
      if (household.isDemonstration === input.isDemonstration) {
        throw new DomainError('INVALID_STATE', input.isDemonstration ? 'the household is already a demonstration household' : 'the household is not a demonstration household');
      }
      const [last] = await manager.query(
        `SELECT max(effective_date)::text AS since FROM household_history WHERE household_id = $1 AND kind = 'demonstration'`,
        [id],
      );
      this.refuseEffectiveDate(input.effectiveDate, last?.since ?? null, 'demonstration designation');
      const [{ registered }] = await manager.query(
        `SELECT min(effective_date)::text AS registered FROM household_history WHERE household_id = $1 AND kind = 'status'`,
        [id],
      );
      if (registered !== null && compareDates(input.effectiveDate as IsoDate, registered as IsoDate) < 0) {
        throw new DomainError('RULE_VIOLATION', `the designation cannot take effect before the household was registered (${registered})`, [
          { field: 'effectiveDate', rule: 'NOT_BEFORE_REGISTRATION', message: `on or after ${registered}` },
        ]);
      }
      const before = this.toDto(household, context.user);
      household.isDemonstration = input.isDemonstration;
      household.demonstrationSince = input.isDemonstration ? input.effectiveDate : null;
      household.updatedAt = new Date();
      await manager.getRepository(Household).save(household);
      await manager.getRepository(HouseholdHistory).insert({ householdId: id, kind: 'demonstration', isDemonstration: input.isDemonstration, effectiveDate: input.effectiveDate, reason: input.reason ?? null, changedBy: context.user.id });
      const after = this.toDto(household, context.user);
      await this.audit(manager, context, input.isDemonstration ? 'designate_demonstration' : 'end_demonstration', household, before, after);
      return after;
    });
  }

  async history(context: AuthenticatedContext, id: string) {
    await this.get(context, id);
    const rows = await this.dataSource.getRepository(HouseholdHistory).find({ where: { householdId: id }, order: { effectiveDate: 'ASC', id: 'ASC' } });
    return rows.map((r) => ({ kind: r.kind, status: r.status, isDemonstration: r.isDemonstration, effectiveDate: r.effectiveDate, reason: r.reason, changedBy: r.changedBy, recordedAt: r.recordedAt.toISOString() }));
  }

  /** Register rules for an ID number; the messages never contain the number itself. */
  checkIdNumber(idNumber: string, today: IsoDate): Problem[] {
    const check = validateResidentId(idNumber);
    if (!check.ok) return [{ field: 'idNumber', rule: 'RESIDENT_ID_INVALID', message: check.reason }];
    const problems: Problem[] = [];
    if (!hasPlausibleRegion(idNumber)) {
      problems.push({ field: 'idNumber', rule: 'RESIDENT_ID_REGION', message: 'the area code of the ID number is not a real province' });
    }
    const birthDate = birthDateFromResidentId(idNumber);
    if (compareDates(birthDate, today) > 0 || ageAt(birthDate, today) > MAX_PLAUSIBLE_AGE_YEARS) {
      problems.push({ field: 'idNumber', rule: 'RESIDENT_ID_BIRTH_DATE', message: 'the birth date in the ID number is not plausible' });
    }
    return problems;
  }

  sealIdNumber(idNumber: string) {
    return {
      idNumberCiphertext: this.vault.encrypt(idNumber),
      idNumberHash: this.vault.hash(idNumber),
      idNumberMasked: maskResidentId(idNumber),
      birthDate: birthDateFromResidentId(idNumber),
    };
  }

  /** Locks a household the caller may change: poverty office staff within their region, or an admin. */
  private async lockInScope(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<Household> {
    const household = await manager.getRepository(Household).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!household || !isInScope(scopeOf(context.user), { regionPath: household.regionPath })) throw notFound('household');
    return household;
  }

  private async villageInScope(manager: EntityManager, context: AuthenticatedContext, code: string, problems: Problem[]): Promise<Region | null> {
    const village = await manager.getRepository(Region).findOneBy({ code });
    if (!village || village.level !== 'village') {
      problems.push({ field: 'villageCode', rule: 'VILLAGE_EXISTS', message: 'the village does not exist' });
      return null;
    }
    if (!isInScope(scopeOf(context.user), { regionPath: village.path })) {
      problems.push({ field: 'villageCode', rule: 'VILLAGE_IN_YOUR_REGION', message: 'the village is outside your region' });
      return null;
    }
    return village;
  }

  private async refuseDuplicates(manager: EntityManager, householdNumber?: string, idNumber?: string): Promise<void> {
    const repository = manager.getRepository(Household);
    if (householdNumber !== undefined && (await repository.existsBy({ householdNumber }))) {
      throw new DomainError('DUPLICATE', 'a household with this household number is registered', [{ field: 'householdNumber', rule: 'UNIQUE' }]);
    }
    if (idNumber !== undefined && (await repository.existsBy({ idNumberHash: this.vault.hash(idNumber) }))) {
      throw new DomainError('DUPLICATE', 'a household with this ID number is registered', [{ field: 'idNumber', rule: 'UNIQUE' }]);
    }
  }

  /**
   * A change takes effect between the last change and today. Not before the last one: history is
   * appended in order. Not in the future: the household's row shows its status now, and loans,
   * settlements and progress read the dated history, so a change is recorded once it has happened.
   */
  private refuseEffectiveDate(effectiveDate: string, since: string | null, what: string): void {
    if (since !== null && compareDates(effectiveDate as IsoDate, since as IsoDate) < 0) {
      throw new DomainError('RULE_VIOLATION', `the ${what} change cannot take effect before the last one (${since})`, [
        { field: 'effectiveDate', rule: 'NOT_BEFORE_LAST_CHANGE', message: `on or after ${since}` },
      ]);
    }
    const today = todayInShanghai();
    if (compareDates(effectiveDate as IsoDate, today) > 0) {
      throw new DomainError('RULE_VIOLATION', `the ${what} change cannot take effect after today (${today})`, [
        { field: 'effectiveDate', rule: 'NOT_IN_FUTURE', message: 'record the change once it has taken effect' },
      ]);
    }
  }

  private audit(manager: EntityManager, context: AuthenticatedContext, action: string, household: Household, before: HouseholdDto | null, after: HouseholdDto | null) {
    // The audit log holds the masked form only, whoever made the change.
    const masked = (dto: HouseholdDto | null) => dto && { ...dto, idNumber: dto.idNumberMasked, birthDate: null, phone: dto.phone && maskPhone(dto.phone) };
    return recordAudit(manager, context, { action, entityType: 'household', entityId: household.id, before: masked(before), after: masked(after), regionPath: household.regionPath });
  }
}

/** A household is registered with a status and a designation that have already taken effect (API and import alike). */
export function registrationDateProblems(input: Pick<NewHousehold, 'statusSince' | 'demonstrationSince'>, today: IsoDate): Problem[] {
  const problems: Problem[] = [];
  for (const field of ['statusSince', 'demonstrationSince'] as const) {
    const date = input[field];
    if (date && compareDates(date as IsoDate, today) > 0) problems.push({ field, rule: 'NOT_IN_FUTURE', message: `${field} cannot be after today (${today})` });
  }
  // A household is a demonstration household of the register only once it is in it.
  const registered = input.statusSince ?? today;
  if (input.demonstrationSince && compareDates(input.demonstrationSince as IsoDate, registered as IsoDate) < 0) {
    problems.push({ field: 'demonstrationSince', rule: 'NOT_BEFORE_REGISTRATION', message: `the household is registered from ${registered}` });
  }
  return problems;
}

/** What a masked household is made from: its columns, without the sealed ID number. */
export type MaskedHouseholdSource = Omit<Household, 'idNumberCiphertext' | 'idNumberHash' | 'village' | 'createdAt' | 'updatedAt'>;

/**
 * The household as every role but poverty_office and admin sees it (SPEC §3), and as the audit log
 * keeps it whoever made the change: ID number and phone masked, no birth date. Needs no key, so an import can
 * describe the households it wrote without decrypting anything.
 */
export function maskedHouseholdDto(household: MaskedHouseholdSource, today: IsoDate): HouseholdDto {
  return {
    id: household.id,
    householdNumber: household.householdNumber,
    headName: household.headName,
    idNumber: household.idNumberMasked,
    idNumberMasked: household.idNumberMasked,
    // The birth date is digits 7–14 of the ID number, the very ones the mask hides.
    birthDate: null,
    age: ageAt(household.birthDate as IsoDate, today),
    phone: household.phone === null ? null : maskPhone(household.phone),
    villageCode: household.villageCode,
    regionPath: household.regionPath,
    members: household.members,
    laborers: household.laborers,
    status: household.status,
    statusSince: household.statusSince,
    isDemonstration: household.isDemonstration,
    demonstrationSince: household.demonstrationSince,
  };
}

export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}
