import { addDays, compareDates, maxDate, minDate, toEpochDay, type IsoDate } from '../../src/core/dates';
import { residentIdCheckCharacter } from '../../src/core/identifiers';
import type { EnterpriseKind } from '../../src/modules/enterprises/enterprise.entity';
import type { HouseholdStatus } from '../../src/modules/households/household.entity';
import type { LinkageType } from '../../src/modules/linkages/linkage.entity';
import { apportion } from '../../src/seed/apportion';
import type { SeedVillage } from '../../src/seed/city-regions';
import type { Specialty } from '../../src/seed/county-profiles';
import type { UsccIssuer } from '../../src/seed/identity-numbers';
import { mobileNumber, personName, tradeName, type Sex } from '../../src/seed/names';
import { Random } from '../../src/seed/random';
import { IdMaker } from './ids';
import type { CountyPlan } from './plan';

/**
 * One county's register, generated in memory (about 10,000 households at most) and written out
 * before the next county starts, so the province never holds more than one county's rows. Follows
 * the demo city's generators (src/seed/city-*.ts): the same status mix and history, demonstration
 * households, enterprises doing what the county is known for, linkages from demonstration
 * households to neighbours and from enterprises to households of their township first.
 */
export const AS_OF = '2026-10-31' as IsoDate;

export interface StatusSpan {
  status: HouseholdStatus;
  from: IsoDate;
}

export interface GenHousehold {
  id: string;
  householdNumber: string;
  headName: string;
  idNumber: string;
  birthDate: IsoDate;
  phone: string | null;
  village: SeedVillage;
  members: number;
  laborers: number;
  registeredOn: IsoDate;
  /** Status history, oldest first; the last is the current status. */
  statuses: StatusSpan[];
  demonstrationSince: IsoDate | null;
}

export interface GenEnterprise {
  id: string;
  name: string;
  uscc: string;
  kind: EnterpriseKind;
  regionCode: string;
  regionPath: string;
  localPath: string | null;
  industry: string;
  legalRepresentative: string;
  active: boolean;
  capacity: number;
  agreementNumber: string | null;
  signedOn: IsoDate | null;
}

export interface GenLinkage {
  id: string;
  sourceKind: 'enterprise' | 'household';
  sourceId: string;
  householdId: string;
  type: LinkageType;
  agreementNumber: string | null;
  startDate: IsoDate;
  endDate: IsoDate | null;
  agreedAnnualBenefitCents: number;
  regionPath: string;
  endedOn: IsoDate | null;
  endReason: string | null;
}

export interface CountyRegister {
  households: GenHousehold[];
  enterprises: GenEnterprise[];
  linkages: GenLinkage[];
}

export const currentStatus = (h: GenHousehold): HouseholdStatus => h.statuses[h.statuses.length - 1]!.status;

/** The household's status on a date (null before it was registered). */
export function statusOn(h: GenHousehold, date: IsoDate): HouseholdStatus | null {
  let status: HouseholdStatus | null = null;
  for (const span of h.statuses) if (compareDates(span.from, date) <= 0) status = span.status;
  return status;
}

/**
 * Resident ID numbers unique within a county without a set of strings: one bit per (birth day,
 * sequence 500–999) in a bitmap reused county after county (about 1.5 MB).
 */
const OLDEST_BIRTH_DAY = toEpochDay('1945-01-02' as IsoDate);
const YOUNGEST_BIRTH_DAY = toEpochDay('2007-12-31' as IsoDate);
const SEQUENCES = 500;
const idBitmap = new Uint8Array(Math.ceil(((YOUNGEST_BIRTH_DAY - OLDEST_BIRTH_DAY + 1) * SEQUENCES) / 8));

