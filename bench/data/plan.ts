import type { RegionRow, SeedVillage } from '../../src/seed/city-regions';
import { generateRegions } from '../../src/seed/city-regions';
import { COUNTY_PROFILES, DEMO_SEED, type Specialty } from '../../src/seed/county-profiles';
import { COUNTIES } from '../../src/seed/kaifeng';
import { villageName } from '../../src/seed/names';
import { Random } from '../../src/seed/random';
import type { Scale } from '../lib/args';

/**
 * What a scale holds, before any row is generated: the region tree and, per county, how many
 * households, enterprises and loans it gets and how far its linkage work has got.
 *
 * - city: the demo city itself (Kaifeng's nine divisions, the demo's region tree and county
 *   profiles): about 12,000 households, 120 enterprises, 20,000 loans.
 * - province: ten prefecture-level cities of Henan with ten counties each, ten townships per
 *   county and ten villages per township: 1,000,000 households, 10,000 enterprises, 1,000,000 loans.
 *
 * Each city is a root of the region tree (path `city/county/township/village/`), as the service
 * expects: a county is the second segment of every region path.
 */
export interface CountyPlan {
  code: string;
  name: string;
  cityCode: string;
  cityName: string;
  path: string;
  households: number;
  enterprises: number;
  loans: number;
  coverage: number;
  enterprisesLinking: number;
  demonstrationLinking: number;
  demonstrationShare: number;
  specialties: Specialty[];
  villages: SeedVillage[];
}

export interface ScalePlan {
  scale: Scale;
  seed: number;
  regions: RegionRow[];
  cities: Array<{ code: string; name: string; path: string }>;
  counties: CountyPlan[];
  totals: { households: number; enterprises: number; loans: number };
}

export const BENCH_SEED = 20_260_701;

export function planScale(scale: Scale): ScalePlan {
  return scale === 'city' ? planCity() : planProvince();
}

function planCity(): ScalePlan {
  const { rows, villages } = generateRegions(DEMO_SEED);
  const totalHouseholds = Object.values(COUNTY_PROFILES).reduce((sum, p) => sum + p.households, 0);
  const totalLoans = 20_000;
  const counties = COUNTIES.map((county): CountyPlan => {
    const profile = COUNTY_PROFILES[county.code]!;
    return {
      code: county.code,
      name: county.name,
      cityCode: '410200',
      cityName: '开封市',
      path: `410200/${county.code}/`,
      households: profile.households,
      enterprises: profile.enterprises,
      loans: Math.round((totalLoans * profile.households) / totalHouseholds),
      coverage: profile.coverage,
      enterprisesLinking: profile.enterprisesLinking,
      demonstrationLinking: profile.demonstrationLinking,
      demonstrationShare: profile.demonstrationHouseholds / profile.households,
      specialties: profile.specialties,
      villages: villages.filter((v) => v.countyCode === county.code),
    };
  });
  fixTotal(counties, totalLoans);
  return {
    scale: 'city',
    seed: BENCH_SEED,
    regions: rows,
    cities: [{ code: '410200', name: '开封市', path: '410200/' }],
    counties,
    totals: { households: totalHouseholds, enterprises: counties.reduce((s, c) => s + c.enterprises, 0), loans: totalLoans },
  };
}

/** Rounding per county may leave the total a few loans off; the last county takes the difference. */
function fixTotal(counties: CountyPlan[], total: number): void {
  const sum = counties.reduce((s, c) => s + c.loans, 0);
  counties[counties.length - 1]!.loans += total - sum;
}

const PROVINCE_CITIES = [
  ['410100', '郑州市'], ['410200', '开封市'], ['410300', '洛阳市'], ['410400', '平顶山市'], ['410500', '安阳市'],
  ['410700', '新乡市'], ['410800', '焦作市'], ['411300', '南阳市'], ['411400', '商丘市'], ['411600', '周口市'],
] as const;
const COUNTIES_PER_CITY = 10;
const TOWNSHIPS_PER_COUNTY = 10;
const VILLAGES_PER_TOWNSHIP = 10;
const HOUSEHOLDS_PER_COUNTY = 10_000;
const ENTERPRISES_PER_COUNTY = 100;
const LOANS_PER_COUNTY = 10_000;

