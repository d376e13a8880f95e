import type { HouseholdStatus } from './household.entity';

/**
 * Which status changes a household may go through (SPEC §3): out of poverty (脱贫), into monitoring
 * (监测) for risk of returning, back into poverty (返贫), and out of monitoring. Staying in the same
 * status is not a change.
 */
const ALLOWED: Record<HouseholdStatus, readonly HouseholdStatus[]> = {
  poor: ['lifted', 'monitored'],
  lifted: ['monitored', 'poor'],
  monitored: ['lifted', 'poor'],
};

export function canChangeStatus(from: HouseholdStatus, to: HouseholdStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** GB 11643 area codes start with a province-level code; these are the ones that exist. */
const PROVINCE_PREFIXES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

export const MAX_PLAUSIBLE_AGE_YEARS = 120;

export function hasPlausibleRegion(idNumber: string): boolean {
  return PROVINCE_PREFIXES.has(idNumber.slice(0, 2)) && idNumber.slice(2, 6) !== '0000';
}
