import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { maskResidentId } from '../../src/core/identifiers';
import type { ModelParameters } from '../../src/modules/models/model-parameters';
import { hashPassword } from '../../src/modules/users/password';
import { apportion } from '../../src/seed/apportion';
import { UsccIssuer } from '../../src/seed/identity-numbers';
import { formatCents } from '../../src/seed/money-text';
import { Random } from '../../src/seed/random';
import { IdNumberVault } from '../../src/shared/crypto/id-number-vault';
import { createDataSource } from '../../src/shared/db/data-source';
import { migrateDatabase } from '../../src/shared/db/migrate';
import { parseArgs, scaleOption } from '../lib/args';
import { BENCH_DIR, databaseOf, openBenchServer, recreateDatabase, withClient } from '../lib/bench-db';
import { CopySet } from './copy';
import { IdMaker } from './ids';
import { BENCH_PASSWORD, generateInstitutions, type Institutions } from './institutions';
import { fundKey, generateCountyLoans, type ModelVersionRow } from './loans';
import { planScale, type CountyPlan, type ScalePlan } from './plan';
import { AS_OF, currentStatus, generateRegister, type CountyRegister } from './register';
import { dropKeysAndIndexes, keptArraysOff, keptArraysRebuilt, restoreKeysAndIndexes, sameSchema, saveSchema } from './schema';
import { TABLES, type TableKey } from './tables';
import { validateData } from './validate';

/**
 * `npm run bench:data -- --scale city|province [--database-url URL]`: generates the benchmark data
 * (deterministic: BENCH_SEED) into a database of its own, migrated with the real migrations, and
 * checks afterwards that it breaks no rule of the service (validate.ts). Rows are generated county
 * by county and streamed with COPY; nothing holds more than one county in memory.
 */
const RISK_FUND_HEADROOM_FEN = 500_000_000n;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['scale', 'database-url'], ['validate-only']);
  const scale = scaleOption(args, 'city');
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s] ${line}\n`);
  const server = await openBenchServer({ scale, databaseUrl: args.options.get('database-url'), loading: true });
  try {
    const name = databaseOf(server.url);
    const validateOnly = args.options.has('validate-only');
    if (!validateOnly) {
      // The load drops and recreates the database: never one that is not plainly a benchmark's.
      if (!server.embedded && !/bench/i.test(name)) throw new Error(`refusing to recreate database ${name}: its name must contain "bench"`);
      log(`${server.embedded ? 'embedded PostgreSQL under .bench/' : 'server of --database-url'}: recreating database ${name}`);
      await recreateDatabase(server.adminUrl, name);
    }
    const dataSource = createDataSource({ url: server.url, poolSize: 4 });
    await dataSource.initialize();
    try {
      const plan = planScale(scale);
      let counts: Record<string, number> = {};
      if (validateOnly) {
        log(`validating ${name} as it is`);
      } else {
        await migrateDatabase(dataSource);
        log('migrated with the real migrations');
        counts = await load(server.url, plan, dataSource, log);
      }
      const problems = await validateData(dataSource, plan, log);
      const elapsed = (Date.now() - started) / 1000;
      fs.mkdirSync(BENCH_DIR, { recursive: true });
      if (!validateOnly) fs.writeFileSync(path.join(BENCH_DIR, `${scale}.json`), JSON.stringify({ scale, seed: plan.seed, asOf: AS_OF, counts, seconds: elapsed, problems }, null, 2));
      log(`rows: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
      if (problems.length > 0) {
        for (const p of problems) log(`INVALID: ${p}`);
        process.exitCode = 1;
      }
      log(`${scale} data ${problems.length === 0 ? 'generated and valid' : 'generated with problems'} in ${elapsed.toFixed(0)} s`);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await server.stop();
  }
}

