import { usccCheckCharacter } from '../core/identifiers';
import type { EnterpriseKind, EnterpriseStatus } from '../modules/enterprises/enterprise.entity';
import type { SeedVillage } from './city-regions';
import { COUNTY_PROFILES, type Specialty } from './county-profiles';
import { UsccIssuer } from './identity-numbers';
import { COUNTIES, ENTERPRISES } from './kaifeng';
import { personName, tradeName } from './names';
import { Random } from './random';

export interface SeedEnterprise {
  id: string;
  /** Set for the fixed demo firms that users and tests refer to ('fengyuan', 'fumin'). */
  key: string | null;
  name: string;
  uscc: string;
  kind: EnterpriseKind;
  regionCode: string;
  countyCode: string;
  /** Where it recruits first: its township (co-operatives) or village (collectives); null for the whole county. */
  localPath: string | null;
  industry: string;
  legalRepresentative: string;
  status: EnterpriseStatus;
  /** How many households it links; 0 for firms that have not signed a linkage agreement. */
  capacity: number;
}

const KINDS: readonly EnterpriseKind[] = ['company', 'cooperative', 'village_collective'];
const RURAL_KIND_WEIGHTS = [50, 33, 17] as const;
const URBAN_KIND_WEIGHTS = [80, 20, 0] as const;
/** The fixed firm the demo 'enterprise' user belongs to links few enough households for one page of its view. */
const FENGYUAN_CAPACITY = 48;

/**
 * About 120 driving enterprises: the two fixed demo firms plus generated companies, co-operatives and
 * village collectives in every county, doing what the county is known for, with valid unique USCCs.
 * Most have signed linkage agreements for 20–150 households; a few are new or inactive and link none.
 */
export function generateEnterprises(seed: number, villages: readonly SeedVillage[]): SeedEnterprise[] {
  const random = new Random(seed, 'enterprises');
  const usccs = new UsccIssuer(new Random(seed, 'usccs'));
  // The fixed firms' trade names are taken.
  const tradeNames = new Set<string>(['丰源', '富民']);
  const collectiveVillages = new Set<string>();
  const enterprises: SeedEnterprise[] = ENTERPRISES.map((fixed) => {
    const uscc = fixed.usccBody + usccCheckCharacter(fixed.usccBody);
    usccs.reserve(uscc);
    return {
      id: random.uuid(),
      key: fixed.key,
      name: fixed.name,
      uscc,
      kind: fixed.kind,
      regionCode: fixed.regionCode,
      countyCode: fixed.regionCode,
      localPath: null,
      industry: fixed.industry,
      legalRepresentative: fixed.legalRepresentative,
      status: 'active',
      capacity: fixed.key === 'fengyuan' ? FENGYUAN_CAPACITY : capacity(random),
    };
  });
  for (const county of COUNTIES) {
    const profile = COUNTY_PROFILES[county.code]!;
    const fixedHere = enterprises.filter((e) => e.countyCode === county.code).length;
    const countyVillages = villages.filter((v) => v.countyCode === county.code);
    // 鼓楼区 has street offices only: its firms sit in communities.
    const ruralVillages = countyVillages.some((v) => !v.urban) ? countyVillages.filter((v) => !v.urban) : countyVillages;
    const urbanDistrict = county.name.endsWith('区') && county.code !== '410212';
    for (let n = fixedHere; n < profile.enterprises; n += 1) {
      const kind = random.weighted(KINDS, urbanDistrict ? URBAN_KIND_WEIGHTS : RURAL_KIND_WEIGHTS);
      const specialty = random.pick(profile.specialties);
      // One collective per village: a village has one economic co-operative.
      const home = random.pick(kind === 'village_collective' ? ruralVillages.filter((v) => !collectiveVillages.has(v.code)) : ruralVillages);
      if (kind === 'village_collective') collectiveVillages.add(home.code);
      const status: EnterpriseStatus = random.chance(0.04) ? 'inactive' : 'active';
      const links = status === 'active' && random.chance(profile.enterprisesLinking);
      enterprises.push({
        id: random.uuid(),
        key: null,
        name: firmName(random, tradeNames, kind, county.name, specialty, home),
        uscc: usccs.issue(kind, county.code),
        kind,
        regionCode: kind === 'company' ? county.code : kind === 'cooperative' ? home.townshipCode : home.code,
        countyCode: county.code,
        localPath: kind === 'company' ? null : kind === 'cooperative' ? home.path.slice(0, home.path.length - 13) : home.path,
        industry: specialty.industry,
        legalRepresentative: personName(random, random.chance(0.82) ? 'male' : 'female'),
        status,
        capacity: links ? capacity(random) : 0,
      });
    }
  }
  return enterprises;
}

/** 20–150 households, most enterprises at the small end. */
function capacity(random: Random): number {
  const r = random.next();
  return 20 + Math.floor(130 * r * r);
}

function firmName(random: Random, taken: Set<string>, kind: EnterpriseKind, countyName: string, specialty: Specialty, home: SeedVillage): string {
  if (kind === 'village_collective') return `${countyName}${home.townshipName}${home.name}股份经济合作社`;
  const trade = tradeName(random, taken);
  if (kind === 'cooperative') return `${countyName}${trade}${specialty.product}专业合作社`;
  // Firms in the districts are registered as 开封…; in the counties under the county's name.
  const place = countyName.endsWith('区') ? '开封' : countyName;
  return `${place}${trade}${specialty.product}有限公司`;
}