const COUNTY_FIRST = ['永', '安', '宁', '新', '平', '清', '长', '宜', '兴', '汝', '伊', '洛', '泌', '方', '舞', '叶', '鲁', '宝', '滑', '浚', '林', '汤', '卫', '辉', '延', '温', '孟', '沁', '博', '修', '唐', '桐', '淅', '虞', '睢', '柘', '鹿', '扶', '太', '项', '沈', '夏', '民', '嵩', '登', '荥', '巩', '中', '原', '内'] as const;
const COUNTY_SECOND = ['阳', '城', '丘', '川', '水', '陵', '乡', '山', '封', '武', '县', '平', '安', '津', '源', '河', '池', '康'] as const;

/** Specialties a province county may be known for: the demo's, pooled. */
const SPECIALTY_POOL: Specialty[] = (() => {
  const seen = new Map<string, Specialty>();
  for (const profile of Object.values(COUNTY_PROFILES)) for (const s of profile.specialties) seen.set(`${s.industry}/${s.product}`, s);
  return [...seen.values()];
})();

function planProvince(): ScalePlan {
  const random = new Random(BENCH_SEED, 'province-regions');
  const rows: RegionRow[] = [];
  const counties: CountyPlan[] = [];
  const countyNames = new Set<string>();
  for (const [cityCode, cityName] of PROVINCE_CITIES) {
    const cityPath = `${cityCode}/`;
    rows.push({ code: cityCode, name: cityName, level: 'city', parentCode: null, path: cityPath });
    for (let c = 0; c < COUNTIES_PER_CITY; c += 1) {
      const code = `${cityCode.slice(0, 4)}${String(21 + c).padStart(2, '0')}`;
      const name = countyName(random, countyNames);
      const path = `${cityPath}${code}/`;
      rows.push({ code, name, level: 'county', parentCode: cityCode, path });
      const villages: SeedVillage[] = [];
      const townshipNames = new Set<string>();
      for (let t = 0; t < TOWNSHIPS_PER_COUNTY; t += 1) {
        const townshipCode = `${code}${100 + t}`;
        const townshipName = villageName(random, townshipNames).replace(/村$/, t < 6 ? '镇' : '乡');
        const townshipPath = `${path}${townshipCode}/`;
        rows.push({ code: townshipCode, name: townshipName, level: 'township', parentCode: code, path: townshipPath });
        const taken = new Set<string>();
        for (let v = 1; v <= VILLAGES_PER_TOWNSHIP; v += 1) {
          const villageCode = `${townshipCode}${200 + v}`;
          const village = villageName(random, taken);
          const villagePath = `${townshipPath}${villageCode}/`;
          rows.push({ code: villageCode, name: village, level: 'village', parentCode: townshipCode, path: villagePath });
          villages.push({ code: villageCode, name: village, path: villagePath, townshipCode, townshipName, countyCode: code, urban: false });
        }
      }
      counties.push({
        code,
        name,
        cityCode,
        cityName,
        path,
        households: HOUSEHOLDS_PER_COUNTY,
        enterprises: ENTERPRISES_PER_COUNTY,
        loans: LOANS_PER_COUNTY,
        coverage: 0.6 + random.next() * 0.3,
        enterprisesLinking: 0.7 + random.next() * 0.25,
        demonstrationLinking: 0.75 + random.next() * 0.2,
        demonstrationShare: 0.083,
        specialties: random.sample(SPECIALTY_POOL, random.int(4, 7)),
        villages,
      });
    }
  }
  return {
    scale: 'province',
    seed: BENCH_SEED,
    regions: rows,
    cities: PROVINCE_CITIES.map(([code, name]) => ({ code, name, path: `${code}/` })),
    counties,
    totals: {
      households: counties.length * HOUSEHOLDS_PER_COUNTY,
      enterprises: counties.length * ENTERPRISES_PER_COUNTY,
      loans: counties.length * LOANS_PER_COUNTY,
    },
  };
}

function countyName(random: Random, taken: Set<string>): string {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const name = `${random.pick(COUNTY_FIRST)}${random.pick(COUNTY_SECOND)}县`;
    if (name.charAt(0) !== name.charAt(1) && !taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  throw new Error('no free county name after 500 attempts');
}
