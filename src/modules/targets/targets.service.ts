import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedContext, AuthUser } from '../../shared/auth/context';
import { scopeOf } from '../../shared/auth/scope';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { Target } from './target.entity';
import { breakdownMismatches, duplicates, type TargetCounts } from './targets.rules';

export interface TargetsInput {
  city: TargetCounts;
  counties: Array<{ regionCode: string } & TargetCounts>;
  banks: Array<{ bankId: string } & TargetCounts>;
}

export type CityTargetDto = { regionCode: string; name: string } & TargetCounts;
export type CountyTargetDto = { regionCode: string; name: string } & TargetCounts;
export type BankTargetDto = { bankId: string; name: string } & TargetCounts;

export interface TargetsDto {
  city: CityTargetDto;
  counties: CountyTargetDto[];
  banks: BankTargetDto[];
  /** When the list was last replaced, and by whom; null while it was never set. */
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The city the programme runs in (SPEC §1): the city-level region above the caller. */
export interface ProgrammeCity {
  code: string;
  name: string;
  path: string;
}

interface Problem {
  field: string;
  rule: string;
  message: string;
}

/** Serialises replacements of the breakdown list across instances (one namespace per lock in the code). */
const TARGETS_LOCK_KEY = 7_310_201;

const ZERO: TargetCounts = { enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 };

/**
 * The city's region: the city-level region on the caller's path. A caller above any city (a province
 * account) gets the only city there is; the targets table holds one programme per database.
 */
export async function programmeCity(manager: EntityManager, user: AuthUser): Promise<ProgrammeCity> {
  const rows: ProgrammeCity[] = await manager.query(
    `SELECT code, name, path FROM regions WHERE level = 'city' AND left($1::text, length(path)) = path`,
    [user.regionPath],
  );
  if (rows.length === 1) return rows[0]!;
  const cities: ProgrammeCity[] = await manager.query(`SELECT code, name, path FROM regions WHERE level = 'city' LIMIT 2`);
  if (cities.length === 1) return cities[0]!;
  throw new DomainError('RULE_VIOLATION', 'the caller does not belong to one city', [
    { field: 'regionCode', rule: 'ONE_CITY', message: 'the 百千万 targets belong to one city; the caller is above several' },
  ]);
}

/** Only the city's poverty office (or an admin) sets the breakdown list (SPEC §1). */
function maySetTargets(user: AuthUser): boolean {
  return user.role === 'admin' || (user.role === 'poverty_office' && scopeOf(user).kind === 'all');
}

export class TargetsService {
  constructor(private readonly dataSource: DataSource) {}

  async get(context: AuthenticatedContext): Promise<TargetsDto> {
    const manager = this.dataSource.manager;
    return loadTargets(manager, await programmeCity(manager, context.user));
  }

