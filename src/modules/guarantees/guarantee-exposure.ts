import type { DataSource, EntityManager } from 'typeorm';
import { invariant } from '../../core/errors';
import { Decimal, floorToFen, formatMoney, sumMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { regionPathPattern, scopeOf } from '../../shared/auth/scope';
import { notFound } from '../../shared/http/errors';
import { Institution } from '../institutions/institution.entity';
import { IN_FORCE_LOAN_STATUSES, leverageCapacity, singleClientCapacity, type GuarantorLimits } from './guarantee.rules';

/**
 * A guarantor's outstanding guaranteed amount (SPEC §5): over its approved guarantees whose loans are
 * in force, outstanding principal × coverage, each rounded half-up to the fen and then summed (§6.5),
 * so that the limit check and the exposure report count the very same lines.
 */
const OUTSTANDING_LINE = `round(l.outstanding_principal * g.coverage_ratio, 2)`;
const IN_FORCE = `g.status = 'approved' AND l.status IN (${IN_FORCE_LOAN_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** The guarantor's total and one client's (a household or an enterprise) outstanding guaranteed amounts. */
export async function outstandingGuaranteed(
  manager: EntityManager,
  guarantorId: string,
  client: { householdId: string | null; enterpriseId: string | null },
): Promise<{ outstanding: Decimal; clientOutstanding: Decimal }> {
  const [row]: Array<{ total: string; client: string }> = await manager.query(
    `SELECT coalesce(sum(${OUTSTANDING_LINE}), 0)::text AS total,
            coalesce(sum(${OUTSTANDING_LINE}) FILTER (WHERE l.household_id = $2::uuid OR l.enterprise_id = $3::uuid), 0)::text AS client
       FROM guarantees g JOIN loans l ON l.id = g.loan_id
      WHERE g.guarantor_id = $1 AND ${IN_FORCE}`,
    [guarantorId, client.householdId, client.enterpriseId],
  );
  return { outstanding: new Decimal(row!.total), clientOutstanding: new Decimal(row!.client) };
}

export interface ExposureLine {
  count: number;
  outstandingGuaranteed: string;
}

export interface GuarantorExposureDto {
  guarantorId: string;
  name: string;
  netAssets: string;
  leverageLimit: string;
  singleClientLimitRatio: string;
  /** Net assets × leverage, floored to the fen. */
  capacity: string;
  /** Net assets × single-client ratio, floored to the fen. */
  singleClientLimit: string;
  /**
   * The region the guarantee figures below cover (county staff: their county), or null for the
   * whole guarantor. Capacity and capacity left are always the guarantor's.
   */
  regionPath: string | null;
  guaranteesInForce: number;
  outstandingGuaranteed: string;
  /** Capacity − the guarantor's whole outstanding guaranteed amount: what its approvals are checked against. */
  capacityLeft: string;
  /** Applications waiting for a decision: not yet counted against the limits. */
  pending: ExposureLine;
  byModel: Array<ExposureLine & { modelCode: string; modelName: string }>;
  byCounty: Array<ExposureLine & { countyCode: string; countyName: string }>;
}

interface GroupRow {
  model_code: string;
  model_name: string;
  county_code: string;
  county_name: string | null;
  count: number;
  outstanding: string;
}

const BY_MODEL_AND_COUNTY_SQL = `
  SELECT l.model_code, m.name_zh AS model_name, split_part(l.region_path, '/', 2) AS county_code, r.name AS county_name,
         count(*)::int AS count, sum(${OUTSTANDING_LINE})::text AS outstanding
    FROM guarantees g
    JOIN loans l ON l.id = g.loan_id
    JOIN financing_models m ON m.code = l.model_code
    LEFT JOIN regions r ON r.code = split_part(l.region_path, '/', 2)
   WHERE g.guarantor_id = $1 AND ${IN_FORCE} AND ($2::text IS NULL OR l.region_path LIKE $2)
   GROUP BY l.model_code, m.name_zh, split_part(l.region_path, '/', 2), r.name
   ORDER BY l.model_code, county_code`;

const PENDING_SQL = `
  SELECT count(*)::int AS count, coalesce(sum(g.guaranteed_amount), 0)::text AS amount
    FROM guarantees g
    JOIN loans l ON l.id = g.loan_id
   WHERE g.guarantor_id = $1 AND g.status = 'pending' AND ($2::text IS NULL OR l.region_path LIKE $2)`;

/**
 * SPEC §11 GET /guarantors/:id/exposure: outstanding guaranteed, capacity left, by model and county.
 * Scope (SPEC §9): county staff get the guarantees of loans in their county only (in force, pending,
 * by model, by county). The guarantor's limits and its capacity left stay whole: they are the
 * guarantor's, name no loan or county, and are what an approval in any county is checked against.
 */
export class GuarantorExposureService {
  constructor(private readonly dataSource: DataSource) {}

  async exposure(context: AuthenticatedContext, guarantorId: string): Promise<GuarantorExposureDto> {
    const guarantor = await this.dataSource.getRepository(Institution).findOneBy({ id: guarantorId });
    if (!guarantor || guarantor.type !== 'guarantee_company') throw notFound('guarantor');
    const scope = scopeOf(context.user);
    invariant(scope.kind === 'all' || scope.kind === 'region', 'only finance staff, auditors and admins read a guarantor\'s exposure', { role: context.user.role });
    const regionPath = scope.kind === 'region' ? scope.regionPath : null;
    const pattern = regionPath === null ? null : regionPathPattern(regionPath);
    const limits = limitsOf(guarantor);
    const rows: GroupRow[] = await this.dataSource.query(BY_MODEL_AND_COUNTY_SQL, [guarantorId, pattern]);
    const [pending]: Array<{ count: number; amount: string }> = await this.dataSource.query(PENDING_SQL, [guarantorId, pattern]);
    const outstanding = sumMoney(rows.map((r) => new Decimal(r.outstanding)));
    const guarantorOutstanding =
      regionPath === null ? outstanding : (await outstandingGuaranteed(this.dataSource.manager, guarantorId, { householdId: null, enterpriseId: null })).outstanding;
    const capacity = floorToFen(leverageCapacity(limits));
    return {
      guarantorId,
      name: guarantor.name,
      netAssets: formatMoney(guarantor.netAssets!),
      leverageLimit: guarantor.leverageLimit!.toFixed(),
      singleClientLimitRatio: guarantor.singleClientLimitRatio!.toFixed(),
      capacity: formatMoney(capacity),
      singleClientLimit: formatMoney(floorToFen(singleClientCapacity(limits))),
      regionPath,
      guaranteesInForce: rows.reduce((n, r) => n + r.count, 0),
      outstandingGuaranteed: formatMoney(outstanding),
      capacityLeft: formatMoney(capacity.minus(guarantorOutstanding)),
      pending: { count: pending!.count, outstandingGuaranteed: formatMoney(new Decimal(pending!.amount)) },
      byModel: groupBy(rows, (r) => r.model_code, (r) => ({ modelCode: r.model_code, modelName: r.model_name })),
      byCounty: groupBy(rows, (r) => r.county_code, (r) => ({ countyCode: r.county_code, countyName: r.county_name ?? r.county_code })),
    };
  }
}

/** A guarantee company's limits; the schema guarantees they are set (institutions_guarantor_check). */
export function limitsOf(guarantor: Institution): GuarantorLimits {
  return { netAssets: guarantor.netAssets!, leverageLimit: guarantor.leverageLimit!, singleClientLimitRatio: guarantor.singleClientLimitRatio! };
}

/** Sums the (model, county) rows into one dimension; each total is the sum of already-rounded lines. */
function groupBy<K extends object>(rows: readonly GroupRow[], keyOf: (r: GroupRow) => string, labelOf: (r: GroupRow) => K): Array<K & ExposureLine> {
  const groups = new Map<string, { label: K; count: number; amounts: Decimal[] }>();
  for (const row of rows) {
    const group = groups.get(keyOf(row)) ?? { label: labelOf(row), count: 0, amounts: [] };
    group.count += row.count;
    group.amounts.push(new Decimal(row.outstanding));
    groups.set(keyOf(row), group);
  }
  return [...groups.values()].map((g) => ({ ...g.label, count: g.count, outstandingGuaranteed: formatMoney(sumMoney(g.amounts)) }));
}
