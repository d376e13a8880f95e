import { expect } from 'chai';
import type { IsoDate } from '../../src/core/dates';
import {
  addWorkingDays,
  cronExpression,
  dueDatesUpTo,
  isDueOn,
  newestLatePeriod,
  shanghaiClock,
  workingDaysAfter,
} from '../../src/modules/jobs/job-calendar';
import { getTasks } from 'node-cron';
import { createJobDefinitions, startJobs, type JobPorts, type JobRunner } from '../../src/modules/jobs';
import { createLogger } from '../../src/shared/logging/logger';
import { startScheduler } from '../../src/shared/scheduler';

/** When the scheduled jobs are due (SPEC §8) and the 3-working-day submission rule (SPEC §7): pure. */
describe('job calendar (SPEC §7, §8)', () => {
  const d = (date: string) => date as IsoDate;

  it('when a job has a cadence, then its node-cron expression says the same', () => {
    expect(cronExpression({ cadence: 'daily', hour: 1, minute: 0 })).to.equal('0 1 * * *');
    expect(cronExpression({ cadence: 'monthly', hour: 3, minute: 15 })).to.equal('15 3 1 * *');
    expect(cronExpression({ cadence: 'after_settlement_date', hour: 2, minute: 0 })).to.equal('0 2 21 3,6,9,12 *');
  });

  it('when a date is checked, then settlement drafts are due only the day after a settlement date and snapshots on the 1st', () => {
    expect(isDueOn('after_settlement_date', d('2026-09-21'))).to.equal(true);
    expect(isDueOn('after_settlement_date', d('2026-12-21'))).to.equal(true);
    expect(isDueOn('after_settlement_date', d('2026-09-20'))).to.equal(false);
    expect(isDueOn('after_settlement_date', d('2026-10-21'))).to.equal(false);
    expect(isDueOn('monthly', d('2026-10-01'))).to.equal(true);
    expect(isDueOn('monthly', d('2026-10-02'))).to.equal(false);
    expect(isDueOn('daily', d('2026-10-02'))).to.equal(true);
  });

  it('when an instant is read in Asia/Shanghai, then 16:30 UTC is 00:30 the next day', () => {
    expect(shanghaiClock(new Date('2026-09-20T16:30:00Z'))).to.deep.equal({ date: '2026-09-21', minuteOfDay: 30 });
  });

  it('when due dates are listed for a catch-up, then they reach back 31 days and include today only after its time', () => {
    const daily = { cadence: 'daily', hour: 2, minute: 0 } as const;
    const before = dueDatesUpTo(daily, new Date('2026-10-20T01:59:00+08:00'));
    expect(before).to.have.length(31);
    expect([before[0], before.at(-1)]).to.deep.equal(['2026-09-19', '2026-10-19']);
    expect(dueDatesUpTo(daily, new Date('2026-10-20T02:00:00+08:00')).at(-1)).to.equal('2026-10-20');
    const drafts = { cadence: 'after_settlement_date', hour: 2, minute: 0 } as const;
    expect(dueDatesUpTo(drafts, new Date('2026-10-20T12:00:00+08:00'))).to.deep.equal(['2026-09-21']);
    expect(dueDatesUpTo(drafts, new Date('2026-10-23T12:00:00+08:00'))).to.deep.equal([]);
  });

  it('when working days are counted, then only Monday to Friday count', () => {
    // 2026-09-20 is a Sunday, the last day of 2026Q3.
    expect(workingDaysAfter(d('2026-09-20'), d('2026-09-20'))).to.equal(0);
    expect(workingDaysAfter(d('2026-09-20'), d('2026-09-23'))).to.equal(3);
    expect(workingDaysAfter(d('2026-09-20'), d('2026-09-27'))).to.equal(5);
    expect(addWorkingDays(d('2026-09-20'), 3)).to.equal('2026-09-23');
    // 2026-12-18 is a Friday: three working days later is the Wednesday.
    expect(addWorkingDays(d('2026-12-18'), 3)).to.equal('2026-12-23');
  });

  it('when the newest late period is asked for, then a batch is late from the 4th working day after its period', () => {
    expect(newestLatePeriod(d('2026-09-23')).name).to.equal('2026Q2');
    expect(newestLatePeriod(d('2026-09-24')).name).to.equal('2026Q3');
    expect(newestLatePeriod(d('2026-11-29')).name).to.equal('2026Q3');
    // Q4 2026 ends on Sunday 2026-12-20; its batches are late from Thursday 2026-12-24.
    expect(newestLatePeriod(d('2026-12-23')).name).to.equal('2026Q3');
    expect(newestLatePeriod(d('2026-12-24')).name).to.equal('2026Q4');
  });
});

