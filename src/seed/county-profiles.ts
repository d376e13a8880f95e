/**
 * How the demo city's register is spread over its nine divisions: where the registered households
 * live (mostly in the five rural counties), how many driving enterprises each has, how far its
 * linkage work has got, and what its enterprises do. The differences are deliberate, so that the
 * 百千万 progress report shows counties ahead of and behind their targets.
 */
export interface Specialty {
  industry: string;
  /** The product or trade in an enterprise's name: 大蒜种植, 民族乐器制造 … */
  product: string;
}

export interface CountyProfile {
  households: number;
  demonstrationHouseholds: number;
  enterprises: number;
  /** Share of the county's households that enterprises and demonstration households reach. */
  coverage: number;
  /** Share of the county's enterprises that have signed linkage agreements. */
  enterprisesLinking: number;
  /** Share of the county's demonstration households that drive neighbours. */
  demonstrationLinking: number;
  specialties: Specialty[];
}

const s = (industry: string, product: string): Specialty => ({ industry, product });

export const COUNTY_PROFILES: Record<string, CountyProfile> = {
  '410202': {
    households: 420, demonstrationHouseholds: 36, enterprises: 5, coverage: 0.7, enterprisesLinking: 0.8, demonstrationLinking: 0.8,
    specialties: [s('种植业', '黄河大米种植'), s('乡村旅游', '柳园口乡村旅游'), s('农产品加工', '大米加工'), s('电商', '农产品电子商务')],
  },
  '410203': {
    households: 260, demonstrationHouseholds: 22, enterprises: 4, coverage: 0.78, enterprisesLinking: 0.75, demonstrationLinking: 0.85,
    specialties: [s('农产品加工', '清真食品加工'), s('电商', '农产品电子商务'), s('养殖业', '肉牛养殖')],
  },
  '410204': {
    households: 150, demonstrationHouseholds: 12, enterprises: 3, coverage: 0.9, enterprisesLinking: 1, demonstrationLinking: 0.9,
    specialties: [s('手工业', '汴绣'), s('电商', '文创产品电子商务'), s('乡村旅游', '民俗文化旅游')],
  },
  '410205': {
    households: 370, demonstrationHouseholds: 30, enterprises: 4, coverage: 0.66, enterprisesLinking: 0.75, demonstrationLinking: 0.75,
    specialties: [s('种植业', '蔬菜种植'), s('乡村旅游', '繁塔乡村旅游'), s('农产品加工', '蔬菜加工')],
  },
  '410212': {
    households: 2000, demonstrationHouseholds: 165, enterprises: 20, coverage: 0.8, enterprisesLinking: 0.8, demonstrationLinking: 0.86,
    specialties: [
      s('种植业', '花生种植'), s('种植业', '西瓜种植'), s('种植业', '菊花种植'), s('手工业', '木版年画'),
      s('农产品加工', '花生加工'), s('养殖业', '生猪养殖'), s('光伏', '光伏发电'),
    ],
  },
  '410221': {
    households: 2400, demonstrationHouseholds: 200, enterprises: 24, coverage: 0.84, enterprisesLinking: 0.85, demonstrationLinking: 0.9,
    specialties: [
      s('种植业', '大蒜种植'), s('农产品加工', '大蒜加工'), s('电商', '大蒜电子商务'), s('养殖业', '肉羊养殖'),
      s('种植业', '辣椒种植'), s('光伏', '光伏发电'),
    ],
  },
  '410222': {
    households: 1700, demonstrationHouseholds: 140, enterprises: 16, coverage: 0.62, enterprisesLinking: 0.7, demonstrationLinking: 0.72,
    specialties: [
      s('农产品加工', '酸辣粉加工'), s('种植业', '小麦种植'), s('种植业', '蔬菜种植'), s('养殖业', '蛋鸡养殖'), s('电商', '农产品电子商务'),
    ],
  },
  '410223': {
    households: 2100, demonstrationHouseholds: 175, enterprises: 20, coverage: 0.72, enterprisesLinking: 0.75, demonstrationLinking: 0.8,
    specialties: [
      s('种植业', '大棚蔬菜种植'), s('手工业', '服装加工'), s('养殖业', '奶牛养殖'), s('农产品加工', '面粉加工'), s('光伏', '光伏发电'),
    ],
  },
  '410225': {
    households: 2600, demonstrationHouseholds: 220, enterprises: 24, coverage: 0.88, enterprisesLinking: 0.85, demonstrationLinking: 0.92,
    specialties: [
      s('手工业', '民族乐器制造'), s('种植业', '蜜瓜种植'), s('养殖业', '肉鸭养殖'), s('农产品加工', '农产品加工'),
      s('乡村旅游', '黄河湾乡村旅游'), s('手工业', '家居制造'), s('光伏', '光伏发电'),
    ],
  },
};

/** The 百千万 targets of the city (SPEC §3): 100 enterprises, 1,000 demonstration and 10,000 linked households. */
export const CITY_TARGETS = { enterprises: 100, demonstrationHouseholds: 1000, linkedHouseholds: 10_000 } as const;

/** Each head-office bank's share of the city's targets, in per cent (adds up to 100). */
export const BANK_TARGET_SHARES: Record<string, number> = { abc: 40, rcb: 35, psbc: 25 };

/** The seed of `npm start`'s demo city. */
export const DEMO_SEED = 20_260_101;

/** The last day the demo's dated facts reach: every status, linkage and payment is on or before it. */
export const DEMO_AS_OF = '2026-10-31';
