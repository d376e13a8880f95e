import { randomUUID } from 'node:crypto';
import { compareDates, type IsoDate } from '../../core/dates';
import { formatMoney, parseMoney } from '../../core/money';
import { isInScope, scopeOf, type DataScope } from '../../shared/auth/scope';
import type { LinkageSourceKind, LinkageType } from '../linkages/linkage.entity';
import { recordAuditForEach } from '../audit/audit.service';
import { activeDaysSql, demonstrationSourceProblem, toLinkageDto, type LinkageDtoSource, type NewLinkage } from '../linkages/linkages.service';
import { insertRows, type BulkColumn } from './bulk';
import type { ImportJob, ImportSummary } from './import-job';
import { distinct, type CheckedRow, type ProblemLog } from './rows';

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
  demonstration_since: string | null;
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
  refuseOverlapsInFile(records, problems);
  await refuseOverlapsWithRegister(job, records);
  problems.throwIfAny();

  await insertRows(manager, 'linkages', linkageColumns(job.context.user.id), records);
  // Each linkage's audit entry, as LinkagesService.create writes it.
  await recordAuditForEach(manager, job.context, { action: 'create', entityType: 'linkage' }, records.map((r) => ({ entityId: r.id, after: toLinkageDto(storedAs(r), job.today), regionPath: r.regionPath })));
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
      : await manager.query('SELECT id, household_number, region_path, is_demonstration, demonstration_since::text FROM households WHERE household_number = ANY($1::varchar[])', [numbers]);
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
    else if (!isInScope(found.scope, { regionPath: source.region_path })) add('sourceHouseholdNumber', 'SOURCE_IN_YOUR_REGION', 'the source household is registered outside your region');
    else {
      const problem = demonstrationSourceProblem({ isDemonstration: source.is_demonstration, demonstrationSince: source.demonstration_since }, value.startDate);
      if (problem) add('sourceHouseholdNumber', 'SOURCE_IS_DEMONSTRATION', problem);
    }
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

/**
 * One active linkage per (source, household, type) on any day (SPEC §3), within the file. A row is
 * not ended yet, so it is active from startDate to endDate (or with no end). Each triple's rows are
 * swept in start order against the one reaching furthest so far, which any overlap must meet: of
 * two overlapping rows the later in the file is refused, naming the other.
 */
function refuseOverlapsInFile(records: LinkageRecord[], problems: ProblemLog): void {
  const byTriple = new Map<string, LinkageRecord[]>();
  for (const r of records) {
    const triple = `${r.sourceId}|${r.householdId}|${r.type}`;
    const group = byTriple.get(triple);
    if (group) group.push(r);
    else byTriple.set(triple, [r]);
  }
  const refused = new Set<number>();
  for (const group of byTriple.values()) {
    if (group.length < 2) continue;
    const byStart = [...group].sort((a, b) => compareDates(a.input.startDate as IsoDate, b.input.startDate as IsoDate) || a.row - b.row);
    let reach = byStart[0]!;
    for (const r of byStart.slice(1)) {
      const reachEnd = reach.input.endDate as IsoDate | undefined;
      if (reachEnd === undefined || compareDates(r.input.startDate as IsoDate, reachEnd) <= 0) {
        const [first, later] = reach.row < r.row ? [reach, r] : [r, reach];
        if (!refused.has(later.row)) {
          refused.add(later.row);
          problems.add({ row: later.row, column: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: `the same source, household and type are on row ${first.row} for some of the same days` });
        }
      }
      if (reachEnd !== undefined && (r.input.endDate === undefined || compareDates(r.input.endDate as IsoDate, reachEnd) > 0)) reach = r;
    }
  }
}

/** The same, against the linkages already in the register (ended or not, by their active days), in one query. */
async function refuseOverlapsWithRegister({ manager, problems }: ImportJob<LinkageRow>, records: LinkageRecord[]): Promise<void> {
  if (records.length === 0) return;
  const overlapping: Array<{ ordinal: string; id: string }> = await manager.query(
    `SELECT DISTINCT ON (f.ordinal) f.ordinal::text AS ordinal, l.id
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::date[]) WITH ORDINALITY AS f(source_id, household_id, type, start_date, end_date, ordinal)
       JOIN linkages l ON l.source_id = f.source_id AND l.household_id = f.household_id AND l.type = f.type
      WHERE ${activeDaysSql('l')} && daterange(f.start_date, f.end_date + 1)
      ORDER BY f.ordinal, l.start_date`,
    [
      records.map((r) => r.sourceId),
      records.map((r) => r.householdId),
      records.map((r) => r.type),
      records.map((r) => r.input.startDate),
      records.map((r) => r.input.endDate ?? null),
    ],
  );
  for (const { ordinal, id } of overlapping) {
    const r = records[Number(ordinal) - 1]!;
    problems.add({ row: r.row, column: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: `linkage ${id} of this type between this source and household is active on some of these days; end it first` });
  }
}

/** The linkage as its row stores it (linkageColumns). */
function storedAs(r: LinkageRecord): LinkageDtoSource {
  const { input } = r;
  return {
    id: r.id,
    sourceKind: r.sourceKind,
    sourceId: r.sourceId,
    householdId: r.householdId,
    type: r.type,
    agreementNumber: input.agreementNumber ?? null,
    startDate: input.startDate,
    endDate: input.endDate ?? null,
    agreedAnnualBenefit: parseMoney(input.agreedAnnualBenefit),
    endedOn: null,
    endReason: null,
  };
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
