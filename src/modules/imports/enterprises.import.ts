import { randomUUID } from 'node:crypto';
import { validateUscc } from '../../core/identifiers';
import { isInScope, scopeOf } from '../../shared/auth/scope';
import { recordAuditForEach } from '../audit/audit.service';
import { toEnterpriseDto, type NewEnterprise } from '../enterprises/enterprises.service';
import { existing, insertRows, regionsByCode, type BulkColumn, type RegionRow } from './bulk';
import type { ImportJob, ImportSummary } from './import-job';
import { distinct, refuseRepeats } from './rows';

/** Enterprises from a file (SPEC §3, §9): the rules of EnterprisesService.create, for all rows at once. */
interface EnterpriseRecord {
  id: string;
  input: NewEnterprise;
  region: RegionRow;
}

export async function importEnterprises(job: ImportJob<NewEnterprise>): Promise<ImportSummary> {
  const { manager, rows, problems } = job;
  for (const { row, value } of rows) {
    if (value.uscc === undefined) continue;
    const check = validateUscc(value.uscc);
    if (!check.ok) problems.add({ row, column: 'uscc', rule: 'USCC_INVALID', message: check.reason });
  }
  const regions = await regionsInScope(job);
  refuseRepeats(rows, (r) => r.value.uscc, (first) => ({ column: 'uscc', rule: 'DUPLICATE_IN_FILE', message: `the same unified social credit code is on row ${first}` }), problems);
  const registered = await existing(manager, 'enterprises', 'uscc', 'varchar', distinct(rows.map((r) => r.value.uscc)));
  for (const { row, value } of rows) {
    if (value.uscc !== undefined && registered.has(value.uscc)) {
      problems.add({ row, column: 'uscc', rule: 'UNIQUE', message: 'an enterprise with this unified social credit code is registered' });
    }
  }
  problems.throwIfAny();

  const records: EnterpriseRecord[] = rows.map(({ row, value }) => ({ id: randomUUID(), input: value as NewEnterprise, region: regions.get(row)! }));
  await insertRows(manager, 'enterprises', ENTERPRISE_COLUMNS, records);
  // Each enterprise's audit entry, as EnterprisesService.create writes it.
  await recordAuditForEach(manager, job.context, { action: 'create', entityType: 'enterprise' }, records.map((r) => ({ entityId: r.id, after: toEnterpriseDto(storedAs(r)), regionPath: r.region.path })));
  const counts: Record<string, number> = {};
  for (const { input } of records) counts[input.kind] = (counts[input.kind] ?? 0) + 1;
  return { rowsImported: records.length, counts, regionPaths: distinct(records.map((r) => r.region.path)) };
}

/** An enterprise is registered in a county, township or village within the caller's region. */
async function regionsInScope({ manager, context, rows, problems }: ImportJob<NewEnterprise>): Promise<Map<number, RegionRow>> {
  const regions = await regionsByCode(manager, distinct(rows.map((r) => r.value.regionCode)));
  const scope = scopeOf(context.user);
  const found = new Map<number, RegionRow>();
  for (const { row, value } of rows) {
    if (value.regionCode === undefined) continue;
    const region = regions.get(value.regionCode);
    if (!region || region.level === 'city' || region.level === 'province') {
      problems.add({ row, column: 'regionCode', rule: 'REGION_COUNTY_OR_BELOW', message: 'an enterprise is registered in a county, township or village' });
    } else if (!isInScope(scope, { regionPath: region.path })) {
      problems.add({ row, column: 'regionCode', rule: 'REGION_IN_YOUR_SCOPE', message: 'the region is outside your own' });
    } else {
      found.set(row, region);
    }
  }
  return found;
}

/** The enterprise as its row stores it (ENTERPRISE_COLUMNS). */
function storedAs(r: EnterpriseRecord) {
  const { input } = r;
  return { id: r.id, name: input.name, uscc: input.uscc, kind: input.kind, regionCode: r.region.code, industry: input.industry ?? null, legalRepresentative: input.legalRepresentative ?? null, status: 'active' as const };
}

const ENTERPRISE_COLUMNS: Array<BulkColumn<EnterpriseRecord>> = [
  ['id', 'uuid', (r) => r.id],
  ['name', 'text', (r) => r.input.name],
  ['uscc', 'text', (r) => r.input.uscc],
  ['kind', 'text', (r) => r.input.kind],
  ['region_code', 'text', (r) => r.region.code],
  ['industry', 'text', (r) => r.input.industry ?? null],
  ['legal_representative', 'text', (r) => r.input.legalRepresentative ?? null],
  ['status', 'text', () => 'active'],
];