function issueIdNumber(random: Random, countyCode: string, sex: Sex): { idNumber: string; birthDate: IsoDate } {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const birthDate = random.chance(0.85) ? random.date('1951-01-01' as IsoDate, '1991-12-31' as IsoDate) : random.date('1945-01-02' as IsoDate, '2007-12-31' as IsoDate);
    const sequence = 2 * random.int(0, 249) + (sex === 'male' ? 1 : 0);
    const bit = (toEpochDay(birthDate) - OLDEST_BIRTH_DAY) * SEQUENCES + sequence;
    const mask = 1 << (bit & 7);
    if (idBitmap[bit >> 3]! & mask) continue;
    idBitmap[bit >> 3]! |= mask;
    const body = `${countyCode}${birthDate.replaceAll('-', '')}${String(500 + sequence).padStart(3, '0')}`;
    return { idNumber: body + residentIdCheckCharacter(body), birthDate };
  }
  throw new Error('no free resident ID number after 100 attempts');
}

const MEMBER_COUNTS = [1, 2, 3, 4, 5, 6, 7] as const;
const MEMBER_WEIGHTS = [8, 18, 22, 24, 15, 8, 5] as const;

export function generateRegister(seed: number, county: CountyPlan, countyIndex: number, usccs: UsccIssuer): CountyRegister {
  idBitmap.fill(0);
  const households = generateHouseholds(seed, county, new IdMaker('household', countyIndex));
  const enterprises = generateEnterprises(seed, county, usccs, new IdMaker('enterprise', countyIndex));
  const linkages = generateLinkages(seed, county, households, enterprises, new IdMaker('linkage', countyIndex));
  return { households, enterprises, linkages };
}

function generateHouseholds(seed: number, county: CountyPlan, ids: IdMaker): GenHousehold[] {
  const random = new Random(seed, `households:${county.code}`);
  const weights = county.villages.map((v) => (v.urban ? 0.35 : 0.6 + random.next() * 0.8));
  const perVillage = apportion(county.households, weights);
  const households: GenHousehold[] = [];
  let sequence = 0;
  county.villages.forEach((village, index) => {
    for (let n = 0; n < perVillage[index]!; n += 1) {
      sequence += 1;
      const sex: Sex = random.chance(0.78) ? 'male' : 'female';
      const { idNumber, birthDate } = issueIdNumber(random, county.code, sex);
      const members = random.weighted(MEMBER_COUNTS, MEMBER_WEIGHTS);
      const elderly = compareDates(birthDate, '1956-01-01' as IsoDate) < 0;
      let laborers = 0;
      for (let m = 0; m < members; m += 1) if (random.chance(elderly ? 0.25 : 0.55)) laborers += 1;
      const registeredOn = random.chance(0.7) ? random.date('2024-01-02' as IsoDate, '2024-12-31' as IsoDate) : random.date('2025-01-02' as IsoDate, '2025-12-31' as IsoDate);
      households.push({
        id: ids.next(),
        householdNumber: `${county.code}-${String(sequence).padStart(6, '0')}`,
        headName: personName(random, sex),
        idNumber,
        birthDate,
        phone: random.chance(0.92) ? mobileNumber(random) : null,
        village,
        members,
        laborers,
        registeredOn,
        statuses: statusHistory(random, registeredOn),
        demonstrationSince: null,
      });
    }
  });
  // Demonstration households: working hands, not under watch, designated after registration.
  const candidates = households.filter((h) => h.laborers >= 1 && currentStatus(h) !== 'monitored');
  for (const h of random.sample(candidates, Math.round(county.households * county.demonstrationShare))) {
    h.demonstrationSince = random.date(addDays(h.registeredOn, 30), '2026-06-30' as IsoDate);
  }
  return households;
}

/** 70% poor, 20% lifted, 5% monitored from the start, 5% lifted then monitored (as the demo). */
function statusHistory(random: Random, registeredOn: IsoDate): StatusSpan[] {
  const roll = random.next();
  if (roll < 0.7) return [{ status: 'poor', from: registeredOn }];
  if (roll < 0.9) return [{ status: 'poor', from: registeredOn }, { status: 'lifted', from: random.date(addDays(registeredOn, 90), AS_OF) }];
  if (roll < 0.95) return [{ status: 'monitored', from: registeredOn }];
  const liftedOn = random.date(addDays(registeredOn, 90), addDays(AS_OF, -120));
  return [
    { status: 'poor', from: registeredOn },
    { status: 'lifted', from: liftedOn },
    { status: 'monitored', from: random.date(addDays(liftedOn, 60), AS_OF) },
  ];
}

