import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging/logger';
import { BUSINESS_TIMEZONE } from '../clock';

export interface ScheduleEntry {
  name: string;
  /** A node-cron expression, read in Asia/Shanghai. */
  cron: string;
  /** Called at each tick; its failure is logged, never thrown into the timer. */
  run(firedAt: Date): Promise<unknown>;
}

export interface Scheduler {
  /** Stops the timers and waits for the ticks in progress to finish. */
  stop(): Promise<void>;
}

/**
 * node-cron 4 tasks in the programme's timezone (SPEC §8). Each instance schedules every job; the
 * job runner's advisory lock, not the timer, decides which instance does the work. `noOverlap` keeps
 * a slow run from being started again by its own timer.
 */
export function startScheduler(entries: readonly ScheduleEntry[], logger: Logger): Scheduler {
  const inFlight = new Set<Promise<unknown>>();
  const tick = async (entry: ScheduleEntry, firedAt: Date): Promise<void> => {
    const run = entry.run(firedAt).catch((error: unknown) => logger.error({ err: error, job: entry.name }, 'scheduled job tick failed'));
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
    }
  };
  const tasks: ScheduledTask[] = entries.map((entry) => {
    const task = createTask(entry.cron, (context) => tick(entry, context.date), { name: entry.name, timezone: BUSINESS_TIMEZONE, noOverlap: true });
    // node-cron drops a tick that fires more than a second late (a busy event loop, a GC pause, a
    // suspended host, a clock step) as "missed". The entries catch up from the clock when they run,
    // so a late tick still runs: otherwise the date waits for the entry's next tick, a day later for
    // the daily jobs and three months (past the catch-up window) for the settlement drafts.
    task.on('execution:missed', (context) => {
      logger.warn({ job: entry.name, scheduledFor: context.date }, 'scheduled job tick was late; running it now');
      void tick(entry, context.date);
    });
    return task;
  });
  for (const task of tasks) void task.start();
  logger.info({ jobs: entries.map((e) => ({ name: e.name, cron: e.cron })), timezone: BUSINESS_TIMEZONE }, 'job schedules started');
  return {
    stop: async () => {
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
