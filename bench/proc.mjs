// What /proc says of a process (Linux), for the benchmarks: its memory and its CPU time.
// `pid` is a process id or 'self'.
import { readFileSync } from 'node:fs';

/** Clock ticks of /proc/<pid>/stat: USER_HZ is 100 on Linux. */
const TICK_MS = 10;

/**
 * A memory figure of /proc/<pid>/status in MB: 'VmRSS' (resident now) or 'VmHWM' (its
 * peak). VmHWM, not getrusage's maxrss: on Linux maxrss survives exec, so a child would
 * report its parent's peak.
 */
export function memoryMb(pid, field) {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** User + system CPU time in ms of a process (all its threads), or of one thread with `tid`. */
export function cpuMs(pid, tid) {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
