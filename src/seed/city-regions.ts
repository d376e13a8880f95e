import type { RegionLevel } from '../modules/regions/region.entity';
import { CITY, COUNTIES } from './kaifeng';
import { communityName, villageName } from './names';
import { Random } from './random';

export interface RegionRow {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  path: string;
}

/** A village (or an urban community) with the codes households and enterprises need. */
export interface SeedVillage {
  code: string;
  name: string;
  path: string;
  townshipCode: string;
  townshipName: string;
  countyCode: string;
  /** Under a street office (街道): a 社区 with fewer registered households. */
  urban: boolean;
}

export interface CityRegions {
  rows: RegionRow[];
  villages: SeedVillage[];
}

/**
 * The region tree: city, the nine divisions, their townships, and 4–6 villages under each township
 * (2–3 communities under a street office). Village codes are the township's code and 201, 202 …,
 * so the villages the demo always had (410225100201 …) keep their codes. Parents precede children.
 */
export function generateRegions(seed: number): CityRegions {
  const random = new Random(seed, 'regions');
  const cityPath = `${CITY.code}/`;
  const rows: RegionRow[] = [{ code: CITY.code, name: CITY.name, level: 'city', parentCode: null, path: cityPath }];
  const villages: SeedVillage[] = [];
  for (const county of COUNTIES) {
    const countyPath = `${cityPath}${county.code}/`;
    rows.push({ code: county.code, name: county.name, level: 'county', parentCode: CITY.code, path: countyPath });
    for (const township of county.townships) {
      const townshipPath = `${countyPath}${township.code}/`;
      rows.push({ code: township.code, name: township.name, level: 'township', parentCode: county.code, path: townshipPath });
      const urban = township.name.endsWith('街道');
      const count = urban ? random.int(2, 3) : random.int(4, 6);
      const taken = new Set<string>();
      for (let v = 1; v <= count; v += 1) {
        const code = `${township.code}${200 + v}`;
        const name = urban ? communityName(random, taken) : villageName(random, taken);
        const path = `${townshipPath}${code}/`;
        rows.push({ code, name, level: 'village', parentCode: township.code, path });
        villages.push({ code, name, path, townshipCode: township.code, townshipName: township.name, countyCode: county.code, urban });
      }
    }
  }
  return { rows, villages };
}
