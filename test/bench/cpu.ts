/**
 * CPU seconds this process and its finished children have used, from /proc/self/stat (Linux):
 * what a benchmark needs to say how much of a slowdown is the machine's few cores rather than
 * the code. Undefined where /proc is not there.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Linux reports these fields in USER_HZ, which the kernel ABI fixes at 100 per second. */
const TICKS_PER_SECOND = 100;

export function cpuSecondsWithChildren(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of the whole line, 12-15 after the name.
    const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export function cores(): number {
  return os.availableParallelism();
}
