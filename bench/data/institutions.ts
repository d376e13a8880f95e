import { usccCheckCharacter } from '../../src/core/identifiers';
import { UsccIssuer } from '../../src/seed/identity-numbers';
import { INSTITUTIONS } from '../../src/seed/kaifeng';
import { Random } from '../../src/seed/random';
import type { ScalePlan } from './plan';

/**
 * Banks (head offices and their county branches), government guarantors, finance bureaus,
 * poverty offices and an insurer, plus one user per role the benchmarks need. The city scale uses
 * the demo's Kaifeng institutions; the province one head office per bank in the capital, a branch
 * of each bank in every county and a guarantor, finance bureau and poverty office per city.
 */
export interface InstitutionRow {
  id: string;
  key: string;
  type: 'bank' | 'bank_branch' | 'guarantee_company' | 'finance_bureau' | 'poverty_office' | 'insurer';
  name: string;
  uscc: string;
  parentId: string | null;
  regionCode: string;
  netAssets: string | null;
  leverageLimit: string | null;
  singleClientLimitRatio: string | null;
}

export interface Bank {
  id: string;
  key: string;
  shortName: string;
  contractPrefix: string;
  /** Relative share of the loans in a county. */
  weight: number;
  /** Branch id by county code; a county without a branch lends from the head office. */
  branches: Map<string, string>;
}

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: 'admin' | 'finance_officer' | 'poverty_office' | 'loan_officer' | 'auditor';
  regionCode: string;
  institutionId: string | null;
}

export interface Institutions {
  rows: InstitutionRow[];
  banks: Bank[];
  /** Guarantor id by city code. */
  guarantorByCity: Map<string, string>;
  users: UserRow[];
  /** User ids by role for created_by columns: the officer of each bank by bank key. */
  officerByBank: Map<string, string>;
  financeUserId: string;
  povertyUserId: string;
}

export const BENCH_PASSWORD = 'Bench@2026-fupin';

const GUARANTOR_SINGLE_CLIENT_RATIO = '0.1000';

export function generateInstitutions(plan: ScalePlan): Institutions {
  return plan.scale === 'city' ? cityInstitutions(plan) : provinceInstitutions(plan);
}

function cityInstitutions(plan: ScalePlan): Institutions {
  const random = new Random(plan.seed, 'institutions');
  const ids = new Map<string, string>();
  const rows: InstitutionRow[] = INSTITUTIONS.map((seed) => {
    const id = random.uuid();
    ids.set(seed.key, id);
    const guarantor = seed.type === 'guarantee_company';
    return {
      id,
      key: seed.key,
      type: seed.type,
      name: seed.name,
      uscc: seed.usccBody + usccCheckCharacter(seed.usccBody),
      parentId: seed.parentKey ? ids.get(seed.parentKey)! : null,
      regionCode: seed.regionCode,
      netAssets: guarantor ? seed.netAssets! : null,
      leverageLimit: guarantor ? seed.leverageLimit! : null,
      singleClientLimitRatio: guarantor ? GUARANTOR_SINGLE_CLIENT_RATIO : null,
    };
  });
  const bankDefs = [
    { key: 'abc', shortName: '农行', contractPrefix: 'ABC', weight: 40 },
    { key: 'rcb', shortName: '农商行', contractPrefix: 'RCB', weight: 35 },
    { key: 'psbc', shortName: '邮储', contractPrefix: 'PSBC', weight: 25 },
  ];
  const banks: Bank[] = bankDefs.map((b) => {
    const branches = new Map<string, string>();
    for (const row of rows) if (row.type === 'bank_branch' && row.parentId === ids.get(b.key)) branches.set(row.regionCode, row.id);
    return { ...b, id: ids.get(b.key)!, branches };
  });
  const guarantorByCity = new Map([['410200', ids.get('kf-guarantee')!]]);
  return withUsers(random, plan, rows, banks, guarantorByCity, ids.get('finance')!, ids.get('poverty')!);
}

const PROVINCE_BANKS = [
  { key: 'abc', name: '中国农业银行股份有限公司河南省分行', branch: '中国农业银行股份有限公司{county}支行', shortName: '农行', contractPrefix: 'ABC', weight: 35 },
  { key: 'rcc', name: '河南省农村信用社联合社', branch: '{county}农村信用合作联社', shortName: '农信社', contractPrefix: 'RCC', weight: 30 },
  { key: 'psbc', name: '中国邮政储蓄银行股份有限公司河南省分行', branch: '中国邮政储蓄银行股份有限公司{county}支行', shortName: '邮储', contractPrefix: 'PSBC', weight: 20 },
  { key: 'zyb', name: '中原银行股份有限公司', branch: '中原银行股份有限公司{county}支行', shortName: '中原银行', contractPrefix: 'ZYB', weight: 15 },
] as const;

