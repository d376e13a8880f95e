import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { addDays, addMonthsClamped, type IsoDate } from '../core/dates';
import { Decimal } from '../core/money';
import { generateSchedule } from '../core/schedules';
import { bulkInsert } from './bulk-insert';

/**
 * Demo loans, so that the 百千万 progress differs by bank as well as by county (issue 3 item 7).
 * Households borrow under 普惠授信 (inclusive_credit_line) and driving enterprises with signed
 * agreements under 带贫企业贷款 (enterprise_driven): neither needs a risk fund, both are eligible by
 * their version-1 rules. Every loan is disbursed after the 2026Q3 settlement date and before the
 * demo's as-of date, so nothing is due yet and the delinquency job finds them all current.
 * Choices are made by a hash of the borrower's id, so the same city gets the same loans.
 */
const FIRST_DISBURSEMENT = '2026-09-21' as IsoDate;
const DISBURSEMENT_SPREAD_DAYS = 40;
const HOUSEHOLD_RATE = '0.0435';
const ENTERPRISE_RATE = '0.0470';

/** Which branch lends in each county; the urban districts borrow from head offices. */
const LENDER_BY_COUNTY: Record<string, readonly string[]> = {
  '410225': ['abc-lankao', 'psbc-lankao'],
  '410221': ['abc-qixian'],
  '410212': ['abc-xiangfu'],
  '410223': ['rcb-weishi'],
  '410222': ['rcb-tongxu'],
  '410202': ['rcb', 'psbc'],
  '410203': ['abc', 'rcb'],
  '410204': ['psbc'],
  '410205': ['abc', 'psbc'],
};
/** Roughly one eligible household in this many borrows, varying by county. */
const HOUSEHOLD_SHARE_BY_COUNTY: Record<string, number> = { '410225': 3, '410221': 4, '410212': 5, '410223': 4, '410222': 6 };

interface DemoLoan {
  id: string;
  bankId: string;
  branchId: string;
  contractNumber: string;
  modelCode: string;
  modelVersionId: string;
  borrowerKind: 'household' | 'enterprise';
  householdId: string | null;
  enterpriseId: string | null;
  regionPath: string;
  principal: Decimal;
  rate: Decimal;
  disbursed: IsoDate;
  maturity: IsoDate;
  agreementNumber: string | null;
  drivenHouseholds: number | null;
  createdBy: string;
}

function pick(id: string, modulo: number): number {
  return crypto.createHash('sha256').update(id).digest().readUInt32BE(0) % modulo;
}

export async function insertDemoLoans(manager: EntityManager, institutionIds: Map<string, string>, userIds: Map<string, string>): Promise<number> {
  const versions: Array<{ model_code: string; id: string }> = await manager.query(
    `SELECT model_code, id FROM financing_model_versions WHERE model_code IN ('inclusive_credit_line', 'enterprise_driven') AND version = 1`,
  );
  const versionOf = new Map(versions.map((v) => [v.model_code, v.id]));
  const lender = (county: string, id: string) => {
    const keys = LENDER_BY_COUNTY[county] ?? ['abc'];
    return institutionIds.get(keys[pick(id, keys.length)]!)!;
  };
  const parents: Array<{ id: string; bank_id: string }> = await manager.query(
    `SELECT id, COALESCE(parent_id, id) AS bank_id FROM institutions WHERE type IN ('bank', 'bank_branch')`,
  );
  const bankOf = new Map(parents.map((p) => [p.id, p.bank_id]));
  const creatorOf = (bankId: string) =>
    userIds.get(bankId === institutionIds.get('abc') ? 'officer.abc' : bankId === institutionIds.get('rcb') ? 'officer.rcb' : 'admin')!;

  // Eligible households under model 10 (no status or age rule of its own): the poor and monitored.
  const households: Array<{ id: string; region_path: string; household_number: string }> = await manager.query(
    `SELECT id, region_path, household_number FROM households WHERE status IN ('poor', 'monitored') ORDER BY household_number`,
  );
  // Driving enterprises with a signed agreement and households they drive (SPEC §4 model 2).
  const enterprises: Array<{ id: string; path: string; driven: number; agreement: string }> = await manager.query(
    `SELECT e.id, r.path, count(DISTINCT l.household_id)::int AS driven, min(l.agreement_number) AS agreement
       FROM enterprises e JOIN regions r ON r.code = e.region_code
       JOIN linkages l ON l.source_enterprise_id = e.id AND l.ended_on IS NULL AND l.start_date <= $1 AND l.agreement_number IS NOT NULL
       JOIN households h ON h.id = l.household_id AND h.status IN ('poor', 'monitored')
      GROUP BY e.id, r.path ORDER BY e.id`,
    [FIRST_DISBURSEMENT],
  );
  const loans: DemoLoan[] = [];
  let sequence = 0;
  const add = (loan: Omit<DemoLoan, 'id' | 'bankId' | 'contractNumber' | 'createdBy' | 'maturity'>) => {
    sequence += 1;
    const bankId = bankOf.get(loan.branchId)!;
    loans.push({
      ...loan,
      id: crypto.randomUUID(),
      bankId,
      contractNumber: `DEMO-2026-${String(sequence).padStart(5, '0')}`,
      createdBy: creatorOf(bankId),
      maturity: addMonthsClamped(loan.disbursed, 12),
    });
  };
  for (const h of households) {
    const county = h.region_path.split('/')[1]!;
    if (pick(h.id, HOUSEHOLD_SHARE_BY_COUNTY[county] ?? 8) !== 0) continue;
    add({
      branchId: lender(county, h.id),
      modelCode: 'inclusive_credit_line',
      modelVersionId: versionOf.get('inclusive_credit_line')!,
      borrowerKind: 'household',
      householdId: h.id,
      enterpriseId: null,
      regionPath: h.region_path,
      principal: new Decimal(10000 + 1000 * pick(`${h.id}:p`, 21)),
      rate: new Decimal(HOUSEHOLD_RATE),
      disbursed: addDays(FIRST_DISBURSEMENT, pick(`${h.id}:d`, DISBURSEMENT_SPREAD_DAYS)),
      agreementNumber: null,
      drivenHouseholds: null,
    });
  }
  for (const e of enterprises) {
    if (pick(e.id, 3) === 0) continue;
    add({
      branchId: lender(e.path.split('/')[1]!, e.id),
      modelCode: 'enterprise_driven',
      modelVersionId: versionOf.get('enterprise_driven')!,
      borrowerKind: 'enterprise',
      householdId: null,
      enterpriseId: e.id,
      regionPath: e.path,
      principal: new Decimal(500000 + 100000 * pick(`${e.id}:p`, 16)),
      rate: new Decimal(ENTERPRISE_RATE),
      disbursed: addDays(FIRST_DISBURSEMENT, pick(`${e.id}:d`, DISBURSEMENT_SPREAD_DAYS)),
      agreementNumber: e.agreement,
      drivenHouseholds: e.driven,
    });
  }
  await writeLoans(manager, loans);
  return loans.length;
}

