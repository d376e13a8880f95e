import fs from 'node:fs';
import type { DataSource } from 'typeorm';

/**
 * CPU time spent per request by the server under test and by its PostgreSQL backends, so that an
 * API benchmark that misses its goal says where the time went (issue 7: "a profile where one is not
 * met"). Read from /proc (user + system time of each process), so only on Linux and only when the
 * PostgreSQL server runs on this machine (the embedded bench server does); elsewhere it reports
 * nothing. The backends are the server's pool connections, found by their application_name.
 */
/** The application_name of the API benchmark servers' PostgreSQL connections. */
export const SERVICE_APPLICATION_NAME = 'fupin-bench-service';
export const BASELINE_APPLICATION_NAME = 'fupin-bench-baseline';

export interface CpuSample {
  /** Milliseconds of CPU of the server process. */
  serverMs: number;
  /** Milliseconds of CPU of each PostgreSQL backend of the server's pool, by pid. */
  backendMs: Map<number, number>;
}

export interface CpuPerRequest {
  serverMs: number;
  postgresMs: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU of a process in ms, or null when /proc does not show it. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) are space-separated; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export class CpuProbe {
  constructor(
    private readonly dataSource: DataSource,
    private readonly serverPid: number | undefined,
    private readonly applicationName: string,
  ) {}

  async sample(): Promise<CpuSample | null> {
    if (this.serverPid === undefined) return null;
    const serverMs = processCpuMs(this.serverPid);
    if (serverMs === null) return null;
    const rows: Array<{ pid: number }> = await this.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [this.applicationName]);
    const backendMs = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms !== null) backendMs.set(pid, ms);
    }
    return { serverMs, backendMs };
  }

  /**
   * CPU per request between two samples. A backend that appears only in the second (the pool opened
   * it during the run) counts whole; one that closed during the run is missed (a busy pool keeps
   * its connections, so this undercounts at most a connection's idle-timeout tail).
   */
  static perRequest(before: CpuSample | null, after: CpuSample | null, requests: number): CpuPerRequest | null {
    if (!before || !after || requests <= 0 || after.backendMs.size === 0) return null;
    let postgres = 0;
    for (const [pid, ms] of after.backendMs) postgres += ms - (before.backendMs.get(pid) ?? 0);
    return { serverMs: (after.serverMs - before.serverMs) / requests, postgresMs: postgres / requests };
  }
}

export function describeCpu(label: string, cpu: CpuPerRequest | null): string {
  if (!cpu) return `${label} CPU per request not measured (needs Linux /proc and a local PostgreSQL)`;
  return `${label} CPU per request: server ${cpu.serverMs.toFixed(2)} ms + PostgreSQL ${cpu.postgresMs.toFixed(2)} ms`;
}