const KINDS: readonly EnterpriseKind[] = ['company', 'cooperative', 'village_collective'];
const KIND_WEIGHTS = [50, 33, 17] as const;

function generateEnterprises(seed: number, county: CountyPlan, usccs: UsccIssuer, ids: IdMaker): GenEnterprise[] {
  const random = new Random(seed, `enterprises:${county.code}`);
  const tradeNames = new Set<string>();
  const collectiveVillages = new Set<string>();
  const rural = county.villages.some((v) => !v.urban) ? county.villages.filter((v) => !v.urban) : county.villages;
  const enterprises: GenEnterprise[] = [];
  for (let n = 0; n < county.enterprises; n += 1) {
    const free = rural.filter((v) => !collectiveVillages.has(v.code));
    const kind = free.length > 0 ? random.weighted(KINDS, KIND_WEIGHTS) : random.weighted(KINDS.slice(0, 2), KIND_WEIGHTS.slice(0, 2));
    const specialty: Specialty = random.pick(county.specialties);
    const home = random.pick(kind === 'village_collective' ? free : rural);
    if (kind === 'village_collective') collectiveVillages.add(home.code);
    const active = !random.chance(0.04);
    const links = active && random.chance(county.enterprisesLinking);
    const townshipPath = home.path.slice(0, home.path.length - home.code.length - 1);
    const regionCode = kind === 'company' ? county.code : kind === 'cooperative' ? home.townshipCode : home.code;
    const regionPath = kind === 'company' ? county.path : kind === 'cooperative' ? townshipPath : home.path;
    enterprises.push({
      id: ids.next(),
      name: firmName(random, tradeNames, kind, county, specialty, home),
      uscc: usccs.issue(kind, county.code),
      kind,
      regionCode,
      regionPath,
      localPath: kind === 'company' ? null : kind === 'cooperative' ? townshipPath : home.path,
      industry: specialty.industry,
      legalRepresentative: personName(random, random.chance(0.82) ? 'male' : 'female'),
      active,
      capacity: links ? 20 + Math.floor(130 * random.next() ** 2) : 0,
      agreementNumber: null,
      signedOn: null,
    });
  }
  // 带贫协议 numbered per county and year in the order signed.
  const signing = enterprises.filter((e) => e.capacity > 0);
  for (const e of signing) e.signedOn = random.date('2024-02-01' as IsoDate, '2026-06-30' as IsoDate);
  signing.sort((a, b) => compareDates(a.signedOn!, b.signedOn!));
  const perYear = new Map<string, number>();
  for (const e of signing) {
    const year = e.signedOn!.slice(0, 4);
    const number = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, number);
    e.agreementNumber = `DPXY-${county.code}-${year}-${String(number).padStart(4, '0')}`;
  }
  return enterprises;
}

function firmName(random: Random, taken: Set<string>, kind: EnterpriseKind, county: CountyPlan, specialty: Specialty, home: SeedVillage): string {
  if (kind === 'village_collective') return `${county.name}${home.townshipName}${home.name}股份经济合作社`;
  // Trade names are unique within a county; after many firms the word list runs out, so a number follows.
  let trade: string;
  try {
    trade = tradeName(random, taken);
  } catch {
    trade = `${random.pick(['丰', '富', '兴', '惠', '鑫'])}${taken.size}`;
  }
  if (kind === 'cooperative') return `${county.name}${trade}${specialty.product}专业合作社`;
  return `${county.name.endsWith('区') ? county.cityName.replace(/市$/, '') : county.name}${trade}${specialty.product}有限公司`;
}

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
const NEIGHBOUR_WEIGHTS = [35, 25, 15, 15, 10] as const;
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

