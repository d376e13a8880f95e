import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { AuthUser } from './context';

/**
 * Data scope (SPEC §9): a bank's officers see only their bank; an enterprise only itself; county
 * staff only their county (by region path); city staff and admins everything.
 */
export type DataScope =
  | { kind: 'all' }
  | { kind: 'region'; regionPath: string }
  | { kind: 'bank'; bankId: string }
  | { kind: 'enterprise'; enterpriseId: string };

export function scopeOf(user: AuthUser): DataScope {
  switch (user.role) {
    case 'admin':
      return { kind: 'all' };
    case 'loan_officer':
      return { kind: 'bank', bankId: user.bankId! };
    case 'enterprise':
      return { kind: 'enterprise', enterpriseId: user.enterpriseId! };
    case 'finance_officer':
    case 'poverty_office':
    case 'auditor':
      return isCityStaff(user)
        ? { kind: 'all' }
        : { kind: 'region', regionPath: user.regionPath };
  }
}

/**
 * Staff of the city (or the province above it), as opposed to a county's: they see everything, and
 * only they change what holds for the whole city (the financing models, the reference rates).
 */
export function isCityStaff(user: AuthUser): boolean {
  return user.regionLevel === 'city' || user.regionLevel === 'province';
}

/**
 * Which columns of a query carry each scope dimension; a scope whose column is absent sees nothing.
 * Where a dimension is not a column of the row (an enterprise's households are those linked to it),
 * a `…Condition` gives the SQL instead, using the parameter `:scopeBankId` or `:scopeEnterpriseId`.
 */
export interface ScopeColumns {
  regionPath?: string;
  bankId?: string;
  bankCondition?: string;
  enterpriseId?: string;
  enterpriseCondition?: string;
}

/** Adds the caller's scope to a query (once per query). The one place scope becomes SQL. */
export function applyScope<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  scope: DataScope,
  columns: ScopeColumns,
): SelectQueryBuilder<T> {
  switch (scope.kind) {
    case 'all':
      return query;
    case 'region':
      return columns.regionPath
        ? query.andWhere(`${columns.regionPath} LIKE :scopeRegionPath`, { scopeRegionPath: regionPathPattern(scope.regionPath) })
        : query.andWhere('1 = 0');
    case 'bank': {
      const condition = columns.bankCondition ?? (columns.bankId && `${columns.bankId} = :scopeBankId`);
      return condition ? query.andWhere(condition, { scopeBankId: scope.bankId }) : query.andWhere('1 = 0');
    }
    case 'enterprise': {
      const condition = columns.enterpriseCondition ?? (columns.enterpriseId && `${columns.enterpriseId} = :scopeEnterpriseId`);
      return condition ? query.andWhere(condition, { scopeEnterpriseId: scope.enterpriseId }) : query.andWhere('1 = 0');
    }
  }
}

/** Whether one record, described by its scope dimensions, is visible to the caller. */
export function isInScope(scope: DataScope, record: { regionPath?: string | null; bankId?: string | null; enterpriseId?: string | null }): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'region':
      return !!record.regionPath && record.regionPath.startsWith(scope.regionPath);
    case 'bank':
      return record.bankId === scope.bankId;
    case 'enterprise':
      return record.enterpriseId === scope.enterpriseId;
  }
}

/**
 * The LIKE pattern matching a region path and every path under it, for hand-written SQL that cannot
 * go through applyScope (aggregates, CTEs): `column LIKE $n` with this as the parameter.
 */
export function regionPathPattern(regionPath: string): string {
  return `${escapeLike(regionPath)}%`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
