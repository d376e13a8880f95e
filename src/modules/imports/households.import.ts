import { randomUUID } from 'node:crypto';
import type { IsoDate } from '../../core/dates';
import { isInScope, scopeOf } from '../../shared/auth/scope';
import { recordAuditForEach } from '../audit/audit.service';
import type { HouseholdStatus } from '../households/household.entity';
import { maskedHouseholdDto, registrationDateProblems, type HouseholdsService, type NewHousehold } from '../households/households.service';
import { existing, insertRows, regionsByCode, type BulkColumn, type RegionRow } from './bulk';
import type { ImportJob, ImportSummary } from './import-job';
import { distinct, refuseRepeats, type CheckedRow } from './rows';

/**
 * Households from a file (SPEC §3, §9): the single-record rules of HouseholdsService.create, checked
 * for all rows with a handful of queries, then written in chunks with their history rows and, as
 * create writes it, each household's audit entry with its masked record.
 */
type Sealed = ReturnType<HouseholdsService['sealIdNumber']>;

interface HouseholdRecord {
  id: string;
  input: NewHousehold;
  sealed: Sealed;
  regionPath: string;
  status: HouseholdStatus;
  statusSince: string;
  demonstrationSince: string | null;
}

export async function importHouseholds(job: ImportJob<NewHousehold>, households: HouseholdsService): Promise<ImportSummary> {
  const sealed = sealIdNumbers(job, households);
  const villages = await villagesInScope(job);
  checkCounts(job);
  // Saying that a row's ID number is registered answers a search by ID number: at most as many as the
  // user has left (none: 429), each recorded as one (HouseholdsService.idNumberAnswersLeft).
  const answersLeft = sealed.size > 0 ? await households.idNumberAnswersLeft(job.context) : 0;
  const registered = await refuseDuplicates(job, sealed, answersLeft);
  await households.recordRegisteredIdNumbers(job.context, registered);
  job.problems.throwIfAny();

  // Every row passed every check, so every field the schema requires is present.
  const records = job.rows.map(({ row, value }) => toRecord(value as NewHousehold, sealed.get(row)!, villages.get(row)!, job.today));
  const demonstration = records.filter((r) => r.demonstrationSince !== null);
  await insertRows(job.manager, 'households', HOUSEHOLD_COLUMNS, records);
  await insertRows(job.manager, 'household_history', statusHistoryColumns(job.context.user.id), records);
  await insertRows(job.manager, 'household_history', demonstrationHistoryColumns(job.context.user.id), demonstration);
  await recordAuditForEach(
    job.manager,
    job.context,
    { action: 'create', entityType: 'household' },
    records.map((r) => ({ entityId: r.id, after: maskedHouseholdDto(storedAs(r), job.today), regionPath: r.regionPath })),
  );
  return {
    rowsImported: records.length,
    counts: { demonstrationHouseholds: demonstration.length },
    regionPaths: distinct(records.map((r) => r.regionPath)),
  };
}

/** ID number rules (HouseholdsService.checkIdNumber); valid numbers are sealed once, for the hash and the row. */
function sealIdNumbers({ rows, problems, today }: ImportJob<NewHousehold>, households: HouseholdsService): Map<number, Sealed> {
  const sealed = new Map<number, Sealed>();
  for (const { row, value } of rows) {
    if (value.idNumber === undefined) continue;
    const idProblems = households.checkIdNumber(value.idNumber, today);
    for (const p of idProblems) problems.add({ row, column: 'idNumber', rule: p.rule, message: p.message });
    if (idProblems.length === 0) sealed.set(row, households.sealIdNumber(value.idNumber));
  }
  return sealed;
}

async function villagesInScope({ manager, context, rows, problems }: ImportJob<NewHousehold>): Promise<Map<number, RegionRow>> {
  const regions = await regionsByCode(manager, distinct(rows.map((r) => r.value.villageCode)));
  const scope = scopeOf(context.user);
  const villages = new Map<number, RegionRow>();
  for (const { row, value } of rows) {
    if (value.villageCode === undefined) continue;
    const village = regions.get(value.villageCode);
    if (!village || village.level !== 'village') {
      problems.add({ row, column: 'villageCode', rule: 'VILLAGE_EXISTS', message: 'the village does not exist' });
    } else if (!isInScope(scope, { regionPath: village.path })) {
      problems.add({ row, column: 'villageCode', rule: 'VILLAGE_IN_YOUR_REGION', message: 'the village is outside your region' });
    } else {
      villages.set(row, village);
    }
  }
  return villages;
}

function checkCounts({ rows, problems, today }: ImportJob<NewHousehold>): void {
  for (const { row, value, refused } of rows) {
    for (const { field, rule, message } of registrationDateProblems(value, today)) problems.add({ row, column: field, rule, message });
    if (value.laborers !== undefined && value.members !== undefined && value.laborers > value.members) {
      problems.add({ row, column: 'laborers', rule: 'LABORERS_WITHIN_MEMBERS', message: 'laborers cannot exceed members' });
    }
    if (value.isDemonstration !== true && !refused.has('isDemonstration') && value.demonstrationSince !== undefined) {
      problems.add({ row, column: 'demonstrationSince', rule: 'DEMONSTRATION_DATE_ONLY_WHEN_DESIGNATED', message: 'only a demonstration household has a designation date' });
    }
  }
}

