import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Benchmark servers and workers run as child Node processes, so that each one's peak memory is its
 * own and the load generator does not share its event loop. A child talks by printing one JSON
 * object per line on stdout; it stops itself when its stdin closes (the parent went away) or its
 * time limit passes, so nothing is ever left running.
 */
export interface ChildHandle {
  process: ChildProcess;
  /** The next JSON message the child prints. */
  next(timeoutMs: number): Promise<Record<string, unknown>>;
  /** Asks the child to stop (closes its stdin) and waits for its last message and exit. */
  stop(timeoutMs?: number): Promise<Record<string, unknown> | null>;
}

export function startChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildHandle {
  const file = path.resolve(__dirname, '..', script);
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of every child (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child = spawn(process.execPath, ['--enable-source-maps', ...profile, file, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<(m: Record<string, unknown> | null) => void> = [];
  let exited = false;
  const deliver = (message: Record<string, unknown> | null) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else if (message) messages.push(message);
  };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      deliver(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not one of ours: a stray line of output.
    }
  });
  child.on('exit', () => {
    exited = true;
    while (waiters.length > 0) waiters.shift()!(null);
  });
  const next = (timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const queued = messages.shift();
      if (queued) return resolve(queued);
      if (exited) return reject(new Error(`${script} exited without answering`));
      const timer = setTimeout(() => reject(new Error(`${script} did not answer within ${timeoutMs} ms`)), timeoutMs);
      waiters.push((m) => {
        clearTimeout(timer);
        if (m) resolve(m);
        else reject(new Error(`${script} exited without answering`));
      });
    });
  const stop = async (timeoutMs = 30_000) => {
    if (exited) return messages.shift() ?? null;
    child.stdin!.end();
    const last = await next(timeoutMs).catch(() => null);
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await gone;
      clearTimeout(timer);
    }
    return last;
  };
  return { process: child, next, stop };
}

/**
 * For the children: stop when the parent closes stdin or after `limitMs`, whichever comes first,
 * running `onStop` (which prints the last message) once.
 */
export function stopWhenParentGoes(limitMs: number, onStop: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    onStop()
      .catch((error: unknown) => process.stderr.write(`${String(error)}\n`))
      .finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  setTimeout(stop, limitMs).unref();
}

export const send = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/** Peak resident memory of this process so far, in MB (getrusage ru_maxrss). */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