function generateLinkages(seed: number, county: CountyPlan, households: GenHousehold[], enterprises: GenEnterprise[], ids: IdMaker): GenLinkage[] {
  const random = new Random(seed, `linkages:${county.code}`);
  const linkages: GenLinkage[] = [];
  const pool = households.filter(() => random.chance(county.coverage));
  const covered = new Set<string>();
  const byTownship = new Map<string, GenHousehold[]>();
  for (const h of pool) {
    const list = byTownship.get(h.village.townshipCode);
    if (list) list.push(h);
    else byTownship.set(h.village.townshipCode, [h]);
  }
  for (const source of households) {
    if (!source.demonstrationSince || !random.chance(county.demonstrationLinking)) continue;
    const township = (byTownship.get(source.village.townshipCode) ?? []).filter((h) => h.id !== source.id);
    const sameVillage = township.filter((h) => h.village.code === source.village.code);
    const count = random.int(3, 10);
    const chosen = random.sample(sameVillage, count);
    if (chosen.length < count) chosen.push(...random.sample(township.filter((h) => h.village.code !== source.village.code), count - chosen.length));
    for (const neighbour of chosen) {
      covered.add(neighbour.id);
      const types = pickTypes(random, NEIGHBOUR_TYPES, NEIGHBOUR_WEIGHTS);
      linkages.push(...linkPair(random, ids, { kind: 'household', id: source.id, since: source.demonstrationSince, agreementNumber: null }, neighbour, types));
    }
  }
  for (const enterprise of enterprises) {
    if (enterprise.capacity === 0) continue;
    const local = enterprise.localPath;
    const isLocal = (h: GenHousehold) => local !== null && h.village.path.startsWith(local);
    // The enterprise's own township or village first, then households nobody reaches yet, then the rest.
    const ordered = [
      ...random.sample(pool.filter((h) => !covered.has(h.id) && isLocal(h)), enterprise.capacity),
      ...random.sample(pool.filter((h) => !covered.has(h.id) && !isLocal(h)), enterprise.capacity),
      ...random.sample(pool.filter((h) => covered.has(h.id)), enterprise.capacity),
    ].slice(0, enterprise.capacity);
    const types = TYPES_BY_INDUSTRY[enterprise.industry] ?? TYPES_BY_INDUSTRY['农产品加工']!;
    for (const household of ordered) {
      covered.add(household.id);
      const chosen = pickTypes(random, types, types.map((_, i) => types.length - i));
      linkages.push(...linkPair(random, ids, { kind: 'enterprise', id: enterprise.id, since: enterprise.signedOn!, agreementNumber: enterprise.agreementNumber }, household, chosen));
    }
  }
  return linkages;
}

function pickTypes(random: Random, types: readonly LinkageType[], weights: readonly number[]): LinkageType[] {
  const first = random.weighted(types, weights);
  if (!random.chance(0.12)) return [first];
  const rest = types.filter((t) => t !== first);
  return rest.length > 0 ? [first, random.pick(rest)] : [first];
}

interface Source {
  kind: 'enterprise' | 'household';
  id: string;
  since: IsoDate;
  agreementNumber: string | null;
}

function linkPair(random: Random, ids: IdMaker, source: Source, household: GenHousehold, types: readonly LinkageType[]): GenLinkage[] {
  const enterprise = source.kind === 'enterprise';
  const startFloor = maxDate(source.since, household.registeredOn);
  return types.map((type) => {
    const startDate = minDate(addDays(startFloor, random.int(0, 60)), AS_OF);
    const ended = random.chance(enterprise ? 0.05 : 0.03) && compareDates(addDays(startDate, 30), AS_OF) <= 0;
    const [low, high] = BENEFIT_RANGE_YUAN[type];
    const cents = random.chance(0.7) ? random.int(low / 10, high / 10) * 1000 : random.int(low * 100, high * 100);
    return {
      id: ids.next(),
      sourceKind: source.kind,
      sourceId: source.id,
      householdId: household.id,
      type,
      agreementNumber: source.agreementNumber,
      startDate,
      endDate: enterprise && random.chance(0.6) ? addDays(startDate, 3 * 365) : null,
      agreedAnnualBenefitCents: cents,
      regionPath: household.village.path,
      endedOn: ended ? random.date(addDays(startDate, 30), AS_OF) : null,
      endReason: ended ? random.pick(END_REASONS) : null,
    };
  });
}
