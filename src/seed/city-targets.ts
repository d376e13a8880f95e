import { apportion } from './apportion';
import type { SeedUserKey } from './city-households';
import { BANK_TARGET_SHARES, CITY_TARGETS, COUNTY_PROFILES } from './county-profiles';
import { CITY } from './kaifeng';

export interface SeedTarget {
  scope: 'city' | 'county' | 'bank';
  regionCode: string | null;
  /** The head-office bank's key in INSTITUTIONS, for bank lines. */
  bankKey: string | null;
  enterprises: number;
  demonstrationHouseholds: number;
  linkedHouseholds: number;
  updatedBy: SeedUserKey;
}

/**
 * The 百千万 task breakdown list (SPEC §3): the city's 100 / 1,000 / 10,000, shared out to the nine
 * divisions by where the enterprises and households are, and to the three banks by their agreed
 * shares. Both breakdowns add up to the city exactly (largest remainder).
 */
export function generateTargets(): SeedTarget[] {
  const counties = Object.entries(COUNTY_PROFILES);
  const banks = Object.entries(BANK_TARGET_SHARES);
  const byCounty = {
    enterprises: apportion(CITY_TARGETS.enterprises, counties.map(([, p]) => p.enterprises)),
    demonstrationHouseholds: apportion(CITY_TARGETS.demonstrationHouseholds, counties.map(([, p]) => p.demonstrationHouseholds)),
    linkedHouseholds: apportion(CITY_TARGETS.linkedHouseholds, counties.map(([, p]) => p.households)),
  };
  const bankShares = banks.map(([, share]) => share);
  const byBank = {
    enterprises: apportion(CITY_TARGETS.enterprises, bankShares),
    demonstrationHouseholds: apportion(CITY_TARGETS.demonstrationHouseholds, bankShares),
    linkedHouseholds: apportion(CITY_TARGETS.linkedHouseholds, bankShares),
  };
  const line = (scope: SeedTarget['scope'], regionCode: string | null, bankKey: string | null, counts: Record<keyof typeof byCounty, number>): SeedTarget => ({
    scope,
    regionCode,
    bankKey,
    ...counts,
    updatedBy: 'poverty',
  });
  const pickAt = (table: typeof byCounty, i: number) => ({
    enterprises: table.enterprises[i]!,
    demonstrationHouseholds: table.demonstrationHouseholds[i]!,
    linkedHouseholds: table.linkedHouseholds[i]!,
  });
  return [
    line('city', CITY.code, null, { ...CITY_TARGETS }),
    ...counties.map(([code], i) => line('county', code, null, pickAt(byCounty, i))),
    ...banks.map(([key], i) => line('bank', null, key, pickAt(byBank, i))),
  ];
}