/**
 * The timers (shared/scheduler): node-cron drops a tick that fires more than a second late (a busy
 * event loop, a GC pause, a suspended VM, a clock step) as "missed". The jobs catch up only at start
 * and at their own ticks, so a dropped tick left a daily job's date undone for a day, and the
 * settlement drafts' date undone for good (their next tick, three months on, is past the 31-day
 * catch-up window).
 */
describe('job scheduler timers (SPEC §8)', () => {
  const RealDate = Date;
  afterEach(() => {
    globalThis.Date = RealDate;
  });

  it('when a tick fires too late for node-cron to run it, then the job still runs (its catch-up)', async () => {
    // A daily cron at the next whole second at least 300 ms away, read in Asia/Shanghai.
    const at = new RealDate(Math.ceil((RealDate.now() + 300) / 1000) * 1000);
    const shanghai = new RealDate(at.getTime() + 8 * 3600 * 1000);
    const cron = `${shanghai.getUTCSeconds()} ${shanghai.getUTCMinutes()} ${shanghai.getUTCHours()} * * *`;
    const fired: Date[] = [];
    const scheduler = startScheduler([{ name: 'late_probe', cron, run: async (firedAt) => void fired.push(firedAt) }], createLogger('silent'));
    try {
      // From now on the wall clock reads 5 s ahead of the timers, as after a 5-second stall.
      const offset = 5000;
      class LateDate extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + offset);
          else super(...(args as [number]));
        }
        static override now(): number {
          return RealDate.now() + offset;
        }
      }
      globalThis.Date = LateDate as DateConstructor;
      const deadline = RealDate.now() + 1500 + (at.getTime() - RealDate.now());
      while (fired.length === 0 && RealDate.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      globalThis.Date = RealDate;
      expect(fired, 'the late tick ran the job').to.have.length(1);
      expect(fired[0]!.getTime()).to.equal(at.getTime());
    } finally {
      globalThis.Date = RealDate;
      await scheduler.stop();
    }
  });
});

describe('job timers of the service (SPEC §8)', () => {
  it('when a job is due monthly or quarterly, then its timer still fires daily at its time, so that a failed or missed due date is retried the next day', async () => {
    const calls: string[] = [];
    const jobs = createJobDefinitions({} as JobPorts);
    const runner = {
      jobs,
      catchUpAll: async () => [],
      runScheduled: async (name: string) => {
        calls.push(name);
        return [];
      },
      shutdown: async () => undefined,
    } as unknown as JobRunner;
    const scheduler = startJobs(runner, createLogger('silent'));
    try {
      const timerOf = (name: string) => [...getTasks().values()].find((task) => task.name === name)!;
      const fires = (name: string, at: string) => timerOf(name).match(new Date(`${at}+08:00`));
      expect(fires('settlement_drafts', '2026-09-21T02:00:00')).to.equal(true);
      // The 21st's run failed (or the tick was lost): the next morning's tick retries it (the runner
      // runs only due dates that have no success, so on other days the tick does nothing).
      expect(fires('settlement_drafts', '2026-09-22T02:00:00'), 'settlement drafts, the day after the 21st').to.equal(true);
      expect(fires('progress_snapshot', '2026-09-02T03:00:00'), 'the monthly snapshot, the day after the 1st').to.equal(true);
      expect(fires('settlement_drafts', '2026-09-22T02:01:00')).to.equal(false);
      expect(fires('delinquency', '2026-09-22T01:00:00')).to.equal(true);
    } finally {
      await scheduler.stop();
    }
    expect(calls).to.deep.equal([]);
  });
});
