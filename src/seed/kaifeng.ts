/**
 * The demo city: Kaifeng (开封市, 410200) and its nine county-level divisions (SPEC §2), with a few
 * townships under each. Township and village codes follow the GB/T 2260 / statistical pattern
 * (county + 3 digits, township + 3 digits) and are illustrative.
 */
export interface SeedRegion {
  code: string;
  name: string;
  townships: Array<{ code: string; name: string }>;
}

export const CITY = { code: '410200', name: '开封市' };

export const COUNTIES: SeedRegion[] = [
  { code: '410202', name: '龙亭区', townships: [{ code: '410202001', name: '北道门街道' }, { code: '410202100', name: '柳园口乡' }] },
  { code: '410203', name: '顺河回族区', townships: [{ code: '410203001', name: '清平街道' }, { code: '410203100', name: '土柏岗乡' }] },
  { code: '410204', name: '鼓楼区', townships: [{ code: '410204001', name: '相国寺街道' }, { code: '410204002', name: '仙人庄街道' }] },
  { code: '410205', name: '禹王台区', townships: [{ code: '410205001', name: '繁塔街道' }, { code: '410205100', name: '汪屯乡' }] },
  {
    code: '410212',
    name: '祥符区',
    townships: [{ code: '410212100', name: '城关镇' }, { code: '410212101', name: '陈留镇' }, { code: '410212102', name: '仇楼镇' }],
  },
  {
    code: '410221',
    name: '杞县',
    townships: [{ code: '410221100', name: '城关镇' }, { code: '410221101', name: '五里河镇' }, { code: '410221102', name: '高阳镇' }],
  },
  {
    code: '410222',
    name: '通许县',
    townships: [{ code: '410222100', name: '城关镇' }, { code: '410222101', name: '竖岗镇' }, { code: '410222102', name: '玉皇庙镇' }],
  },
  {
    code: '410223',
    name: '尉氏县',
    townships: [{ code: '410223100', name: '城关镇' }, { code: '410223101', name: '洧川镇' }, { code: '410223102', name: '朱曲镇' }],
  },
  {
    code: '410225',
    name: '兰考县',
    townships: [
      { code: '410225100', name: '城关镇' },
      { code: '410225101', name: '堌阳镇' },
      { code: '410225102', name: '南彰镇' },
      { code: '410225200', name: '东坝头乡' },
    ],
  },
];

/** Village names, handed out in order so the demo is the same on every machine. */
export const VILLAGE_NAMES = [
  '张庄村', '李寨村', '王楼村', '刘店村', '陈营村', '杨岗村', '赵屯村', '孙庄村', '周寨村', '吴楼村',
  '郑庄村', '黄岗村', '何集村', '高庄村', '马店村', '宋寨村', '许楼村', '韩庄村', '冯岗村', '曹营村',
  '彭庄村', '谢寨村', '邓楼村', '胡店村', '朱庄村', '潘寨村', '林楼村', '董庄村', '袁岗村', '蒋营村',
];

export const VILLAGES_PER_TOWNSHIP = 2;

export type SeedInstitutionType = 'bank' | 'bank_branch' | 'guarantee_company' | 'finance_bureau' | 'poverty_office' | 'insurer';

export interface SeedInstitution {
  key: string;
  type: SeedInstitutionType;
  name: string;
  regionCode: string;
  /** The first 17 characters of the unified social credit code; the check character is computed. */
  usccBody: string;
  parentKey?: string;
  netAssets?: string;
  leverageLimit?: string;
}

