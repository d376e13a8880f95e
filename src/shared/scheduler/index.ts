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
  const tasks: ScheduledTask[] = entries.map((entry) =>
    createTask(
      entry.cron,
      async (context) => {
        const tick = entry.run(context.date).catch((error: unknown) => logger.error({ err: error, job: entry.name }, 'scheduled job tick failed'));
        inFlight.add(tick);
        try {
          await tick;
        } finally {
          inFlight.delete(tick);
        }
      },
      { name: entry.name, timezone: BUSINESS_TIMEZONE, noOverlap: true },
    ),
  );
  for (const task of tasks) void task.start();
  logger.info({ jobs: entries.map((e) => ({ name: e.name, cron: e.cron })), timezone: BUSINESS_TIMEZONE }, 'job schedules started');
  return {
    stop: async () => {
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
