/**
 * @module Who holds a lease. A consumer's id names its host, its process id and the process's start time, so a
 * process restarted on the same host can tell at once that a lease's holder is gone (and take its jobs back
 * without waiting out the lease), while a holder on another host is only presumed dead once its lease expires.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), which tells a reused pid
 * from the process that held it; undefined where /proc is not there.
 */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

const ownStart = startTicks(process.pid);

/** `<prefix>-<random>@<host>#<pid>[:<start ticks>]` */
export function newOwnerId(prefix: string): string {
  const start = ownStart ? `:${ownStart}` : '';
  return `${prefix}-${randomBytes(6).toString('hex')}@${hostname()}#${process.pid}${start}`;
}

/**
 * False only for a process of this host that is gone (or whose pid now belongs to a process started later). An
 * owner on another host, or an id in another form, reads as alive: its lease decides.
 */
export function ownerAlive(owner: string): boolean {
  const match = /@(.+)#(\d+)(?::(\d+))?$/.exec(owner);
  if (!match || match[1] !== hostname()) return true;
  const pid = Number(match[2]);
  if (pid === process.pid) return match[3] === undefined || ownStart === undefined || match[3] === ownStart;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (match[3] === undefined) return true;
  const now = startTicks(pid);
  return now === undefined || now === match[3];
}