export const INSTITUTIONS: SeedInstitution[] = [
  { key: 'abc', type: 'bank', name: '中国农业银行股份有限公司开封分行', regionCode: '410200', usccBody: '91410200MA4000001' },
  { key: 'abc-lankao', type: 'bank_branch', name: '中国农业银行股份有限公司兰考县支行', regionCode: '410225', usccBody: '91410225MA4000002', parentKey: 'abc' },
  { key: 'abc-qixian', type: 'bank_branch', name: '中国农业银行股份有限公司杞县支行', regionCode: '410221', usccBody: '91410221MA4000003', parentKey: 'abc' },
  { key: 'abc-xiangfu', type: 'bank_branch', name: '中国农业银行股份有限公司开封祥符区支行', regionCode: '410212', usccBody: '91410212MA4000004', parentKey: 'abc' },
  { key: 'rcb', type: 'bank', name: '开封农村商业银行股份有限公司', regionCode: '410200', usccBody: '91410200MA4000005' },
  { key: 'rcb-weishi', type: 'bank_branch', name: '开封农村商业银行股份有限公司尉氏支行', regionCode: '410223', usccBody: '91410223MA4000006', parentKey: 'rcb' },
  { key: 'rcb-tongxu', type: 'bank_branch', name: '开封农村商业银行股份有限公司通许支行', regionCode: '410222', usccBody: '91410222MA4000007', parentKey: 'rcb' },
  { key: 'psbc', type: 'bank', name: '中国邮政储蓄银行股份有限公司开封市分行', regionCode: '410200', usccBody: '91410200MA4000008' },
  { key: 'psbc-lankao', type: 'bank_branch', name: '中国邮政储蓄银行股份有限公司兰考县支行', regionCode: '410225', usccBody: '91410225MA4000009', parentKey: 'psbc' },
  {
    key: 'kf-guarantee',
    type: 'guarantee_company',
    name: '开封市中小企业融资担保有限公司',
    regionCode: '410200',
    usccBody: '91410200MA4000010',
    netAssets: '600000000.00',
    leverageLimit: '10',
  },
  {
    key: 'agri-guarantee',
    type: 'guarantee_company',
    name: '河南省农业信贷担保有限责任公司开封分公司',
    regionCode: '410200',
    usccBody: '91410200MA4000011',
    netAssets: '300000000.00',
    leverageLimit: '15',
  },
  { key: 'finance', type: 'finance_bureau', name: '开封市财政局', regionCode: '410200', usccBody: '11410200005000012' },
  { key: 'finance-lankao', type: 'finance_bureau', name: '兰考县财政局', regionCode: '410225', usccBody: '11410225005000013' },
  { key: 'poverty', type: 'poverty_office', name: '开封市扶贫开发办公室', regionCode: '410200', usccBody: '11410200005000014' },
  { key: 'poverty-lankao', type: 'poverty_office', name: '兰考县扶贫开发办公室', regionCode: '410225', usccBody: '11410225005000015' },
  { key: 'picc', type: 'insurer', name: '中国人民财产保险股份有限公司开封市分公司', regionCode: '410200', usccBody: '91410200MA4000016' },
];

export const ENTERPRISES = [
  { key: 'fengyuan', name: '兰考县丰源农业发展有限公司', kind: 'company', regionCode: '410225', industry: '种植业', legalRepresentative: '张建国', usccBody: '91410225MA4000101' },
  { key: 'fumin', name: '杞县富民大蒜种植专业合作社', kind: 'cooperative', regionCode: '410221', industry: '种植业', legalRepresentative: '李红梅', usccBody: '93410221MA4000102' },
] as const;

/** One demo user per role, and a second of some so maker-checker and county scope can be tried. */
export const DEMO_PASSWORD = 'Fupin@2026demo';

export const USERS = [
  { username: 'admin', displayName: '系统管理员', role: 'admin', regionCode: '410200' },
  { username: 'finance', displayName: '市财政局 王静', role: 'finance_officer', regionCode: '410200', institutionKey: 'finance' },
  { username: 'finance2', displayName: '市财政局 赵磊', role: 'finance_officer', regionCode: '410200', institutionKey: 'finance' },
  { username: 'finance.lankao', displayName: '兰考县财政局 孙伟', role: 'finance_officer', regionCode: '410225', institutionKey: 'finance-lankao' },
  { username: 'poverty', displayName: '市扶贫办 刘芳', role: 'poverty_office', regionCode: '410200', institutionKey: 'poverty' },
  { username: 'poverty.lankao', displayName: '兰考县扶贫办 周强', role: 'poverty_office', regionCode: '410225', institutionKey: 'poverty-lankao' },
  { username: 'officer.abc', displayName: '农行兰考县支行 陈晨', role: 'loan_officer', regionCode: '410225', institutionKey: 'abc-lankao' },
  { username: 'officer.rcb', displayName: '农商行尉氏支行 杨帆', role: 'loan_officer', regionCode: '410223', institutionKey: 'rcb-weishi' },
  { username: 'enterprise', displayName: '丰源农业 张建国', role: 'enterprise', regionCode: '410225', enterpriseKey: 'fengyuan' },
  { username: 'auditor', displayName: '市督查组 吴敏', role: 'auditor', regionCode: '410200' },
  { username: 'auditor.lankao', displayName: '兰考县督查组 郑洁', role: 'auditor', regionCode: '410225' },
] as const;
