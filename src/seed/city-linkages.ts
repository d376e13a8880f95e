import { addDays, compareDates, maxDate, minDate, type IsoDate } from '../core/dates';
import type { LinkageType } from '../modules/linkages/linkage.entity';
import { registrarOf, type SeedHousehold, type SeedUserKey } from './city-households';
import type { SeedEnterprise } from './city-enterprises';
import { COUNTY_PROFILES, DEMO_AS_OF } from './county-profiles';
import { formatCents } from './money-text';
import { Random } from './random';

export interface SeedLinkage {
  id: string;
  sourceKind: 'enterprise' | 'household';
  sourceId: string;
  sourceEnterpriseId: string | null;
  sourceHouseholdId: string | null;
  householdId: string;
  type: LinkageType;
  agreementNumber: string | null;
  startDate: IsoDate;
  endDate: IsoDate | null;
  /** Exact yuan and fen, as text: '3600.00'. */
  agreedAnnualBenefit: string;
  agreedAnnualBenefitCents: number;
  regionPath: string;
  countyCode: string;
  endedOn: IsoDate | null;
  endReason: string | null;
  createdBy: SeedUserKey;
}

const AS_OF = DEMO_AS_OF as IsoDate;

const TYPES_BY_INDUSTRY: Record<string, LinkageType[]> = {
  种植业: ['land_lease', 'employment', 'order_purchase', 'dividend'],
  养殖业: ['employment', 'dividend', 'equity', 'order_purchase'],
  农产品加工: ['employment', 'order_purchase', 'dividend'],
  乡村旅游: ['employment', 'facility_lease', 'dividend', 'joint_operation'],
  电商: ['order_purchase', 'employment', 'self_employment_support'],
  光伏: ['dividend', 'equity', 'facility_lease'],
  手工业: ['employment', 'order_purchase', 'joint_operation'],
};
const NEIGHBOUR_TYPES: readonly LinkageType[] = ['self_employment_support', 'joint_operation', 'employment', 'land_lease', 'order_purchase'];
const NEIGHBOUR_TYPE_WEIGHTS = [35, 25, 15, 15, 10] as const;

/** Agreed annual benefit per type, in whole yuan: wages are the largest, dividends the smallest. */
const BENEFIT_RANGE_YUAN: Record<LinkageType, [number, number]> = {
  employment: [6000, 24000],
  dividend: [300, 3000],
  land_lease: [800, 4000],
  order_purchase: [1000, 8000],
  equity: [500, 3000],
  facility_lease: [1000, 5000],
  joint_operation: [2000, 10000],
  self_employment_support: [1000, 6000],
};
const END_REASONS = ['协议期满未续签', '务工人员外出', '企业经营调整', '农户自愿退出', '家庭成员变化'] as const;

/**
 * Linkages county by county. A share of each county's households (its coverage) is reachable;
 * demonstration households drive 3–10 neighbours in their village (or township), then enterprises
 * sign up households, those nobody reaches yet first, their own township or village first. The rest
 * of the county stays unlinked, so the 万户 target is met to a different degree in each county.
 * One (source, household) pair gets distinct types only, which keeps "one active per type".
 */
export function generateLinkages(seed: number, households: readonly SeedHousehold[], enterprises: readonly SeedEnterprise[]): SeedLinkage[] {
  const random = new Random(seed, 'linkages');
  const linkages: SeedLinkage[] = [];
  for (const [countyCode, profile] of Object.entries(COUNTY_PROFILES)) {
    const inCounty = households.filter((h) => h.countyCode === countyCode);
    const pool = inCounty.filter(() => random.chance(profile.coverage));
    const covered = new Set<string>();
    const poolByTownship = groupBy(pool, (h) => h.townshipCode);
    for (const source of inCounty.filter((h) => h.isDemonstration)) {
      if (!random.chance(profile.demonstrationLinking)) continue;
      for (const neighbour of neighbours(random, poolByTownship.get(source.townshipCode) ?? [], source, random.int(3, 10))) {
        covered.add(neighbour.id);
        linkages.push(...linkPair(random, { kind: 'household', household: source }, neighbour, pickTypes(random, NEIGHBOUR_TYPES, NEIGHBOUR_TYPE_WEIGHTS)));
      }
    }
    for (const { enterprise, agreementNumber, signedOn } of agreements(random, enterprises, countyCode)) {
      const local = enterprise.localPath;
      const isLocal = (h: SeedHousehold) => local !== null && h.regionPath.startsWith(local);
      const ordered = [
        ...random.shuffle(pool.filter((h) => !covered.has(h.id) && isLocal(h))),
        ...random.shuffle(pool.filter((h) => !covered.has(h.id) && !isLocal(h))),
        ...random.shuffle(pool.filter((h) => covered.has(h.id))),
      ];
      const types = TYPES_BY_INDUSTRY[enterprise.industry] ?? TYPES_BY_INDUSTRY['农产品加工']!;
      for (const household of ordered.slice(0, enterprise.capacity)) {
        covered.add(household.id);
        const chosen = pickTypes(random, types, types.map((_, i) => types.length - i));
        linkages.push(...linkPair(random, { kind: 'enterprise', enterprise, agreementNumber, signedOn }, household, chosen));
      }
    }
  }
  return linkages;
}

