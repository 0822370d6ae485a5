// CPU time of a process or thread from Linux /proc (user + system), for the tap benchmark's parent
// (the broker's CPU) and its server children (their main thread's CPU).
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds of `/proc/<path>/stat`: a process (`1234`) or a thread
 * (`self/task/1234`); null where it cannot be read (no /proc, process gone).
 */
export function procCpuSeconds(path: string): number | null {
  try {
    const stat = readFileSync(`/proc/${path}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
