import { randomUUID } from 'node:crypto';
import { compareDates, type IsoDate } from '../../core/dates';
import { formatMoney, parseMoney } from '../../core/money';
import { isInScope, scopeOf, type DataScope } from '../../shared/auth/scope';
import type { LinkageSourceKind, LinkageType } from '../linkages/linkage.entity';
import type { NewLinkage } from '../linkages/linkages.service';
import { insertRows, type BulkColumn } from './bulk';
import type { ImportJob, ImportSummary } from './import-job';
import { distinct, refuseRepeats, type CheckedRow, type ProblemLog } from './rows';

/**
 * Linkages from a file (SPEC §3, §9): the file names the source by the enterprise's USCC or the
 * demonstration household's household number, and the household by its household number; the
 * rules are those of LinkagesService.create, checked for all rows with four queries.
 */
export interface LinkageRow extends Omit<NewLinkage, 'sourceId' | 'householdId'> {
  sourceUscc?: string;
  sourceHouseholdNumber?: string;
  householdNumber: string;
}

interface EnterpriseRef {
  id: string;
  uscc: string;
  status: string;
}

interface HouseholdRef {
  id: string;
  household_number: string;
  region_path: string;
  is_demonstration: boolean;
}

interface LinkageRecord {
  row: number;
  id: string;
  input: LinkageRow;
  sourceKind: LinkageSourceKind;
  sourceId: string;
  householdId: string;
  type: LinkageType;
  regionPath: string;
}

interface Found {
  enterprises: Map<string, EnterpriseRef>;
  households: Map<string, HouseholdRef>;
  scope: DataScope;
}

export async function importLinkages(job: ImportJob<LinkageRow>): Promise<ImportSummary> {
  const { manager, rows, problems } = job;
  const found = await lookUp(job);
  const records = rows.map((row) => resolve(row, found, problems)).filter((r): r is LinkageRecord => r !== undefined);
  const tripleOf = (r: LinkageRecord) => `${r.sourceId}|${r.householdId}|${r.type}`;
  refuseRepeats(records, tripleOf, (first) => ({ column: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: `the same source, household and type are on row ${first}` }), problems);
  await refuseActiveDuplicates(job, records);
  problems.throwIfAny();

  await insertRows(manager, 'linkages', linkageColumns(job.context.user.id), records);
  const fromEnterprises = records.filter((r) => r.sourceKind === 'enterprise').length;
  return {
    rowsImported: records.length,
    counts: { fromEnterprises, fromHouseholds: records.length - fromEnterprises },
    regionPaths: distinct(records.map((r) => r.regionPath)),
  };
}

async function lookUp({ manager, context, rows }: ImportJob<LinkageRow>): Promise<Found> {
  const usccs = distinct(rows.map((r) => r.value.sourceUscc));
  const numbers = distinct(rows.flatMap((r) => [r.value.householdNumber, r.value.sourceHouseholdNumber]));
  const enterprises: EnterpriseRef[] = usccs.length === 0 ? [] : await manager.query('SELECT id, uscc, status FROM enterprises WHERE uscc = ANY($1::varchar[])', [usccs]);
  const households: HouseholdRef[] =
    numbers.length === 0
      ? []
      : await manager.query('SELECT id, household_number, region_path, is_demonstration FROM households WHERE household_number = ANY($1::varchar[])', [numbers]);
  return {
    enterprises: new Map(enterprises.map((e) => [e.uscc, e])),
    households: new Map(households.map((h) => [h.household_number, h])),
    scope: scopeOf(context.user),
  };
}

