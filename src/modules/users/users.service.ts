import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Institution, type InstitutionType } from '../institutions/institution.entity';
import { Region } from '../regions/region.entity';
import { hashPassword } from './password';
import { User, type Role } from './user.entity';

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  regionCode: string;
  institutionId: string | null;
  enterpriseId: string | null;
  active: boolean;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  regionCode: string;
  institutionId?: string;
  enterpriseId?: string;
}

export type UserChanges = Partial<Pick<NewUser, 'displayName' | 'password'>> & { active?: boolean };

/** Which institutions each role may belong to (SPEC §1); roles absent here belong to none or any. */
const INSTITUTION_TYPES_BY_ROLE: Partial<Record<Role, readonly InstitutionType[]>> = {
  loan_officer: ['bank', 'bank_branch'],
  finance_officer: ['finance_bureau'],
  poverty_office: ['poverty_office'],
};

export const toUserDto = (u: User): UserDto => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  regionCode: u.regionCode,
  institutionId: u.institutionId,
  enterpriseId: u.enterpriseId,
  active: u.active,
});

export class UsersService {
  /** @param onUserChanged told, after the commit, of each user changed (the authentication cache forgets it). */
  constructor(
    private readonly dataSource: DataSource,
    private readonly onUserChanged: (id: string) => void = () => undefined,
  ) {}

  async list(filter: Page & { role?: Role; regionCode?: string; institutionId?: string }): Promise<PageOf<UserDto>> {
    const query = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (filter.role) query.andWhere('u.role = :role', { role: filter.role });
    if (filter.regionCode) query.andWhere('u.region_code = :regionCode', { regionCode: filter.regionCode });
    if (filter.institutionId) query.andWhere('u.institution_id = :institutionId', { institutionId: filter.institutionId });
    const [rows, total] = await query.orderBy('u.username').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toUserDto), total, limit: filter.limit, offset: filter.offset };
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw notFound('user');
    return toUserDto(user);
  }

  async create(context: AuthenticatedContext, input: NewUser): Promise<UserDto> {
    const passwordHash = await hashPassword(input.password);
    return inTransaction(this.dataSource, async (manager) => {
      const region = await this.checkBindings(manager, input);
      const repository = manager.getRepository(User);
      if (await repository.existsBy({ username: input.username })) {
        throw new DomainError('DUPLICATE', `user name ${input.username} is taken`, [{ field: 'username' }]);
      }
      const user = repository.create({
        username: input.username,
        displayName: input.displayName,
        passwordHash,
        role: input.role,
        regionCode: input.regionCode,
        institutionId: input.institutionId ?? null,
        enterpriseId: input.enterpriseId ?? null,
        active: true,
      });
      await repository.insert(user);
      const dto = toUserDto(user);
      await recordAudit(manager, context, { action: 'create', entityType: 'user', entityId: user.id, after: dto, regionPath: region.path });
      return dto;
    });
  }

  async update(context: AuthenticatedContext, id: string, changes: UserChanges): Promise<UserDto> {
    const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
    const updated = await inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(User);
      // Before the user's own row, and in one order for every disabling: the active administrators,
      // so that two of them disabling each other at once cannot both pass the check below.
      const activeAdmins: Array<{ id: string }> =
        changes.active === false ? await manager.query(`SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`) : [];
      const user = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw notFound('user');
      if (user.id === context.user.id && changes.active === false) {
        throw new DomainError('RULE_VIOLATION', 'an administrator cannot disable their own account', [{ field: 'active' }]);
      }
      if (user.role === 'admin' && user.active && changes.active === false && !activeAdmins.some((admin) => admin.id !== user.id)) {
        throw new DomainError('RULE_VIOLATION', 'the last active administrator cannot be disabled', [
          { field: 'active', rule: 'LAST_ADMIN', message: 'no other administrator is active (one may have been disabled meanwhile)' },
        ]);
      }
      const before = toUserDto(user);
      if (changes.displayName !== undefined) user.displayName = changes.displayName;
      const disabling = user.active && changes.active === false;
      if (changes.active !== undefined) user.active = changes.active;
      if (passwordHash !== undefined) user.passwordHash = passwordHash;
      // The sessions opened with the old password, or before the account was disabled, end: their
      // tokens carry the old generation, so enabling the account again does not bring them back.
      if (passwordHash !== undefined || disabling) user.tokenGeneration += 1;
      user.updatedAt = new Date();
      await repository.save(user);
      const after = toUserDto(user);
      const region = await manager.getRepository(Region).findOneByOrFail({ code: user.regionCode });
      await recordAudit(manager, context, {
        action: passwordHash ? 'update_with_password_reset' : 'update',
        entityType: 'user',
        entityId: id,
        before,
        after,
        regionPath: region.path,
      });
      return after;
    });
    this.onUserChanged(id);
    return updated;
  }

  /** A user belongs to the city or a county, and to an institution or enterprise that fits the role. */
  private async checkBindings(manager: EntityManager, input: NewUser): Promise<Region> {
    const problems: Array<{ field: string; rule: string; message: string }> = [];
    const region = await manager.getRepository(Region).findOneBy({ code: input.regionCode });
    if (!region) problems.push({ field: 'regionCode', rule: 'REGION_EXISTS', message: 'the region does not exist' });
    else if (region.level !== 'city' && region.level !== 'county') {
      problems.push({ field: 'regionCode', rule: 'REGION_CITY_OR_COUNTY', message: 'users belong to the city or a county' });
    }
    const allowedTypes = INSTITUTION_TYPES_BY_ROLE[input.role];
    if (input.institutionId) {
      const institution = await manager.getRepository(Institution).findOneBy({ id: input.institutionId });
      if (!institution) problems.push({ field: 'institutionId', rule: 'INSTITUTION_EXISTS', message: 'the institution does not exist' });
      else if (allowedTypes && !allowedTypes.includes(institution.type)) {
        problems.push({ field: 'institutionId', rule: 'INSTITUTION_FITS_ROLE', message: `a ${input.role} belongs to a ${allowedTypes.join(' or ')}` });
      }
    } else if (input.role === 'loan_officer') {
      problems.push({ field: 'institutionId', rule: 'INSTITUTION_REQUIRED', message: 'a loan officer belongs to a bank or branch' });
    }
    if (input.role === 'enterprise') {
      const enterprise = input.enterpriseId ? await manager.getRepository(Enterprise).findOneBy({ id: input.enterpriseId }) : null;
      if (!enterprise) problems.push({ field: 'enterpriseId', rule: 'ENTERPRISE_REQUIRED', message: 'an enterprise user belongs to an existing enterprise' });
    } else if (input.enterpriseId) {
      problems.push({ field: 'enterpriseId', rule: 'ENTERPRISE_ONLY', message: 'only enterprise users belong to an enterprise' });
    }
    if (problems.length > 0 || !region) throw new DomainError('RULE_VIOLATION', 'the user does not fit the role rules', problems);
    return region;
  }
}
