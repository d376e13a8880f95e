import { generateBenefits, type SeedBenefit } from './city-benefits';
import { generateEnterprises, type SeedEnterprise } from './city-enterprises';
import { generateHouseholds, type SeedHistory, type SeedHousehold } from './city-households';
import { generateLinkages, type SeedLinkage } from './city-linkages';
import { generateRegions, type RegionRow } from './city-regions';
import { generateTargets, type SeedTarget } from './city-targets';
import { DEMO_SEED } from './county-profiles';

export { DEMO_SEED };

/** The demo city's register as plain rows, before any database: pure, and the same for the same seed. */
export interface DemoCity {
  regions: RegionRow[];
  households: SeedHousehold[];
  history: SeedHistory[];
  enterprises: SeedEnterprise[];
  linkages: SeedLinkage[];
  benefits: SeedBenefit[];
  targets: SeedTarget[];
}

/**
 * Generates Kaifeng's demo register from a seed: regions, about 12,000 households (1,000 of them
 * demonstration households) with their history, about 120 enterprises, linkages, benefit records
 * and the 百千万 targets. Rows reference each other by generated ids; users and banks by key.
 * Resident ID numbers are in clear here and must be sealed before they are stored.
 */
export function generateDemoCity(seed: number = DEMO_SEED): DemoCity {
  const { rows: regions, villages } = generateRegions(seed);
  const { households, history } = generateHouseholds(seed, villages);
  const enterprises = generateEnterprises(seed, villages);
  const linkages = generateLinkages(seed, households, enterprises);
  const benefits = generateBenefits(seed, linkages, enterprises);
  return { regions, households, history, enterprises, linkages, benefits, targets: generateTargets() };
}