type Source =
  | { kind: 'household'; household: SeedHousehold }
  | { kind: 'enterprise'; enterprise: SeedEnterprise; agreementNumber: string; signedOn: IsoDate };

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Up to `count` reachable households of the source's village, then of its township; never the source itself. */
function neighbours(random: Random, township: readonly SeedHousehold[], source: SeedHousehold, count: number): SeedHousehold[] {
  const others = township.filter((h) => h.id !== source.id);
  const village = others.filter((h) => h.villageCode === source.villageCode);
  const chosen = random.sample(village, count);
  if (chosen.length < count) chosen.push(...random.sample(others.filter((h) => h.villageCode !== source.villageCode), count - chosen.length));
  return chosen;
}

/** The county's linking enterprises with their 带贫协议: numbered per county and year in the order signed. */
function agreements(random: Random, enterprises: readonly SeedEnterprise[], countyCode: string) {
  const signed = enterprises
    .filter((e) => e.countyCode === countyCode && e.capacity > 0)
    .map((enterprise) => ({ enterprise, signedOn: random.date('2024-02-01' as IsoDate, '2026-06-30' as IsoDate) }))
    .sort((a, b) => compareDates(a.signedOn, b.signedOn));
  const perYear = new Map<string, number>();
  return signed.map(({ enterprise, signedOn }) => {
    const year = signedOn.slice(0, 4);
    const number = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, number);
    return { enterprise, signedOn, agreementNumber: `DPXY-${countyCode}-${year}-${String(number).padStart(4, '0')}` };
  });
}

/** One type, sometimes two different ones, weighted towards the first types of the list. */
function pickTypes(random: Random, types: readonly LinkageType[], weights: readonly number[]): LinkageType[] {
  const first = random.weighted(types, weights);
  if (!random.chance(0.12)) return [first];
  const rest = types.filter((t) => t !== first);
  return rest.length > 0 ? [first, random.pick(rest)] : [first];
}

function linkPair(random: Random, source: Source, household: SeedHousehold, types: readonly LinkageType[]): SeedLinkage[] {
  const enterprise = source.kind === 'enterprise';
  // A linkage starts once both sides exist: the agreement signed (or the designation made) and the household registered.
  const sourceSince = enterprise ? source.signedOn : source.household.demonstrationSince!;
  const startFloor = maxDate(sourceSince, household.registeredOn);
  return types.map((type) => {
    const startDate = minDate(addDays(startFloor, random.int(0, 60)), AS_OF);
    const ended = random.chance(enterprise ? 0.05 : 0.03) && compareDates(addDays(startDate, 30), AS_OF) <= 0;
    const [low, high] = BENEFIT_RANGE_YUAN[type];
    // Whole tens of yuan mostly; some agreements name fen too.
    const cents = random.chance(0.7) ? random.int(low / 10, high / 10) * 1000 : random.int(low * 100, high * 100);
    return {
      id: random.uuid(),
      sourceKind: source.kind,
      sourceId: enterprise ? source.enterprise.id : source.household.id,
      sourceEnterpriseId: enterprise ? source.enterprise.id : null,
      sourceHouseholdId: enterprise ? null : source.household.id,
      householdId: household.id,
      type,
      agreementNumber: enterprise ? source.agreementNumber : null,
      startDate,
      // Agreements run three years; some are open-ended.
      endDate: enterprise && random.chance(0.6) ? addDays(startDate, 3 * 365) : null,
      agreedAnnualBenefit: formatCents(cents),
      agreedAnnualBenefitCents: cents,
      regionPath: household.regionPath,
      countyCode: household.countyCode,
      endedOn: ended ? random.date(addDays(startDate, 30), AS_OF) : null,
      endReason: ended ? random.pick(END_REASONS) : null,
      createdBy: registrarOf(household.countyCode),
    };
  });
}
