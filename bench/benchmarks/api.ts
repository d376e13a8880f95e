import crypto from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config';
import { addMonthsClamped, type IsoDate } from '../../src/core/dates';
import { AuthService } from '../../src/modules/auth/auth.service';
import { LoanServicingService } from '../../src/modules/loans/loan-servicing.service';
import type { AuthenticatedContext } from '../../src/shared/auth/context';
import { BENCH_PASSWORD } from '../data/institutions';
import { startChild, type ChildHandle } from '../lib/child';
import { BASELINE_APPLICATION_NAME, CpuProbe, describeCpu, SERVICE_APPLICATION_NAME, type CpuPerRequest } from '../lib/cpu';
import { SCRATCH_SCHEMA, settle, type BenchContext } from '../lib/context';
import { median, type ResultRow } from '../lib/stats';

/**
 * The loan API under load (issue 7), with autocannon and 50 connections, against the service
 * (createApp, LOG_LEVEL silent, in a child process on 127.0.0.1) and against a bare Express + pg
 * server started the same way (servers/baseline-server.ts):
 * - registration: POST /api/v1/loans, the full path (token, user load, Joi, idempotency key, model
 *   version, reference rate, eligibility, fund capacity under its lock, circuit breakers, one-loan
 *   rule, insert, schedule rows, event, audit), each request with its own Idempotency-Key,
 *   contract number and an eligible household of the register (model 1, 扶贫小额信贷, the
 *   programme's main product and the model with the most checks); baseline POST inserts one row;
 * - reading: GET /api/v1/loans/:id (loan, borrower, schedule, repayments, events, balances);
 *   baseline GET reads the one loan row.
 * After each registration run the loans it registered are repaid in full through
 * LoanServicingService (not timed), so the same households are eligible again next run.
 */
const CONNECTIONS = 50;
const REGISTER_GOAL = 0.35;
const READ_GOAL = 0.6;
const P99_GOAL_MS = 100;
const READ_SECONDS = 10;
const READ_IDS = 5000;

interface Officer {
  bankId: string;
  token: string;
  context: AuthenticatedContext;
}

interface CannonStats {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
  cpu: CpuPerRequest | null;
}

/**
 * How long an autocannon run lasts: a number of requests, or a fixed time. autocannon ends a run of
 * a given amount only on its one-second tick, which for the bare endpoint (10,000 requests in about
 * 5 s) rounded its rate to 10,000 / 6 or 10,000 / 5; its measured runs are therefore timed.
 */
type RunSize = { amount: number } | { seconds: number };

function runLength(size: RunSize): { amount: number } | { duration: number } {
  return 'amount' in size ? { amount: size.amount } : { duration: size.seconds };
}

/** The two servers of an API benchmark, each with what measures its CPU. */
interface Servers {
  appPort: number;
  barePort: number;
  appCpu: CpuProbe;
  bareCpu: CpuProbe;
}

export interface ApiResults {
  register: ResultRow;
  read: ResultRow;
}

export async function benchApi(ctx: BenchContext, which: { register: boolean; read: boolean }, requestsPerRun: number): Promise<ApiResults> {
  const app = startChild('servers/app-server.js', [ctx.url]);
  const bare = startChild('servers/baseline-server.js', [ctx.url]);
  try {
    const servers: Servers = {
      appPort: Number((await app.next(60_000)).port),
      barePort: Number((await bare.next(60_000)).port),
      appCpu: new CpuProbe(ctx.dataSource, app.process.pid, SERVICE_APPLICATION_NAME),
      bareCpu: new CpuProbe(ctx.dataSource, bare.process.pid, BASELINE_APPLICATION_NAME),
    };
    const officers = await logIn(ctx, servers.appPort);
    const register = which.register ? await benchRegister(ctx, officers, servers, requestsPerRun) : notRun('Loan registration API');
    if (which.register && which.read) await settle(ctx, 'the reads');
    const read = which.read ? await benchRead(ctx, officers, servers) : notRun('Read one loan API');
    const [appEnd, bareEnd] = await Promise.all([app.stop(), bare.stop()]);
    const memory = `server peak RSS ${appEnd?.peakRssMb ?? '?'} MB, baseline server ${bareEnd?.peakRssMb ?? '?'} MB`;
    register.notes += `; ${memory}`;
    read.notes += `; ${memory}`;
    return { register, read };
  } finally {
    await Promise.all([app.stop(), bare.stop()]);
  }
}

