import type { DataSource, EntityManager } from 'typeorm';
import { usccCheckCharacter } from '../core/identifiers';
import { Decimal, parseMoney } from '../core/money';
import { Enterprise } from '../modules/enterprises/enterprise.entity';
import { Institution } from '../modules/institutions/institution.entity';
import { DEFAULT_SINGLE_CLIENT_LIMIT_RATIO } from '../modules/institutions/institutions.service';
import { Region } from '../modules/regions/region.entity';
import { hashPassword } from '../modules/users/password';
import { User, type Role } from '../modules/users/user.entity';
import { LOCK_KEYS } from '../shared/db/migrate';
import { CITY, COUNTIES, DEMO_PASSWORD, ENTERPRISES, INSTITUTIONS, USERS, VILLAGE_NAMES, VILLAGES_PER_TOWNSHIP } from './kaifeng';

export interface DemoLogin {
  username: string;
  role: Role;
  displayName: string;
}

export interface DemoSeedResult {
  loaded: boolean;
  password: string;
  logins: DemoLogin[];
}

export const withUsccCheck = (body: string): string => body + usccCheckCharacter(body);

/**
 * Loads the demo city once: into a database that has no users yet. Instances starting together
 * take an advisory lock, so exactly one of them loads it.
 */
export async function loadDemoData(dataSource: DataSource): Promise<DemoSeedResult> {
  const logins = USERS.map((u) => ({ username: u.username, role: u.role as Role, displayName: u.displayName }));
  // Hash outside the transaction: scrypt is deliberately slow.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const loaded = await dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.demoSeed]);
    const [{ count }] = await manager.query('SELECT count(*)::int AS count FROM users');
    if (count > 0) return false;
    await seedRegions(manager);
    const institutionIds = await seedInstitutions(manager);
    const enterpriseIds = await seedEnterprises(manager);
    await seedUsers(manager, passwordHash, institutionIds, enterpriseIds);
    return true;
  });
  return { loaded, password: DEMO_PASSWORD, logins };
}

async function seedRegions(manager: EntityManager): Promise<void> {
  const rows: Array<Partial<Region>> = [{ code: CITY.code, name: CITY.name, level: 'city', parentCode: null, path: `${CITY.code}/` }];
  let villageIndex = 0;
  for (const county of COUNTIES) {
    const countyPath = `${CITY.code}/${county.code}/`;
    rows.push({ code: county.code, name: county.name, level: 'county', parentCode: CITY.code, path: countyPath });
    for (const township of county.townships) {
      const townshipPath = `${countyPath}${township.code}/`;
      rows.push({ code: township.code, name: township.name, level: 'township', parentCode: county.code, path: townshipPath });
      for (let v = 1; v <= VILLAGES_PER_TOWNSHIP; v += 1) {
        const code = `${township.code}${String(200 + v).padStart(3, '0')}`;
        const name = VILLAGE_NAMES[villageIndex % VILLAGE_NAMES.length]!;
        villageIndex += 1;
        rows.push({ code, name, level: 'village', parentCode: township.code, path: `${townshipPath}${code}/` });
      }
    }
  }
  // Parents come before children in `rows`, which the foreign key on parent_code needs.
  await manager.getRepository(Region).insert(rows);
}

async function seedInstitutions(manager: EntityManager): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const seed of INSTITUTIONS) {
    const guarantor = seed.type === 'guarantee_company';
    const institution = manager.getRepository(Institution).create({
      type: seed.type,
      name: seed.name,
      uscc: withUsccCheck(seed.usccBody),
      parentId: seed.parentKey ? ids.get(seed.parentKey)! : null,
      regionCode: seed.regionCode,
      netAssets: guarantor ? parseMoney(seed.netAssets!) : null,
      leverageLimit: guarantor ? new Decimal(seed.leverageLimit!) : null,
      singleClientLimitRatio: guarantor ? new Decimal(DEFAULT_SINGLE_CLIENT_LIMIT_RATIO) : null,
    });
    await manager.getRepository(Institution).insert(institution);
    ids.set(seed.key, institution.id);
  }
  return ids;
}

async function seedEnterprises(manager: EntityManager): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const seed of ENTERPRISES) {
    const enterprise = manager.getRepository(Enterprise).create({
      name: seed.name,
      uscc: withUsccCheck(seed.usccBody),
      kind: seed.kind,
      regionCode: seed.regionCode,
      industry: seed.industry,
      legalRepresentative: seed.legalRepresentative,
      status: 'active',
    });
    await manager.getRepository(Enterprise).insert(enterprise);
    ids.set(seed.key, enterprise.id);
  }
  return ids;
}

async function seedUsers(
  manager: EntityManager,
  passwordHash: string,
  institutionIds: Map<string, string>,
  enterpriseIds: Map<string, string>,
): Promise<void> {
  const users = USERS.map((seed) =>
    manager.getRepository(User).create({
      username: seed.username,
      displayName: seed.displayName,
      passwordHash,
      role: seed.role,
      regionCode: seed.regionCode,
      institutionId: 'institutionKey' in seed ? institutionIds.get(seed.institutionKey)! : null,
      enterpriseId: 'enterpriseKey' in seed ? enterpriseIds.get(seed.enterpriseKey)! : null,
      active: true,
    }),
  );
  await manager.getRepository(User).insert(users);
}
