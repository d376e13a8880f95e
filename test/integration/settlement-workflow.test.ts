import { expect } from 'chai';
import type { IsoDate } from '../../src/core';
import { SettlementsService } from '../../src/modules/settlements';
import type { AuthenticatedContext, AuthUser } from '../../src/shared/auth/context';
import { DomainError } from '../../src/shared/http/errors';
import { eventually } from '../support/eventually';
import { unique } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/app';
import { createHouseholds, createTestBank, insertLoan, userId } from '../support/loan-builder';

/**
 * A correction is paid once (SPEC §7 "a later correction is an adjustment line in the next batch"):
 * when two batches carry it one after the other, and when the workflow's steps overlap — two
 * approvals at once, a draft computed or the scheduled job run while another batch of the bank is
 * being approved, instances whose clocks differ.
 */
describe('settlement workflow: a correction is paid once (SPEC §7)', function () {
  this.timeout(300_000);
  let t: TestApp;
  let creator: string;
  before(async () => {
    t = await startTestApp();
    creator = await userId(t.db.dataSource, 'officer.abc');
  });
  after(async () => {
    await t?.close();
  });

  async function contextOf(username: string, bankId: string): Promise<AuthenticatedContext> {
    const [u] = await t.db.dataSource.query(`SELECT id, username, role, region_code FROM users WHERE username = $1`, [username]);
    const user: AuthUser = {
      id: u.id, username: u.username, displayName: u.username, role: u.role, regionCode: u.region_code, regionPath: '410200/', regionLevel: 'city',
      institutionId: null, bankId: u.role === 'loan_officer' ? bankId : null, enterpriseId: null,
    };
    return { requestId: `test-${unique()}`, user, ip: '' };
  }

  /** A bank whose 2026Q2 was approved with 494.21 for one loan, then the Q2 repayment reversed: +61.62 is owed for 2026Q2. */
  async function bankWithCorrection() {
    const db = t.db.dataSource;
    const bank = await createTestBank(db, '复核银行');
    const [household] = await createHouseholds(db, 1);
    const loan = await insertLoan(db, {
      bankId: bank.id, modelCode: 'household_microcredit', borrowerKind: 'household', borrowerId: household!, createdBy: creator, principal: '50000.00', rateAnnual: '0.0435',
      referenceRateAnnual: '0.0435', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', payInstalmentsUpTo: '2026-12-20', repayments: [{ paidOn: '2026-05-01', principal: '10000.00' }],
    });
    // A clock in mid-2027, so that 2026Q4 has ended too.
    const workflow = new SettlementsService(db, () => '2027-06-30' as IsoDate);
    const [finance, finance2, finance3, officer] = await Promise.all(['finance', 'finance2', 'finance.lankao', 'officer.abc'].map((u) => contextOf(u, bank.id)));
    const q2 = (await workflow.compute(finance, { bankId: bank.id, period: '2026Q2' })).batch;
    await workflow.submit(officer, q2.id, {});
    await workflow.approve(finance2, q2.id);
    const [repayment] = await db.query(`SELECT id, principal FROM repayments WHERE loan_id = $1 AND paid_on = '2026-05-01'`, [loan.id]);
    await db.query(
      `INSERT INTO repayments (loan_id, kind, paid_on, principal, interest, penalty, reverses_id, idempotency_key, created_by) VALUES ($1, 'reversal', '2026-05-01', -$2::numeric, 0, 0, $3, 'rev', $4)`,
      [loan.id, repayment.principal, repayment.id, creator],
    );
    const draft = async (period: string) => (await workflow.compute(finance, { bankId: bank.id, period })).batch;
    return { loan, bank, workflow, finance, finance2, finance3, officer, draft };
  }

  /** What approved and paid batches booked for 2026Q2: its line plus adjustments. 555.83 = 92 d × 50,000.00 at 4.35 %. */
  const bookedForQ2 = async (loanId: string) =>
    (
      await t.db.dataSource.query(
        `SELECT coalesce(sum(sl.total_amount), 0)::text AS total FROM settlement_lines sl JOIN settlement_batches b ON b.id = sl.batch_id
          WHERE sl.loan_id = $1 AND b.status IN ('approved', 'paid') AND ((sl.kind = 'regular' AND b.period = '2026Q2') OR sl.adjusts_period = '2026Q2')`,
        [loanId],
      )
    )[0].total as string;

  interface Blocked {
    atAudit: number;
    atBankLock: number;
  }

  /**
   * Runs `work` while INSERTs into audit_log are held: a workflow transaction then stops at its audit
   * row, just before its commit, keeping its locks. `blocked(n)` waits until n sessions of this
   * database wait on a lock — at that audit row, or at a bank's settlement lock (an advisory lock) —
   * and says how many wait where. The hold ends when `work` does, even when it fails.
   */
  async function withCommitsHeld(work: (blocked: (n: number) => Promise<Blocked>) => Promise<void>): Promise<void> {
    const runner = t.db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('LOCK TABLE audit_log IN SHARE MODE');
    const waiting = async (): Promise<Blocked> => {
      const [row] = await t.db.dataSource.query(
        `SELECT count(*) FILTER (WHERE query LIKE 'INSERT INTO audit_log%')::int AS at_audit, count(*) FILTER (WHERE wait_event = 'advisory')::int AS at_bank_lock
           FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return { atAudit: row.at_audit, atBankLock: row.at_bank_lock };
    };
    const blocked = async (n: number) => {
      let last: Blocked = { atAudit: 0, atBankLock: 0 };
      await eventually(async () => ((last = await waiting()), last.atAudit + last.atBankLock >= n), `${n} settlement transaction(s) waiting on a lock`, 30_000);
      return last;
    };
    try {
      await work(blocked);
    } finally {
      await runner.commitTransaction();
      await runner.release();
    }
  }

  it('when two unapproved batches carry the same correction and one is approved, then approving the other is refused until it is recomputed', async () => {
    const { loan, workflow, finance2, officer, draft } = await bankWithCorrection();
    const q3 = await draft('2026Q3');
    const q4 = await draft('2026Q4');
    expect([q3.adjustmentCount, q4.adjustmentCount]).to.deep.equal([1, 1]);
    for (const batch of [q3, q4]) await workflow.submit(officer, batch.id, {});
    await workflow.approve(finance2, q4.id);
    let refusal: unknown;
    await workflow.approve(finance2, q3.id).catch((error) => (refusal = error));
    expect(refusal).to.be.instanceOf(DomainError).and.to.include({ code: 'INVALID_STATE' });
    await workflow.reject(finance2, q3.id, '调整已计入2026Q4');
    expect(await draft('2026Q3')).to.include({ adjustmentCount: 0 });
    await workflow.submit(officer, q3.id, {});
    expect((await workflow.approve(finance2, q3.id)).status).to.equal('approved');
    // 2026Q2 paid once in full: 92 days on 50,000.00 at 4.35 % = 555.83 (494.21 booked + 61.62 adjusted).
    expect(await bookedForQ2(loan.id)).to.equal('555.83');
  });

  it('when two submitted batches carrying the same correction are approved at the same time, then the second waits for the first and is refused: the correction is paid once', async () => {
    const { loan, workflow, finance2, finance3, officer, draft } = await bankWithCorrection();
    const q3 = await draft('2026Q3');
    const q4 = await draft('2026Q4');
    expect([q3.adjustmentCount, q4.adjustmentCount]).to.deep.equal([1, 1]);
    await workflow.submit(officer, q3.id, {});
    await workflow.submit(officer, q4.id, {});
    let approvals: Promise<Array<PromiseSettledResult<unknown>>> | undefined;
    let seen: Blocked | undefined;
    await withCommitsHeld(async (blocked) => {
      approvals = Promise.allSettled([workflow.approve(finance2, q3.id), workflow.approve(finance3, q4.id)]);
      seen = await blocked(2);
    });
    const outcomes = await approvals!;
    // 2026Q2 is owed 555.83 in all: 494.21 booked + 61.62 corrected, once.
    expect(outcomes.map((o) => o.status).sort(), 'one approval must be refused').to.deep.equal(['fulfilled', 'rejected']);
    const refusal = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason;
    expect(refusal).to.be.instanceOf(DomainError).and.to.include({ code: 'INVALID_STATE' });
    expect(await bookedForQ2(loan.id)).to.equal('555.83');
    // The second approval waited on the bank's settlement lock, not on the first's commit.
    expect(seen).to.deep.equal({ atAudit: 1, atBankLock: 1 });
  });

  it('when a later draft is computed while an earlier batch carrying the same correction is being approved, then it waits and leaves the correction out: paid once', async () => {
    const { loan, workflow, finance2, finance3, officer, draft } = await bankWithCorrection();
    const q3 = await draft('2026Q3');
    await workflow.submit(officer, q3.id, {});
    let approving: Promise<unknown> | undefined;
    let computing: Promise<{ id: string; adjustmentCount: number }> | undefined;
    await withCommitsHeld(async (blocked) => {
      approving = workflow.approve(finance2, q3.id);
      await blocked(1);
      // 2026Q4 is computed while the 2026Q3 approval is in flight.
      computing = draft('2026Q4');
      await blocked(2);
    });
    await approving;
    const q4 = await computing!;
    await workflow.submit(officer, q4.id, {});
    await workflow.approve(finance3, q4.id).catch(() => undefined);
    expect(await bookedForQ2(loan.id)).to.equal('555.83');
    expect(q4.adjustmentCount, 'the 2026Q4 draft was computed after the 2026Q3 approval').to.equal(0);
  });

  it('when the scheduled job drafts the next period while a batch carrying a correction is being approved, then the job waits for that bank and the correction is paid once', async () => {
    const { loan, bank, workflow, finance2, finance3, officer, draft } = await bankWithCorrection();
    const q3 = await draft('2026Q3');
    await workflow.submit(officer, q3.id, {});
    let approving: Promise<unknown> | undefined;
    let drafting: Promise<unknown> | undefined;
    await withCommitsHeld(async (blocked) => {
      approving = workflow.approve(finance2, q3.id);
      await blocked(1);
      drafting = workflow.draftBatchesForPeriod('2026Q4');
      await blocked(2);
    });
    await approving;
    await drafting;
    const [q4] = await t.db.dataSource.query(`SELECT id, adjustment_count FROM settlement_batches WHERE bank_id = $1 AND period = '2026Q4'`, [bank.id]);
    await workflow.submit(officer, q4.id, {});
    await workflow.approve(finance3, q4.id).catch(() => undefined);
    expect(await bookedForQ2(loan.id)).to.equal('555.83');
    expect(q4.adjustment_count).to.equal(0);
  });

  it('when the instance that approves a batch runs an hour slow, then a batch computed before that approval is still refused: the stamps are the database\'s', async () => {
    const { loan, workflow, finance2, finance3, officer, draft } = await bankWithCorrection();
    const q3 = await draft('2026Q3');
    const q4 = await draft('2026Q4');
    await workflow.submit(officer, q3.id, {});
    await workflow.submit(officer, q4.id, {});
    await withClockBehind(3_600_000, () => workflow.approve(finance2, q3.id));
    let refusal: unknown;
    await workflow.approve(finance3, q4.id).catch((error) => (refusal = error));
    expect(refusal).to.be.instanceOf(DomainError).and.to.include({ code: 'INVALID_STATE' });
    expect(await bookedForQ2(loan.id)).to.equal('555.83');
  });
});

/** Runs `work` with this process's `new Date()` and `Date.now()` behind by `ms`, as on an instance whose clock is slow. */
async function withClockBehind<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => (args.length === 0 ? new target(target.now() - ms) : Reflect.construct(target, args, newTarget)),
    get: (target, key, receiver) => (key === 'now' ? () => target.now() - ms : Reflect.get(target, key, receiver)),
  });
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}