  /**
   * Replaces the whole breakdown list at once (SPEC §3). Nothing is written unless every line names a
   * county of the city or a bank, nothing is listed twice, and both breakdowns add up to the city.
   */
  async replace(context: AuthenticatedContext, input: TargetsInput): Promise<TargetsDto> {
    if (!maySetTargets(context.user)) {
      throw new DomainError('FORBIDDEN', 'only the city poverty office or an admin sets the task breakdown list');
    }
    return inTransaction(this.dataSource, async (manager) => {
      // Two replacements at once would interleave their deletes and inserts; one waits for the other.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [TARGETS_LOCK_KEY]);
      const city = await programmeCity(manager, context.user);
      const problems: Array<Problem | ReturnType<typeof breakdownMismatches>[number]> = [
        ...(await countyProblems(manager, city, input.counties.map((c) => c.regionCode))),
        ...(await bankProblems(manager, input.banks.map((b) => b.bankId))),
        ...breakdownMismatches(input.city, { counties: input.counties, banks: input.banks }),
      ];
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the task breakdown list breaks its rules', problems);
      const before = await loadTargets(manager, city);
      await manager.query('DELETE FROM targets');
      const now = new Date();
      const line = (counts: TargetCounts) => ({
        enterprises: counts.enterprises,
        demonstrationHouseholds: counts.demonstrationHouseholds,
        linkedHouseholds: counts.linkedHouseholds,
        updatedBy: context.user.id,
        updatedAt: now,
      });
      await manager.getRepository(Target).insert([
        { scope: 'city', regionCode: city.code, bankId: null, ...line(input.city) },
        ...input.counties.map((c) => ({ scope: 'county' as const, regionCode: c.regionCode, bankId: null, ...line(c) })),
        ...input.banks.map((b) => ({ scope: 'bank' as const, regionCode: null, bankId: b.bankId, ...line(b) })),
      ]);
      const after = await loadTargets(manager, city);
      await recordAudit(manager, context, {
        action: 'replace',
        entityType: 'targets',
        entityId: city.code,
        before,
        after,
        regionPath: city.path,
      });
      return after;
    });
  }
}

interface TargetRow {
  scope: 'city' | 'county' | 'bank';
  region_code: string | null;
  bank_id: string | null;
  name: string;
  enterprises: number;
  demonstration_households: number;
  linked_households: number;
  updated_at: Date;
  updated_by: string | null;
}

async function loadTargets(manager: EntityManager, city: ProgrammeCity): Promise<TargetsDto> {
  const rows: TargetRow[] = await manager.query(
    `SELECT t.scope, t.region_code, t.bank_id, COALESCE(r.name, i.name) AS name,
            t.enterprises, t.demonstration_households, t.linked_households, t.updated_at, t.updated_by
       FROM targets t
       LEFT JOIN regions r ON r.code = t.region_code
       LEFT JOIN institutions i ON i.id = t.bank_id
      ORDER BY t.scope, t.region_code, i.name`,
  );
  const counts = (row: TargetRow): TargetCounts => ({
    enterprises: row.enterprises,
    demonstrationHouseholds: row.demonstration_households,
    linkedHouseholds: row.linked_households,
  });
  const cityRow = rows.find((r) => r.scope === 'city' && r.region_code === city.code);
  const latest = rows.reduce<TargetRow | undefined>((a, b) => (!a || b.updated_at > a.updated_at ? b : a), undefined);
  return {
    city: { regionCode: city.code, name: city.name, ...(cityRow ? counts(cityRow) : ZERO) },
    counties: rows.filter((r) => r.scope === 'county').map((r) => ({ regionCode: r.region_code!, name: r.name, ...counts(r) })),
    banks: rows.filter((r) => r.scope === 'bank').map((r) => ({ bankId: r.bank_id!, name: r.name, ...counts(r) })),
    updatedAt: latest ? latest.updated_at.toISOString() : null,
    updatedBy: latest?.updated_by ?? null,
  };
}

async function countyProblems(manager: EntityManager, city: ProgrammeCity, codes: readonly string[]): Promise<Problem[]> {
  const problems: Problem[] = duplicates(codes).map((code) => ({
    field: 'counties',
    rule: 'NO_DUPLICATES',
    message: `county ${code} is listed more than once`,
  }));
  const found: Array<{ code: string; level: string; parent_code: string | null }> = await manager.query(
    'SELECT code, level, parent_code FROM regions WHERE code = ANY($1::varchar[])',
    [codes],
  );
  const byCode = new Map(found.map((r) => [r.code, r]));
  codes.forEach((code, index) => {
    const region = byCode.get(code);
    const field = `counties[${index}].regionCode`;
    if (!region) problems.push({ field, rule: 'REGION_EXISTS', message: `region ${code} does not exist` });
    else if (region.level !== 'county') {
      problems.push({ field, rule: 'COUNTY_OF_CITY', message: `region ${code} is a ${region.level}; a county line names a county or district` });
    } else if (region.parent_code !== city.code) {
      problems.push({ field, rule: 'COUNTY_OF_CITY', message: `county ${code} is not in ${city.name} (${city.code})` });
    }
  });
  return problems;
}

async function bankProblems(manager: EntityManager, bankIds: readonly string[]): Promise<Problem[]> {
  const problems: Problem[] = duplicates(bankIds).map((id) => ({ field: 'banks', rule: 'NO_DUPLICATES', message: `bank ${id} is listed more than once` }));
  const found: Array<{ id: string; type: string }> = await manager.query('SELECT id, type FROM institutions WHERE id = ANY($1::uuid[])', [bankIds]);
  const byId = new Map(found.map((i) => [i.id, i]));
  bankIds.forEach((id, index) => {
    const institution = byId.get(id);
    const field = `banks[${index}].bankId`;
    if (!institution) problems.push({ field, rule: 'BANK_EXISTS', message: `institution ${id} does not exist` });
    else if (institution.type !== 'bank') {
      problems.push({ field, rule: 'BANK_HEAD_OFFICE', message: `institution ${id} is a ${institution.type}; a bank line names a bank's head office` });
    }
  });
  return problems;
}

