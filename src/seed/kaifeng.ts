/**
 * The demo city: Kaifeng (开封市, 410200), its nine county-level divisions (SPEC §2) and their
 * townships, with the fixed institutions, firms and users the demo logins rely on. Township and
 * village codes follow the GB/T 2260 / statistical pattern (county + 3 digits, township + 3 digits)
 * and are illustrative; villages, households and the rest of the register are generated
 * (demo-city.ts).
 */
export interface SeedRegion {
  code: string;
  name: string;
  townships: Array<{ code: string; name: string }>;
}

export const CITY = { code: '410200', name: '开封市' };

const t = (code: string, name: string) => ({ code, name });

/**
 * Township codes: 001… street offices (街道), 100… towns (镇), 200… townships (乡). The urban
 * districts have few rural townships; the five rural counties many, which is where most registered
 * households live. The first townships of each county are the ones the demo always had.
 */
export const COUNTIES: SeedRegion[] = [
  { code: '410202', name: '龙亭区', townships: [t('410202001', '北道门街道'), t('410202100', '柳园口乡'), t('410202101', '水稻乡')] },
  { code: '410203', name: '顺河回族区', townships: [t('410203001', '清平街道'), t('410203100', '土柏岗乡'), t('410203101', '东郊乡')] },
  { code: '410204', name: '鼓楼区', townships: [t('410204001', '相国寺街道'), t('410204002', '仙人庄街道')] },
  { code: '410205', name: '禹王台区', townships: [t('410205001', '繁塔街道'), t('410205100', '汪屯乡'), t('410205101', '南郊乡')] },
  {
    code: '410212',
    name: '祥符区',
    townships: [
      t('410212100', '城关镇'), t('410212101', '陈留镇'), t('410212102', '仇楼镇'), t('410212103', '八里湾镇'), t('410212104', '曲兴镇'),
      t('410212105', '朱仙镇'), t('410212200', '半坡店乡'), t('410212201', '罗王乡'), t('410212202', '刘店乡'), t('410212203', '袁坊乡'),
    ],
  },
  {
    code: '410221',
    name: '杞县',
    townships: [
      t('410221100', '城关镇'), t('410221101', '五里河镇'), t('410221102', '高阳镇'), t('410221103', '圉镇镇'), t('410221104', '葛岗镇'),
      t('410221105', '阳堌镇'), t('410221106', '邢口镇'), t('410221200', '裴村店乡'), t('410221201', '宗店乡'), t('410221202', '板木乡'),
      t('410221203', '竹林乡'),
    ],
  },
  {
    code: '410222',
    name: '通许县',
    townships: [
      t('410222100', '城关镇'), t('410222101', '竖岗镇'), t('410222102', '玉皇庙镇'), t('410222103', '四所楼镇'), t('410222104', '朱砂镇'),
      t('410222105', '长智镇'), t('410222200', '冯庄乡'), t('410222201', '孙营乡'), t('410222202', '大岗李乡'),
    ],
  },
  {
    code: '410223',
    name: '尉氏县',
    townships: [
      t('410223100', '城关镇'), t('410223101', '洧川镇'), t('410223102', '朱曲镇'), t('410223103', '蔡庄镇'), t('410223104', '永兴镇'),
      t('410223105', '张市镇'), t('410223106', '十八里镇'), t('410223107', '水坡镇'), t('410223200', '大马乡'), t('410223201', '门楼任乡'),
    ],
  },
  {
    code: '410225',
    name: '兰考县',
    townships: [
      t('410225100', '城关镇'), t('410225101', '堌阳镇'), t('410225102', '南彰镇'), t('410225200', '东坝头乡'), t('410225103', '中集镇'),
      t('410225104', '考城镇'), t('410225105', '仪封镇'), t('410225106', '谷营镇'), t('410225107', '红庙镇'), t('410225201', '三义寨乡'),
      t('410225202', '爪营乡'), t('410225203', '孟寨乡'),
    ],
  },
];

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