async function load(url: string, plan: ScalePlan, dataSource: import('typeorm').DataSource, log: (line: string) => void): Promise<Record<string, number>> {
  const config = loadConfig();
  const vault = new IdNumberVault(config.idEncryptionKey, config.idHashKey);
  const models = await loadModels(dataSource);
  const institutions = generateInstitutions(plan);
  const saved = await withClient(url, async (client) => {
    const schema = await saveSchema(client);
    await dropKeysAndIndexes(client, schema);
    await keptArraysOff(client);
    return schema;
  });
  log(`keys and indexes taken off for the load (${saved.constraints.length} constraints, ${saved.indexes.length} indexes)`);
  // Guarantees are filled when the schema has them (the guarantees module's migration).
  const [{ present }] = await dataSource.query(`SELECT to_regclass('public.guarantees') IS NOT NULL AS present`);
  const { guarantees: _guarantees, ...withoutGuarantees } = TABLES;
  const copy = await CopySet.open(url, present ? TABLES : (withoutGuarantees as typeof TABLES));
  if (!present) log('no guarantees table: guaranteed loans are written without their guarantee rows');
  const w = (key: TableKey) => copy.get(key);
  for (const r of plan.regions) w('regions').row([r.code, r.name, r.level, r.parentCode, r.path]);
  for (const i of institutions.rows) w('institutions').row([i.id, i.type, i.name, i.uscc, i.parentId, i.regionCode, i.netAssets, i.leverageLimit, i.singleClientLimitRatio]);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  for (const u of institutions.users) w('users').row([u.id, u.username, u.displayName, passwordHash, u.role, u.regionCode, u.institutionId, null, true]);
  writeTargets(plan, institutions, w);
  const usccs = new UsccIssuer(new Random(plan.seed, 'enterprise-usccs'));
  // Institutions' codes come from their own issuer; reserve them so no enterprise repeats one.
  for (const i of institutions.rows) usccs.reserve(i.uscc);
  let loans = 0;
  let skipped = 0;
  for (const [index, county] of plan.counties.entries()) {
    const register = generateRegister(plan.seed, county, index, usccs);
    writeRegister(register, institutions, vault, w);
    const fundIds = openFunds(county, index, institutions, models);
    const result = generateCountyLoans(plan.seed, county, index, register, institutions, models, fundIds, {
      loan: (v) => w('loans').row(v as never),
      schedule: (v) => w('schedule').row(v as never),
      repayment: (v) => w('repayments').row(v as never),
      event: (v) => w('events').row(v as never),
      audit: (v) => w('audit').row(v as never),
      guarantee: (v) => (present ? w('guarantees').row(v as never) : undefined),
    });
    for (const [key, id] of fundIds) {
      const [countyCode, bankId, modelCode] = key.split('|') as [string, string, string];
      const multiple = BigInt(models.get(modelCode)!.parameters.capacity.source === 'risk_fund' ? 10 : 1);
      const lent = result.principalByFund.get(key) ?? 0n;
      // Balance × multiple covers everything ever lent under the fund, plus room for the API benchmark.
      const balanceFen = (lent + multiple - 1n) / multiple + RISK_FUND_HEADROOM_FEN;
      const balance = formatCents(Number(balanceFen));
      w('funds').row([id, countyCode, bankId, modelCode, '10.00', balance, county.path]);
      w('movements').row([id, 'deposit', balance, balance, '2024-01-02', '风险补偿金初始存入', 'bench-initial-deposit', null, institutions.financeUserId]);
    }
    loans += result.loans;
    skipped += result.skipped;
    await copy.flush();
    if (index % Math.max(1, Math.floor(plan.counties.length / 20)) === 0 || index === plan.counties.length - 1) {
      log(`county ${index + 1}/${plan.counties.length} ${county.code} ${county.name}: ${loans} loans so far (${skipped} draws found no eligible borrower), rss ${rssMb()} MB`);
    }
  }
  const counts = await copy.close();
  log(`COPY done: ${loans} loans`);
  await withClient(url, async (client) => {
    log('putting keys, unique constraints, indexes and foreign keys back (validates every row):');
    await restoreKeysAndIndexes(client, saved, log);
    const drift = await sameSchema(client, saved);
    if (drift.length > 0) throw new Error(`schema differs after the load: ${drift.join('; ')}`);
    await keptArraysRebuilt(client, log);
    log('VACUUM ANALYZE');
    await client.query('VACUUM (ANALYZE)');
  });
  return counts;
}

async function loadModels(dataSource: import('typeorm').DataSource): Promise<Map<string, ModelVersionRow>> {
  const rows: Array<{ id: string; model_code: string; parameters: ModelParameters }> = await dataSource.query(
    `SELECT id, model_code, parameters FROM financing_model_versions WHERE version = 1`,
  );
  if (rows.length !== 10) throw new Error(`expected the ten seeded models, found ${rows.length}`);
  return new Map(rows.map((r) => [r.model_code, { id: r.id, modelCode: r.model_code, parameters: r.parameters }]));
}