function provinceInstitutions(plan: ScalePlan): Institutions {
  const random = new Random(plan.seed, 'institutions');
  const usccs = new UsccIssuer(new Random(plan.seed, 'institution-usccs'));
  const capital = plan.cities[0]!.code;
  const rows: InstitutionRow[] = [];
  const add = (row: Omit<InstitutionRow, 'id' | 'uscc' | 'netAssets' | 'leverageLimit' | 'singleClientLimitRatio'> & Partial<InstitutionRow>) => {
    const full: InstitutionRow = {
      id: random.uuid(),
      uscc: usccs.issue('company', row.regionCode.slice(0, 6)),
      netAssets: null,
      leverageLimit: null,
      singleClientLimitRatio: null,
      ...row,
    };
    rows.push(full);
    return full;
  };
  const banks: Bank[] = PROVINCE_BANKS.map((def) => {
    const head = add({ key: def.key, type: 'bank', name: def.name, parentId: null, regionCode: capital });
    const branches = new Map<string, string>();
    for (const county of plan.counties) {
      const branch = add({ key: `${def.key}-${county.code}`, type: 'bank_branch', name: def.branch.replace('{county}', county.name), parentId: head.id, regionCode: county.code });
      branches.set(county.code, branch.id);
    }
    return { id: head.id, key: def.key, shortName: def.shortName, contractPrefix: def.contractPrefix, weight: def.weight, branches };
  });
  const guarantorByCity = new Map<string, string>();
  let financeId = '';
  let povertyId = '';
  for (const city of plan.cities) {
    // Net assets sized for the guaranteed loans of ten counties, well inside leverage 10.
    const guarantor = add({
      key: `guarantee-${city.code}`,
      type: 'guarantee_company',
      name: `${city.name}中小企业融资担保有限公司`,
      parentId: null,
      regionCode: city.code,
      netAssets: '3000000000.00',
      leverageLimit: '10',
      singleClientLimitRatio: GUARANTOR_SINGLE_CLIENT_RATIO,
    });
    guarantorByCity.set(city.code, guarantor.id);
    const finance = add({ key: `finance-${city.code}`, type: 'finance_bureau', name: `${city.name}财政局`, parentId: null, regionCode: city.code });
    const poverty = add({ key: `poverty-${city.code}`, type: 'poverty_office', name: `${city.name}扶贫开发办公室`, parentId: null, regionCode: city.code });
    if (city.code === capital) {
      financeId = finance.id;
      povertyId = poverty.id;
    }
  }
  add({ key: 'picc', type: 'insurer', name: '中国人民财产保险股份有限公司河南省分公司', parentId: null, regionCode: capital });
  return withUsers(random, plan, rows, banks, guarantorByCity, financeId, povertyId);
}

function withUsers(
  random: Random,
  plan: ScalePlan,
  rows: InstitutionRow[],
  banks: Bank[],
  guarantorByCity: Map<string, string>,
  financeInstitutionId: string,
  povertyInstitutionId: string,
): Institutions {
  const capital = plan.cities[0]!.code;
  const user = (username: string, displayName: string, role: UserRow['role'], institutionId: string | null): UserRow => ({
    id: random.uuid(),
    username,
    displayName,
    role,
    regionCode: capital,
    institutionId,
  });
  const finance = user('bench.finance', '基准测试 财政', 'finance_officer', financeInstitutionId);
  const poverty = user('bench.poverty', '基准测试 扶贫办', 'poverty_office', povertyInstitutionId);
  const users: UserRow[] = [
    user('bench.admin', '基准测试 管理员', 'admin', null),
    finance,
    user('bench.finance2', '基准测试 财政复核', 'finance_officer', financeInstitutionId),
    poverty,
    user('bench.auditor', '基准测试 督查', 'auditor', null),
  ];
  const officerByBank = new Map<string, string>();
  for (const bank of banks) {
    const officer = user(`bench.officer.${bank.key}`, `基准测试 ${bank.shortName}信贷员`, 'loan_officer', bank.id);
    users.push(officer);
    officerByBank.set(bank.key, officer.id);
  }
  return { rows, banks, guarantorByCity, users, officerByBank, financeUserId: finance.id, povertyUserId: poverty.id };
}