function notRun(name: string): ResultRow {
  return { benchmark: name, figure: 'req/s', value: null, baseline: null, baselineLabel: 'req/s', ratio: null, goal: '', met: null, notes: 'not run' };
}

/** One token per bank's officer, through the real login endpoint. */
async function logIn(ctx: BenchContext, port: number): Promise<Officer[]> {
  const users: Array<{ username: string; institution_id: string }> = await ctx.dataSource.query(
    `SELECT username, institution_id FROM users WHERE role = 'loan_officer' AND username LIKE 'bench.officer.%' ORDER BY username`,
  );
  const auth = new AuthService(ctx.dataSource, loadConfig());
  const officers: Officer[] = [];
  for (const user of users) {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: BENCH_PASSWORD }),
    });
    if (response.status !== 200) throw new Error(`login of ${user.username} failed: ${response.status} ${await response.text()}`);
    const { token } = (await response.json()) as { token: string };
    const authUser = await auth.authenticate(`Bearer ${token}`);
    officers.push({ bankId: authUser.bankId!, token, context: { requestId: 'bench-settle', user: authUser, ip: '127.0.0.1' } });
  }
  return officers;
}

async function benchRegister(ctx: BenchContext, officers: Officer[], servers: Servers, perRun: number): Promise<ResultRow> {
  const { appPort, barePort } = servers;
  const households = await eligibleHouseholds(ctx, perRun + CONNECTIONS * 2);
  const n = Math.min(perRun, households.length - CONNECTIONS * 2);
  if (n < 200) throw new Error(`only ${households.length} eligible households for the registration benchmark`);
  const maturity = addMonthsClamped(ctx.today as IsoDate, 24);
  const run = crypto.randomBytes(3).toString('hex');
  let serial = 0;
  const bodies = () =>
    households.map((householdId, i) => {
      serial += 1;
      const officer = officers[i % officers.length]!;
      return {
        officer,
        body: JSON.stringify({
          contractNumber: `BENCH-${run}-${serial}`,
          modelCode: 'household_microcredit',
          borrowerKind: 'household',
          householdId,
          principal: '30000.00',
          rateAnnual: '0.0475',
          contractDate: ctx.today,
          disbursementDate: ctx.today,
          maturityDate: maturity,
          purpose: '种植业生产',
        }),
      };
    });
  const post = async (port: number, path: string, size: RunSize, withAuth: boolean): Promise<CannonStats> => {
    const prepared = bodies();
    let next = 0;
    return cannon(probeFor(servers, port), {
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      ...runLength(size),
      requests: [
        {
          method: 'POST',
          path,
          setupRequest: (request: Record<string, unknown>) => {
            const { officer, body } = prepared[next % prepared.length]!;
            next += 1;
            const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': `bench-${run}-${serial}-${next}` };
            if (withAuth) headers.authorization = `Bearer ${officer.token}`;
            return { ...request, headers, body };
          },
        },
      ],
    });
  };
  // Warm-up of both servers (JIT, pools, caches), then the runs; the service's loans are repaid each time.
  await post(appPort, '/api/v1/loans', { amount: Math.min(300, n) }, true);
  await settleBenchLoans(ctx, officers, run);
  await post(barePort, '/baseline/loans', { amount: Math.min(300, n) }, false);
  const figures: CannonStats[] = [];
  const baselines: CannonStats[] = [];
  for (let i = 1; i <= ctx.runs; i += 1) {
    figures.push(await post(appPort, '/api/v1/loans', { amount: n }, true));
    const settled = await settleBenchLoans(ctx, officers, run);
    // The bare endpoint answers thousands a second: a run of fixed length gives it a steady rate.
    baselines.push(await post(barePort, '/baseline/loans', { seconds: BARE_POST_SECONDS }, false));
    await ctx.dataSource.query(`TRUNCATE ${SCRATCH_SCHEMA}.api_baseline`);
    ctx.log(`  run ${i}: service ${figures[i - 1]!.rps.toFixed(0)} req/s p99 ${figures[i - 1]!.p99} ms errors ${figures[i - 1]!.errors + figures[i - 1]!.non2xx}; baseline ${baselines[i - 1]!.rps.toFixed(0)} req/s p99 ${baselines[i - 1]!.p99} ms (${settled} loans repaid after); ${cpuLine(figures[i - 1]!, baselines[i - 1]!)}`);
  }
  return summarise('Loan registration API (POST /loans)', figures, baselines, REGISTER_GOAL, n);
}