/** A fund for every bank and every model that draws capacity from one, in this county. */
function openFunds(county: CountyPlan, countyIndex: number, institutions: Institutions, models: Map<string, ModelVersionRow>): Map<string, string> {
  const fundIds = new IdMaker('fund', countyIndex);
  const ids = new Map<string, string>();
  for (const bank of institutions.banks) {
    for (const model of models.values()) {
      if (model.parameters.capacity.source === 'risk_fund') ids.set(fundKey({ countyCode: county.code, bankId: bank.id, modelCode: model.modelCode }), fundIds.next());
    }
  }
  return ids;
}

const STATUS_REASONS = { poor: 'registered', lifted: '收入稳定达标，验收脱贫', monitored: '因病因灾存在返贫风险，纳入监测' } as const;

function writeRegister(register: CountyRegister, institutions: Institutions, vault: IdNumberVault, w: (key: TableKey) => import('./copy').CopyWriter): void {
  const registrar = institutions.povertyUserId;
  for (const e of register.enterprises) {
    w('enterprises').row([e.id, e.name, e.uscc, e.kind, e.regionCode, e.industry, e.legalRepresentative, e.active ? 'active' : 'inactive']);
  }
  for (const h of register.households) {
    const last = h.statuses[h.statuses.length - 1]!;
    w('households').row([
      h.id, h.householdNumber, h.headName, vault.encrypt(h.idNumber), vault.hash(h.idNumber), maskResidentId(h.idNumber), h.birthDate, h.phone,
      h.village.code, h.village.path, h.members, h.laborers, currentStatus(h), last.from, h.demonstrationSince !== null, h.demonstrationSince,
    ]);
    for (const span of h.statuses) w('history').row([h.id, 'status', span.status, null, span.from, STATUS_REASONS[span.status], registrar]);
    if (h.demonstrationSince) w('history').row([h.id, 'demonstration', null, true, h.demonstrationSince, '认定为示范户', registrar]);
  }
  for (const l of register.linkages) {
    const enterprise = l.sourceKind === 'enterprise';
    w('linkages').row([
      l.id, l.sourceKind, l.sourceId, enterprise ? l.sourceId : null, enterprise ? null : l.sourceId, l.householdId, l.type, l.agreementNumber,
      l.startDate, l.endDate, formatCents(l.agreedAnnualBenefitCents), l.regionPath, l.endedOn, l.endReason, registrar,
    ]);
  }
}

/** 百千万 targets: every city and county of the plan (city share as the demo's), bank lines for the whole scale. */
function writeTargets(plan: ScalePlan, institutions: Institutions, w: (key: TableKey) => import('./copy').CopyWriter): void {
  const by = institutions.povertyUserId;
  const target = (households: number, enterprises: number) => ({ enterprises: Math.round(enterprises * 0.85), demonstration: Math.round(households / 12), linked: Math.round((households * 5) / 6) });
  const totals = { enterprises: 0, demonstration: 0, linked: 0 };
  for (const city of plan.cities) {
    const counties = plan.counties.filter((c) => c.cityCode === city.code);
    const cityTarget = target(counties.reduce((s, c) => s + c.households, 0), counties.reduce((s, c) => s + c.enterprises, 0));
    w('targets').row(['city', city.code, null, cityTarget.enterprises, cityTarget.demonstration, cityTarget.linked, by]);
    const weights = counties.map((c) => c.households);
    const e = apportion(cityTarget.enterprises, weights);
    const d = apportion(cityTarget.demonstration, weights);
    const l = apportion(cityTarget.linked, weights);
    counties.forEach((c, i) => w('targets').row(['county', c.code, null, e[i], d[i], l[i], by]));
    totals.enterprises += cityTarget.enterprises;
    totals.demonstration += cityTarget.demonstration;
    totals.linked += cityTarget.linked;
  }
  const weights = institutions.banks.map((b) => b.weight);
  const e = apportion(totals.enterprises, weights);
  const d = apportion(totals.demonstration, weights);
  const l = apportion(totals.linked, weights);
  institutions.banks.forEach((b, i) => w('targets').row(['bank', null, b.id, e[i], d[i], l[i], by]));
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);

main().catch((error: unknown) => {
  process.stderr.write(`bench:data failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