async function writeLoans(manager: EntityManager, loans: DemoLoan[]): Promise<void> {
  await bulkInsert(manager, 'loans', [
    ['id', 'uuid', (l) => l.id],
    ['bank_id', 'uuid', (l) => l.bankId],
    ['branch_id', 'uuid', (l) => l.branchId],
    ['contract_number', 'text', (l) => l.contractNumber],
    ['model_code', 'text', (l) => l.modelCode],
    ['model_version_id', 'uuid', (l) => l.modelVersionId],
    ['borrower_kind', 'text', (l) => l.borrowerKind],
    ['household_id', 'uuid', (l) => l.householdId],
    ['enterprise_id', 'uuid', (l) => l.enterpriseId],
    ['region_path', 'text', (l) => l.regionPath],
    ['principal', 'numeric', (l) => l.principal.toFixed(2)],
    ['outstanding_principal', 'numeric', (l) => l.principal.toFixed(2)],
    ['rate_annual', 'numeric', (l) => l.rate.toFixed()],
    // The 2015-10-24 benchmark for terms up to a year (SPEC §2): every demo loan runs 12 months.
    ['reference_rate_annual', 'numeric', () => '0.0435'],
    ['contract_date', 'date', (l) => l.disbursed],
    ['disbursement_date', 'date', (l) => l.disbursed],
    ['maturity_date', 'date', (l) => l.maturity],
    ['current_maturity_date', 'date', (l) => l.maturity],
    ['term_months', 'int', () => 12],
    ['repayment_method', 'text', () => 'interest_quarterly_principal_at_maturity'],
    ['purpose', 'text', (l) => (l.borrowerKind === 'household' ? '发展种养殖' : '扩大生产带动就业')],
    ['agreement_number', 'text', (l) => l.agreementNumber],
    ['driven_households', 'int', (l) => l.drivenHouseholds],
    ['status', 'text', () => 'active'],
    ['created_by', 'uuid', (l) => l.createdBy],
  ], loans);
  await bulkInsert(manager, 'loan_events', [
    ['loan_id', 'uuid', (l: DemoLoan) => l.id],
    ['kind', 'text', () => 'registered'],
    ['effective_date', 'date', (l: DemoLoan) => l.disbursed],
    ['to_status', 'text', () => 'active'],
    ['created_by', 'uuid', (l: DemoLoan) => l.createdBy],
  ], loans);
  const rows = loans.flatMap((l) =>
    generateSchedule({ principal: l.principal, rateAnnual: l.rate, method: 'interest_quarterly_principal_at_maturity', disbursementDate: l.disbursed, maturityDate: l.maturity }).map(
      (r) => ({ loanId: l.id, seq: r.seq, dueDate: r.dueDate, principalDue: r.principalDue.toFixed(2), interestDue: r.interestDue.toFixed(2) }),
    ),
  );
  await bulkInsert(manager, 'loan_schedule', [
    ['loan_id', 'uuid', (r: (typeof rows)[number]) => r.loanId],
    ['version', 'int', () => 1],
    ['seq', 'int', (r: (typeof rows)[number]) => r.seq],
    ['due_date', 'date', (r: (typeof rows)[number]) => r.dueDate],
    ['principal_due', 'numeric', (r: (typeof rows)[number]) => r.principalDue],
    ['interest_due', 'numeric', (r: (typeof rows)[number]) => r.interestDue],
  ], rows);
}