/** One row's rules; the record to write when the row is whole and breaks none. */
function resolve({ row, value, refused }: CheckedRow<LinkageRow>, found: Found, problems: ProblemLog): LinkageRecord | undefined {
  let broken = refused.size > 0;
  const add = (column: string, rule: string, message: string) => {
    problems.add({ row, column, rule, message });
    broken = true;
  };
  const household = value.householdNumber === undefined ? undefined : found.households.get(value.householdNumber);
  if (value.householdNumber !== undefined && !household) add('householdNumber', 'HOUSEHOLD_EXISTS', 'the household does not exist');
  else if (household && !isInScope(found.scope, { regionPath: household.region_path })) {
    add('householdNumber', 'HOUSEHOLD_IN_YOUR_REGION', 'the household is registered outside your region');
  }
  let sourceId: string | undefined;
  if (value.sourceKind === 'enterprise' && value.sourceUscc !== undefined) {
    const enterprise = found.enterprises.get(value.sourceUscc);
    if (!enterprise) add('sourceUscc', 'SOURCE_EXISTS', 'the enterprise does not exist');
    else if (enterprise.status !== 'active') add('sourceUscc', 'SOURCE_ACTIVE', 'the enterprise is not active');
    sourceId = enterprise?.id;
  } else if (value.sourceKind === 'household' && value.sourceHouseholdNumber !== undefined) {
    const source = found.households.get(value.sourceHouseholdNumber);
    if (!source) add('sourceHouseholdNumber', 'SOURCE_EXISTS', 'the source household does not exist');
    else if (!source.is_demonstration) add('sourceHouseholdNumber', 'SOURCE_IS_DEMONSTRATION', 'only a demonstration household can be the source of a linkage');
    if (value.sourceHouseholdNumber === value.householdNumber) add('sourceHouseholdNumber', 'NOT_SELF', 'a household cannot be linked to itself');
    sourceId = source?.id;
  }
  if (value.endDate && value.startDate && compareDates(value.endDate as IsoDate, value.startDate as IsoDate) < 0) {
    add('endDate', 'END_AFTER_START', 'the end date is before the start date');
  }
  if (broken || !household || !sourceId) return undefined;
  const input = value as LinkageRow;
  return { row, id: randomUUID(), input, sourceKind: input.sourceKind, sourceId, householdId: household.id, type: input.type, regionPath: household.region_path };
}

/** One active linkage per (source, household, type): those already in the register, in one query. */
async function refuseActiveDuplicates({ manager, problems }: ImportJob<LinkageRow>, records: LinkageRecord[]): Promise<void> {
  if (records.length === 0) return;
  const active: Array<{ source_id: string; household_id: string; type: string }> = await manager.query(
    `SELECT l.source_id, l.household_id, l.type
       FROM linkages l
       JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS f(source_id, household_id, type)
         ON l.source_id = f.source_id AND l.household_id = f.household_id AND l.type = f.type
      WHERE l.ended_on IS NULL`,
    [records.map((r) => r.sourceId), records.map((r) => r.householdId), records.map((r) => r.type)],
  );
  const taken = new Set(active.map((a) => `${a.source_id}|${a.household_id}|${a.type}`));
  for (const r of records) {
    if (taken.has(`${r.sourceId}|${r.householdId}|${r.type}`)) {
      problems.add({ row: r.row, column: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: 'an active linkage of this type between this source and household exists; end it first' });
    }
  }
}

const linkageColumns = (userId: string): Array<BulkColumn<LinkageRecord>> => [
  ['id', 'uuid', (r) => r.id],
  ['source_kind', 'text', (r) => r.sourceKind],
  ['source_id', 'uuid', (r) => r.sourceId],
  ['source_enterprise_id', 'uuid', (r) => (r.sourceKind === 'enterprise' ? r.sourceId : null)],
  ['source_household_id', 'uuid', (r) => (r.sourceKind === 'household' ? r.sourceId : null)],
  ['household_id', 'uuid', (r) => r.householdId],
  ['type', 'text', (r) => r.type],
  ['agreement_number', 'text', (r) => r.input.agreementNumber ?? null],
  ['start_date', 'date', (r) => r.input.startDate],
  ['end_date', 'date', (r) => r.input.endDate ?? null],
  ['agreed_annual_benefit', 'numeric', (r) => formatMoney(parseMoney(r.input.agreedAnnualBenefit))],
  ['region_path', 'text', (r) => r.regionPath],
  ['created_by', 'uuid', () => userId],
];
