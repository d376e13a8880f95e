import { addDays, compareDates, type IsoDate } from '../core/dates';
import type { HouseholdStatus } from '../modules/households/household.entity';
import { apportion } from './apportion';
import type { SeedVillage } from './city-regions';
import { COUNTY_PROFILES, DEMO_AS_OF } from './county-profiles';
import { ResidentIdIssuer } from './identity-numbers';
import { mobileNumber, personName, type Sex } from './names';
import { Random } from './random';

/** The demo users who keep the register: the county's poverty office where it has one, else the city's. */
export type SeedUserKey = 'admin' | 'poverty' | 'poverty.lankao' | 'enterprise';

export const registrarOf = (countyCode: string): SeedUserKey => (countyCode === '410225' ? 'poverty.lankao' : 'poverty');

/** A household as generated, with its head's ID number in clear: it is sealed by the vault before insert. */
export interface SeedHousehold {
  id: string;
  householdNumber: string;
  headName: string;
  idNumber: string;
  birthDate: IsoDate;
  phone: string | null;
  villageCode: string;
  regionPath: string;
  countyCode: string;
  townshipCode: string;
  members: number;
  laborers: number;
  status: HouseholdStatus;
  statusSince: IsoDate;
  registeredOn: IsoDate;
  isDemonstration: boolean;
  demonstrationSince: IsoDate | null;
}

export interface SeedHistory {
  householdId: string;
  kind: 'status' | 'demonstration';
  status: HouseholdStatus | null;
  isDemonstration: boolean | null;
  effectiveDate: IsoDate;
  reason: string;
  changedBy: SeedUserKey;
}

const AS_OF = DEMO_AS_OF as IsoDate;
const MEMBER_COUNTS = [1, 2, 3, 4, 5, 6, 7] as const;
const MEMBER_WEIGHTS = [8, 18, 22, 24, 15, 8, 5] as const;

/**
 * Households per county as in COUNTY_PROFILES, spread over its villages (communities get fewer),
 * with statuses about 70% poor, 10% monitored and 20% lifted, and their dated history: every
 * household is registered in 2024–2025, lifted and monitored ones change status later.
 */
export function generateHouseholds(seed: number, villages: readonly SeedVillage[]): { households: SeedHousehold[]; history: SeedHistory[] } {
  const random = new Random(seed, 'households');
  const ids = new ResidentIdIssuer(new Random(seed, 'resident-ids'));
  const households: SeedHousehold[] = [];
  const history: SeedHistory[] = [];
  for (const [countyCode, profile] of Object.entries(COUNTY_PROFILES)) {
    const countyVillages = villages.filter((v) => v.countyCode === countyCode);
    const weights = countyVillages.map((v) => (v.urban ? 0.35 : 0.6 + random.next() * 0.8));
    const perVillage = apportion(profile.households, weights);
    let sequence = 0;
    countyVillages.forEach((village, index) => {
      for (let n = 0; n < perVillage[index]!; n += 1) {
        sequence += 1;
        const household = newHousehold(random, ids, village, `${countyCode}-${String(sequence).padStart(6, '0')}`);
        households.push(household);
        history.push(...statusHistory(random, household));
      }
    });
    const inCounty = households.filter((h) => h.countyCode === countyCode);
    for (const household of chooseDemonstration(random, inCounty, profile.demonstrationHouseholds)) {
      household.isDemonstration = true;
      household.demonstrationSince = random.date(addDays(household.registeredOn, 30), '2026-06-30' as IsoDate);
      history.push({
        householdId: household.id,
        kind: 'demonstration',
        status: null,
        isDemonstration: true,
        effectiveDate: household.demonstrationSince,
        reason: '认定为示范户',
        changedBy: registrarOf(countyCode),
      });
    }
  }
  return { households, history };
}

function newHousehold(random: Random, ids: ResidentIdIssuer, village: SeedVillage, householdNumber: string): SeedHousehold {
  const sex: Sex = random.chance(0.78) ? 'male' : 'female';
  const { idNumber, birthDate } = ids.issue(village.countyCode, sex);
  const members = random.weighted(MEMBER_COUNTS, MEMBER_WEIGHTS);
  const elderly = compareDates(birthDate, '1956-01-01' as IsoDate) < 0;
  let laborers = 0;
  for (let m = 0; m < members; m += 1) if (random.chance(elderly ? 0.25 : 0.55)) laborers += 1;
  // Registration dates lean to 2024, when the register was rebuilt.
  const registeredOn = random.chance(0.7)
    ? random.date('2024-01-02' as IsoDate, '2024-12-31' as IsoDate)
    : random.date('2025-01-02' as IsoDate, '2025-12-31' as IsoDate);
  return {
    id: random.uuid(),
    householdNumber,
    headName: personName(random, sex),
    idNumber,
    birthDate,
    phone: random.chance(0.92) ? mobileNumber(random) : null,
    villageCode: village.code,
    regionPath: village.path,
    countyCode: village.countyCode,
    townshipCode: village.townshipCode,
    members,
    laborers,
    status: 'poor',
    statusSince: registeredOn,
    registeredOn,
    isDemonstration: false,
    demonstrationSince: null,
  };
}

/**
 * The status rows of one household, oldest first; sets its current status and date. Monitored
 * households are either edge households registered as such, or lifted ones that fell back under watch.
 */
function statusHistory(random: Random, household: SeedHousehold): SeedHistory[] {
  const row = (status: HouseholdStatus, effectiveDate: IsoDate, reason: string): SeedHistory => ({
    householdId: household.id,
    kind: 'status',
    status,
    isDemonstration: null,
    effectiveDate,
    reason,
    changedBy: registrarOf(household.countyCode),
  });
  const roll = random.next();
  const rows: SeedHistory[] = [];
  if (roll < 0.7) {
    rows.push(row('poor', household.registeredOn, 'registered'));
  } else if (roll < 0.9) {
    const liftedOn = random.date(addDays(household.registeredOn, 90), AS_OF);
    rows.push(row('poor', household.registeredOn, 'registered'), row('lifted', liftedOn, '收入稳定达标，验收脱贫'));
  } else if (roll < 0.95) {
    rows.push(row('monitored', household.registeredOn, 'registered'));
  } else {
    const liftedOn = random.date(addDays(household.registeredOn, 90), addDays(AS_OF, -120));
    const monitoredOn = random.date(addDays(liftedOn, 60), AS_OF);
    rows.push(
      row('poor', household.registeredOn, 'registered'),
      row('lifted', liftedOn, '收入稳定达标，验收脱贫'),
      row('monitored', monitoredOn, '因病因灾存在返贫风险，纳入监测'),
    );
  }
  const last = rows[rows.length - 1]!;
  household.status = last.status!;
  household.statusSince = last.effectiveDate;
  return rows;
}

/** Demonstration households: households with working hands, not under watch, chosen across the county. */
function chooseDemonstration(random: Random, households: readonly SeedHousehold[], count: number): SeedHousehold[] {
  const candidates = households.filter((h) => h.laborers >= 1 && h.status !== 'monitored');
  if (candidates.length < count) throw new Error('not enough candidates for demonstration households');
  return random.sample(candidates, count);
}
