import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux; undefined
 * elsewhere). On a machine shared with other work, requests per second follow the CPU share
 * the server happens to get; CPU time per request does not, so it is printed beside them.
 */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return (ticks * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Runs `fn` and returns the CPU ms `pid` used meanwhile (NaN where /proc is missing). */
export async function cpuDuring<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = cpuMs(pid);
  const result = await fn();
  const after = cpuMs(pid);
  return { result, cpuMs: before === undefined || after === undefined ? Number.NaN : after - before };
}

export function usPer(cpuMsTotal: number, n: number): string {
  return Number.isFinite(cpuMsTotal) && n > 0 ? `${((cpuMsTotal * 1000) / n).toFixed(0)} us` : '-';
}
