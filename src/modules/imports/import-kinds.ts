import Joi from 'joi';
import { residentIdCheckCharacter, usccCheckCharacter } from '../../core/identifiers';
import { ENTERPRISE_KINDS } from '../enterprises/enterprise.entity';
import { newEnterpriseKeys, usccInput } from '../enterprises/enterprises.routes';
import { HOUSEHOLD_STATUSES } from '../households/household.entity';
import { householdNumber, newHouseholdKeys } from '../households/households.routes';
import { LINKAGE_TYPES } from '../linkages/linkage.entity';
import { newLinkageKeys } from '../linkages/linkages.routes';
import { REPAYMENT_METHODS } from '../loans/loan.entity';
import { newLoanKeys } from '../loans/loans.routes';

/**
 * What a file of each kind holds (SPEC §9 bulk import): one column per field of the single-record
 * API, validated by the very same Joi keys. A linkage file names its records by their natural keys
 * (USCC, household number) instead of UUIDs, since people fill these files in, not programs.
 */
export const IMPORT_KINDS = ['households', 'enterprises', 'linkages', 'loans'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
/** The register's kinds, which the poverty office imports; a bank's loan officers import `loans`. */
export const REGISTER_IMPORT_KINDS = ['households', 'enterprises', 'linkages'] as const satisfies readonly ImportKind[];

export interface ColumnSpec {
  key: string;
  /** The Chinese header shown in the template, next to the key: "户编号 householdNumber". */
  header: string;
  /** An example value and what the column means, shown as a note on the template's header cell. */
  example: string;
  hint?: string;
  widthChars: number;
  /** The allowed values, offered as a drop-down list in the template. */
  choices?: readonly string[];
  /** Formatted as text in the template, so that Excel keeps 18 digits and leading zeros as typed. */
  text?: boolean;
}

export interface ImportSpec {
  kind: ImportKind;
  /** The template's worksheet name. */
  sheetName: string;
  columns: readonly ColumnSpec[];
  /** Validates one row's cells (strings, absent when empty), converting them as the API would. */
  rowSchema: Joi.ObjectSchema;
}

/** Excel users type 是/否 rather than true/false. */
const yesNo = (schema: Joi.BooleanSchema) => schema.truthy('是', 'Y', 'y').falsy('否', 'N', 'n');

const EXAMPLE_ID_BODY = '41022519800512012';
const EXAMPLE_USCC_BODY = '93410225MA4000123';

const HOUSEHOLDS: ImportSpec = {
  kind: 'households',
  sheetName: '农户 households',
  columns: [
    { key: 'householdNumber', header: '户编号', example: 'LK-2026-0001', widthChars: 18, text: true },
    { key: 'headName', header: '户主姓名', example: '王小明', widthChars: 12 },
    { key: 'idNumber', header: '户主身份证号', example: EXAMPLE_ID_BODY + residentIdCheckCharacter(EXAMPLE_ID_BODY), hint: '18 位，末位可为 X', widthChars: 22, text: true },
    { key: 'phone', header: '联系电话', example: '13812345678', widthChars: 14, text: true },
    { key: 'villageCode', header: '村代码', example: '410225100201', hint: '12 位行政村代码', widthChars: 15, text: true },
    { key: 'members', header: '家庭人口', example: '4', widthChars: 10 },
    { key: 'laborers', header: '劳动力人数', example: '2', hint: '不超过家庭人口', widthChars: 12 },
    { key: 'status', header: '状态', example: 'poor', hint: 'poor 贫困户 / lifted 已脱贫 / monitored 监测户；空为 poor', widthChars: 12, choices: HOUSEHOLD_STATUSES },
    { key: 'statusSince', header: '状态起始日期', example: '2025-03-01', hint: 'YYYY-MM-DD；空为今天', widthChars: 14, text: true },
    { key: 'isDemonstration', header: '是否示范户', example: 'false', hint: 'true/false 或 是/否；空为否', widthChars: 12, choices: ['true', 'false'] },
    { key: 'demonstrationSince', header: '示范户认定日期', example: '2025-06-01', hint: 'YYYY-MM-DD，仅示范户；空为今天', widthChars: 16, text: true },
  ],
  rowSchema: Joi.object({ ...newHouseholdKeys, isDemonstration: yesNo(newHouseholdKeys.isDemonstration) }),
};

const ENTERPRISES: ImportSpec = {
  kind: 'enterprises',
  sheetName: '带贫企业 enterprises',
  columns: [
    { key: 'name', header: '企业名称', example: '兰考县富民种植专业合作社', widthChars: 30 },
    { key: 'uscc', header: '统一社会信用代码', example: EXAMPLE_USCC_BODY + usccCheckCharacter(EXAMPLE_USCC_BODY), widthChars: 22, text: true },
    { key: 'kind', header: '类型', example: 'cooperative', hint: 'company 企业 / cooperative 合作社 / village_collective 村集体', widthChars: 18, choices: ENTERPRISE_KINDS },
    { key: 'regionCode', header: '所在区域代码', example: '410225', hint: '县、乡镇或村的代码', widthChars: 15, text: true },
    { key: 'industry', header: '行业', example: '种植业', widthChars: 14 },
    { key: 'legalRepresentative', header: '法定代表人', example: '张三', widthChars: 12 },
  ],
  rowSchema: Joi.object(newEnterpriseKeys),
};

// The API names the source and the household by UUID; the file by USCC and household number.
const { sourceId: _sourceId, householdId: _householdId, ...linkageFields } = newLinkageKeys;

const LINKAGES: ImportSpec = {
  kind: 'linkages',
  sheetName: '利益联结 linkages',
  columns: [
    { key: 'sourceKind', header: '联结主体类型', example: 'enterprise', hint: 'enterprise 带贫企业 / household 示范户', widthChars: 14, choices: ['enterprise', 'household'] },
    { key: 'sourceUscc', header: '主体企业统一社会信用代码', example: EXAMPLE_USCC_BODY + usccCheckCharacter(EXAMPLE_USCC_BODY), hint: '主体为企业时填写', widthChars: 24, text: true },
    { key: 'sourceHouseholdNumber', header: '主体示范户户编号', example: 'LK-2026-0002', hint: '主体为示范户时填写', widthChars: 18, text: true },
    { key: 'householdNumber', header: '联结农户户编号', example: 'LK-2026-0001', widthChars: 18, text: true },
    { key: 'type', header: '联结方式', example: 'employment', hint: LINKAGE_TYPES.join(' / '), widthChars: 22, choices: LINKAGE_TYPES },
    { key: 'agreementNumber', header: '带贫协议编号', example: 'DPXY-2026-001', widthChars: 16, text: true },
    { key: 'startDate', header: '开始日期', example: '2026-01-01', hint: 'YYYY-MM-DD', widthChars: 12, text: true },
    { key: 'endDate', header: '结束日期', example: '2028-12-31', hint: 'YYYY-MM-DD，可空', widthChars: 12, text: true },
    { key: 'agreedAnnualBenefit', header: '约定年收益（元）', example: '6000.00', widthChars: 16, text: true },
  ],
  rowSchema: Joi.object({
    ...linkageFields,
    sourceUscc: usccInput()
      .when('sourceKind', { is: 'enterprise', then: Joi.required(), otherwise: Joi.forbidden() })
      .messages({ 'any.unknown': 'sourceUscc is only for an enterprise source' }),
    sourceHouseholdNumber: householdNumber()
      .when('sourceKind', { is: 'household', then: Joi.required(), otherwise: Joi.forbidden() })
      .messages({ 'any.unknown': 'sourceHouseholdNumber is only for a demonstration household source' }),
    householdNumber: householdNumber().required(),
  }),
};

// A ledger names the branch, borrower and guarantor by USCC or household number instead of UUIDs.
const { branchId: _branchId, householdId: _loanHouseholdId, enterpriseId: _enterpriseId, guarantorId: _guarantorId, ...loanFields } = newLoanKeys;
const EXAMPLE_BRANCH_USCC_BODY = '91410225MA4000456';
const EXAMPLE_GUARANTOR_USCC_BODY = '91410200MA4000789';

const LOANS: ImportSpec = {
  kind: 'loans',
  sheetName: '贷款台账 loans',
  columns: [
    { key: 'contractNumber', header: '合同编号', example: 'HT-2026-0001', hint: '本行内唯一', widthChars: 18, text: true },
    { key: 'branchUscc', header: '经办网点统一社会信用代码', example: EXAMPLE_BRANCH_USCC_BODY + usccCheckCharacter(EXAMPLE_BRANCH_USCC_BODY), hint: '空为本人所在网点', widthChars: 24, text: true },
    { key: 'modelCode', header: '金融扶贫模式', example: 'household_microcredit', hint: '模式代码，见 GET /api/v1/models', widthChars: 24 },
    { key: 'borrowerKind', header: '借款人类型', example: 'household', hint: 'household 农户 / enterprise 企业', widthChars: 12, choices: ['household', 'enterprise'] },
    { key: 'householdNumber', header: '借款农户户编号', example: 'LK-2026-0001', hint: '借款人为农户时填写', widthChars: 18, text: true },
    { key: 'enterpriseUscc', header: '借款企业统一社会信用代码', example: EXAMPLE_USCC_BODY + usccCheckCharacter(EXAMPLE_USCC_BODY), hint: '借款人为企业时填写', widthChars: 24, text: true },
    { key: 'principal', header: '贷款本金（元）', example: '50000.00', hint: '最多两位小数', widthChars: 16, text: true },
    { key: 'rateAnnual', header: '年利率', example: '0.0435', hint: '小数形式，0.0435 即 4.35%', widthChars: 10, text: true },
    { key: 'contractDate', header: '合同日期', example: '2026-03-01', hint: 'YYYY-MM-DD', widthChars: 12, text: true },
    { key: 'disbursementDate', header: '放款日期', example: '2026-03-01', hint: 'YYYY-MM-DD；未放款则空', widthChars: 12, text: true },
    { key: 'maturityDate', header: '到期日期', example: '2027-03-01', hint: 'YYYY-MM-DD', widthChars: 12, text: true },
    { key: 'repaymentMethod', header: '还款方式', example: 'interest_quarterly_principal_at_maturity', hint: '按季付息到期还本 / 等额本息 / 等额本金；空为按季付息', widthChars: 30, choices: REPAYMENT_METHODS },
    { key: 'purpose', header: '贷款用途', example: '养牛', widthChars: 16 },
    { key: 'agreementNumber', header: '带贫协议编号', example: 'DPXY-2026-001', hint: '企业贷款模式要求时填写', widthChars: 16, text: true },
    { key: 'guarantorUscc', header: '担保机构统一社会信用代码', example: EXAMPLE_GUARANTOR_USCC_BODY + usccCheckCharacter(EXAMPLE_GUARANTOR_USCC_BODY), hint: '需担保的模式填写', widthChars: 24, text: true },
    { key: 'guaranteeFeeRate', header: '担保费率', example: '0.01', hint: '小数形式，需担保的模式填写', widthChars: 10, text: true },
  ],
  rowSchema: Joi.object({
    ...loanFields,
    branchUscc: usccInput(),
    householdNumber: householdNumber()
      .when('borrowerKind', { is: 'household', then: Joi.required(), otherwise: Joi.forbidden() })
      .messages({ 'any.unknown': 'householdNumber is only for a household borrower' }),
    enterpriseUscc: usccInput()
      .when('borrowerKind', { is: 'enterprise', then: Joi.required(), otherwise: Joi.forbidden() })
      .messages({ 'any.unknown': 'enterpriseUscc is only for an enterprise borrower' }),
    guarantorUscc: usccInput(),
  }),
};

export const IMPORT_SPECS: Record<ImportKind, ImportSpec> = { households: HOUSEHOLDS, enterprises: ENTERPRISES, linkages: LINKAGES, loans: LOANS };

/** The columns a file must have: those whose field the row schema requires outright. */
export function requiredColumns(spec: ImportSpec): string[] {
  const keys = (spec.rowSchema.describe().keys ?? {}) as Record<string, { flags?: { presence?: string } }>;
  return spec.columns.filter((c) => keys[c.key]?.flags?.presence === 'required').map((c) => c.key);
}