/**
 * Household numbers and ID numbers (by keyed hash) are unique in the file and in the whole register.
 * At most `answersLeft` rows are told their ID number is registered; once they are given, every later
 * row with an ID number is refused as unchecked, registered or not, so that the answers stop there.
 * Returns how many were told.
 */
async function refuseDuplicates({ manager, rows, problems }: ImportJob<NewHousehold>, sealed: Map<number, Sealed>, answersLeft: number): Promise<number> {
  const hashOf = (row: CheckedRow<NewHousehold>) => sealed.get(row.row)?.idNumberHash;
  refuseRepeats(rows, (r) => r.value.householdNumber, (first) => ({ column: 'householdNumber', rule: 'DUPLICATE_IN_FILE', message: `the same household number is on row ${first}` }), problems);
  refuseRepeats(rows, hashOf, (first) => ({ column: 'idNumber', rule: 'DUPLICATE_IN_FILE', message: `the same ID number is on row ${first}` }), problems);
  const numbers = await existing(manager, 'households', 'household_number', 'varchar', distinct(rows.map((r) => r.value.householdNumber)));
  const hashes = await existing(manager, 'households', 'id_number_hash', 'bpchar', distinct(rows.map(hashOf)));
  let registered = 0;
  for (const checked of rows) {
    const { row, value } = checked;
    if (value.householdNumber !== undefined && numbers.has(value.householdNumber)) {
      problems.add({ row, column: 'householdNumber', rule: 'UNIQUE', message: 'a household with this household number is registered' });
    }
    const hash = hashOf(checked);
    if (hash !== undefined && registered >= answersLeft) {
      problems.add({ row, column: 'idNumber', rule: 'NOT_CHECKED', message: 'not checked against the register: your searches by ID number for this hour are used up' });
    } else if (hash !== undefined && hashes.has(hash)) {
      problems.add({ row, column: 'idNumber', rule: 'UNIQUE', message: 'a household with this ID number is registered' });
      registered += 1;
    }
  }
  return registered;
}

function toRecord(input: NewHousehold, sealed: Sealed, village: RegionRow, today: IsoDate): HouseholdRecord {
  const demonstration = input.isDemonstration ?? false;
  return {
    id: randomUUID(),
    input,
    sealed,
    regionPath: village.path,
    status: input.status ?? 'poor',
    statusSince: input.statusSince ?? today,
    demonstrationSince: demonstration ? (input.demonstrationSince ?? today) : null,
  };
}

/** The household as its row stores it, for its masked record; the sealed ID number is not needed. */
function storedAs(r: HouseholdRecord) {
  return {
    id: r.id,
    householdNumber: r.input.householdNumber,
    headName: r.input.headName,
    idNumberMasked: r.sealed.idNumberMasked,
    birthDate: r.sealed.birthDate,
    phone: r.input.phone ?? null,
    villageCode: r.input.villageCode,
    regionPath: r.regionPath,
    members: r.input.members,
    laborers: r.input.laborers,
    status: r.status,
    statusSince: r.statusSince,
    isDemonstration: r.demonstrationSince !== null,
    demonstrationSince: r.demonstrationSince,
  };
}

const HOUSEHOLD_COLUMNS: Array<BulkColumn<HouseholdRecord>> = [
  ['id', 'uuid', (r) => r.id],
  ['household_number', 'text', (r) => r.input.householdNumber],
  ['head_name', 'text', (r) => r.input.headName],
  ['id_number_ciphertext', 'text', (r) => r.sealed.idNumberCiphertext],
  ['id_number_hash', 'text', (r) => r.sealed.idNumberHash],
  ['id_number_masked', 'text', (r) => r.sealed.idNumberMasked],
  ['birth_date', 'date', (r) => r.sealed.birthDate],
  ['phone', 'text', (r) => r.input.phone ?? null],
  ['village_code', 'text', (r) => r.input.villageCode],
  ['region_path', 'text', (r) => r.regionPath],
  ['members', 'int', (r) => r.input.members],
  ['laborers', 'int', (r) => r.input.laborers],
  ['status', 'text', (r) => r.status],
  ['status_since', 'date', (r) => r.statusSince],
  ['is_demonstration', 'boolean', (r) => r.demonstrationSince !== null],
  ['demonstration_since', 'date', (r) => r.demonstrationSince],
];

/** The first status history row, as HouseholdsService.create writes it. */
const statusHistoryColumns = (userId: string): Array<BulkColumn<HouseholdRecord>> => [
  ['household_id', 'uuid', (r) => r.id],
  ['kind', 'text', () => 'status'],
  ['status', 'text', (r) => r.status],
  ['effective_date', 'date', (r) => r.statusSince],
  ['reason', 'text', () => 'imported'],
  ['changed_by', 'uuid', () => userId],
];

const demonstrationHistoryColumns = (userId: string): Array<BulkColumn<HouseholdRecord>> => [
  ['household_id', 'uuid', (r) => r.id],
  ['kind', 'text', () => 'demonstration'],
  ['is_demonstration', 'boolean', () => true],
  ['effective_date', 'date', (r) => r.demonstrationSince],
  ['reason', 'text', () => 'imported'],
  ['changed_by', 'uuid', () => userId],
];