/**
 * Households that could take a 扶贫小额信贷 today: poor or monitored, aged 18–65, no open loan under
 * model 1; in a hashed order, so the requests spread over every county and fund as real traffic would
 * (requests under one fund queue on its row lock).
 */
async function eligibleHouseholds(ctx: BenchContext, limit: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await ctx.dataSource.query(
    `SELECT h.id FROM households h
      WHERE h.status IN ('poor', 'monitored')
        AND h.birth_date <= ($1::date - interval '18 years') AND h.birth_date > ($1::date - interval '66 years')
        AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.exclusive_household_id = h.id AND l.model_code = 'household_microcredit'
                         AND l.status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted'))
      ORDER BY md5(h.id::text)
      LIMIT $2`,
    [ctx.today, limit],
  );
  return rows.map((r) => r.id);
}

/** Repays every loan this benchmark registered, in full, through the service (8 at a time). */
async function settleBenchLoans(ctx: BenchContext, officers: Officer[], run: string): Promise<number> {
  const loans: Array<{ id: string; bank_id: string; outstanding: string }> = await ctx.dataSource.query(
    `SELECT id, bank_id, outstanding_principal::text AS outstanding FROM loans WHERE contract_number LIKE $1 AND status = 'active'`,
    [`BENCH-${run}-%`],
  );
  const servicing = new LoanServicingService(ctx.dataSource);
  const byBank = new Map(officers.map((o) => [o.bankId, o]));
  let index = 0;
  const worker = async () => {
    while (index < loans.length) {
      const loan = loans[index]!;
      index += 1;
      const officer = byBank.get(loan.bank_id)!;
      await servicing.repay(officer.context, loan.id, { paidOn: ctx.today, principal: loan.outstanding, interest: '0.00', penalty: '0.00' }, `bench-settle-${loan.id}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return loans.length;
}

async function benchRead(ctx: BenchContext, officers: Officer[], servers: Servers): Promise<ResultRow> {
  const { appPort, barePort } = servers;
  // Loans of each officer's bank, spread over the table (a sample, not the first rows of an index).
  const targets: Array<{ path: string; token: string }> = [];
  for (const officer of officers) {
    const rows: Array<{ id: string }> = await ctx.dataSource.query(`SELECT id FROM loans TABLESAMPLE SYSTEM (5) WHERE bank_id = $1 LIMIT $2`, [
      officer.bankId,
      Math.ceil(READ_IDS / officers.length),
    ]);
    for (const r of rows) targets.push({ path: r.id, token: officer.token });
  }
  const get = (port: number, prefix: string, withAuth: boolean, size: RunSize): Promise<CannonStats> => {
    let next = 0;
    return cannon(probeFor(servers, port), {
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      ...runLength(size),
      requests: [
        {
          method: 'GET',
          setupRequest: (request: Record<string, unknown>) => {
            const target = targets[next % targets.length]!;
            next += 1;
            return { ...request, path: `${prefix}${target.path}`, headers: withAuth ? { authorization: `Bearer ${target.token}` } : {} };
          },
        },
      ],
    });
  };
  // Warm-up: every target once on each server, so that the runs measure reading loans, not the first
  // read of a freshly copied database's pages from disk (a 3 s warm-up covered a third of them).
  await get(appPort, '/api/v1/loans/', true, { amount: targets.length });
  await get(barePort, '/baseline/loans/', false, { amount: targets.length });
  const figures: CannonStats[] = [];
  const baselines: CannonStats[] = [];
  for (let i = 1; i <= ctx.runs; i += 1) {
    figures.push(await get(appPort, '/api/v1/loans/', true, { seconds: READ_SECONDS }));
    baselines.push(await get(barePort, '/baseline/loans/', false, { seconds: READ_SECONDS }));
    ctx.log(`  run ${i}: service ${figures[i - 1]!.rps.toFixed(0)} req/s p99 ${figures[i - 1]!.p99} ms; baseline ${baselines[i - 1]!.rps.toFixed(0)} req/s p99 ${baselines[i - 1]!.p99} ms; ${cpuLine(figures[i - 1]!, baselines[i - 1]!)}`);
  }
  return summarise('Read one loan API (GET /loans/:id)', figures, baselines, READ_GOAL, targets.length);
}

function summarise(name: string, figures: CannonStats[], baselines: CannonStats[], goal: number, requests: number): ResultRow {
  const value = median(figures.map((f) => f.rps));
  const baseline = median(baselines.map((b) => b.rps));
  const p99 = median(figures.map((f) => f.p99));
  const errors = figures.reduce((sum, f) => sum + f.errors + f.non2xx, 0);
  const ratio = value / baseline;
  return {
    benchmark: name,
    figure: 'req/s',
    value,
    baseline,
    baselineLabel: 'req/s, bare Express + pg',
    ratio,
    goal: `≥ ${goal * 100}% of baseline, p99 ≤ ${P99_GOAL_MS} ms, 0 errors`,
    met: ratio >= goal && p99 <= P99_GOAL_MS && errors === 0,
    notes: `p99 ${p99} ms (median of runs; baseline p99 ${median(baselines.map((b) => b.p99))} ms); errors+non-2xx ${errors}; ${CONNECTIONS} connections; ${requests} requests or targets per run; runs ${figures.map((f) => f.rps.toFixed(0)).join('/')} vs ${baselines.map((b) => b.rps.toFixed(0)).join('/')} req/s; ${describeCpu('service', medianCpu(figures))}; ${describeCpu('baseline', medianCpu(baselines))}`,
  };
}

/** A run's CPU per request, service against baseline, as server + PostgreSQL milliseconds. */
function cpuLine(figure: CannonStats, baseline: CannonStats): string {
  const short = (cpu: CpuPerRequest | null) => (cpu ? `${cpu.serverMs.toFixed(2)} + ${cpu.postgresMs.toFixed(2)} ms` : '—');
  return `CPU/request (server + PostgreSQL) ${short(figure.cpu)} vs ${short(baseline.cpu)}`;
}

function probeFor(servers: Servers, port: number): CpuProbe {
  return port === servers.appPort ? servers.appCpu : servers.bareCpu;
}

/** Medians over the runs of the CPU each request cost, or null when it was not measured. */
function medianCpu(runs: CannonStats[]): CpuPerRequest | null {
  const measured = runs.map((r) => r.cpu).filter((c): c is CpuPerRequest => c !== null);
  if (measured.length === 0) return null;
  return { serverMs: median(measured.map((c) => c.serverMs)), postgresMs: median(measured.map((c) => c.postgresMs)) };
}

/** The bare registration endpoint runs this long each time (it answers thousands a second). */
const BARE_POST_SECONDS = 10;

/**
 * One autocannon run. The rate is 2xx answers over the time from the start to the last response,
 * measured here: autocannon ends a run of a given size only on its one-second tick, and its own
 * `duration` moves in those steps (2,000 registrations in 8.3 s read as 2,000 / 9 = 222 req/s).
 */
async function cannon(probe: CpuProbe, options: Record<string, unknown>): Promise<CannonStats> {
  const cpuBefore = await probe.sample();
  const started = process.hrtime.bigint();
  let lastResponse = started;
  const requests = (options.requests as Array<Record<string, unknown>>).map((request) => ({
    ...request,
    onResponse: () => {
      lastResponse = process.hrtime.bigint();
    },
  }));
  const raw = await autocannon({ ...options, requests } as never);
  const seconds = Number(lastResponse - started) / 1e9;
  const cpuAfter = await probe.sample();
  const result = raw as unknown as {
    requests: { total: number };
    latency: { p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  };
  return {
    rps: result['2xx'] / seconds,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
    cpu: CpuProbe.perRequest(cpuBefore, cpuAfter, result.requests.total),
  };
}

export type { ChildHandle };
