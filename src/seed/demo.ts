import type { DataSource, EntityManager } from 'typeorm';
import { maskResidentId, usccCheckCharacter } from '../core/identifiers';
import { Decimal, parseMoney } from '../core/money';
import { Institution } from '../modules/institutions/institution.entity';
import { DEFAULT_SINGLE_CLIENT_LIMIT_RATIO } from '../modules/institutions/institutions.service';
import { hashPassword } from '../modules/users/password';
import { User, type Role } from '../modules/users/user.entity';
import type { IdNumberVault } from '../shared/crypto/id-number-vault';
import { LOCK_KEYS } from '../shared/db/migrate';
import { generateDemoCity, type DemoCity } from './demo-city';
import { insertDemoLoans } from './demo-loans';
import { insertEnterprises, insertRegions, insertRegister, type SealedHousehold } from './demo-register';
import { DEMO_PASSWORD, INSTITUTIONS, USERS } from './kaifeng';

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
 * take an advisory lock, so exactly one of them loads it. The city is generated and its ID numbers
 * sealed before the transaction, so the lock is held only while rows are written.
 */
export async function loadDemoData(dataSource: DataSource, vault: IdNumberVault): Promise<DemoSeedResult> {
  const logins = USERS.map((u) => ({ username: u.username, role: u.role as Role, displayName: u.displayName }));
  // A cheap look first, so a restart of a loaded instance does not generate the city for nothing.
  const [{ present }] = await dataSource.query('SELECT EXISTS (SELECT 1 FROM users) AS present');
  if (present) return { loaded: false, password: DEMO_PASSWORD, logins };
  // Hash and seal outside the transaction: scrypt is deliberately slow, AES-GCM is CPU work.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const city = generateDemoCity();
  const households = sealHouseholds(city, vault);
  const loaded = await dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.demoSeed]);
    const [{ count }] = await manager.query('SELECT count(*)::int AS count FROM users');
    if (count > 0) return false;
    await insertRegions(manager, city);
    const institutionIds = await seedInstitutions(manager);
    await insertEnterprises(manager, city);
    const userIds = await seedUsers(manager, passwordHash, institutionIds, city);
    await insertRegister(manager, city, { households, userIds, institutionIds });
    await insertDemoLoans(manager, institutionIds, userIds);
    return true;
  });
  return { loaded, password: DEMO_PASSWORD, logins };
}

/** The stored form of each head's ID number: ciphertext, lookup hash and mask; the clear number stays in memory. */
function sealHouseholds(city: DemoCity, vault: IdNumberVault): SealedHousehold[] {
  return city.households.map((household) => ({
    household,
    idNumberCiphertext: vault.encrypt(household.idNumber),
    idNumberHash: vault.hash(household.idNumber),
    idNumberMasked: maskResidentId(household.idNumber),
  }));
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

async function seedUsers(
  manager: EntityManager,
  passwordHash: string,
  institutionIds: Map<string, string>,
  city: DemoCity,
): Promise<Map<string, string>> {
  const enterpriseIds = new Map(city.enterprises.filter((e) => e.key !== null).map((e) => [e.key!, e.id]));
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
  return new Map(users.map((u) => [u.username, u.id]));
}
