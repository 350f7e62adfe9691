import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the CPU went during a phase, read from /proc: the machine's busy time, and per group of
 * processes (user + system time, children reaped by them included). Groups: the given pids (the
 * service instances), every process named `postgres` or `mariadbd`, the load generator (this
 * process's reaped children: it exits at the end of its phase) and this process itself.
 * Whatever else is busy — other work on the machine — is the rest.
 */
const HZ = 100;

export interface CpuSample {
  at: number;
  busy: number;
  groups: Record<string, number>;
}

function stat(pid: number | 'self'): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), which ends at the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  } catch {
    return [];
  }
}

/** utime, stime, cutime, cstime: fields 14–17 of /proc/<pid>/stat, 11–14 after the name. */
const own = (fields: number[]) => (fields[11] ?? 0) + (fields[12] ?? 0);
const reaped = (fields: number[]) => (fields[13] ?? 0) + (fields[14] ?? 0);

function named(name: string): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
    } catch {
      continue;
    }
    const fields = stat(Number(entry));
    ticks += own(fields) + reaped(fields);
  }
  return ticks;
}

function machineBusy(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

export function sampleCpu(pids: Record<string, number[]>): CpuSample {
  const self = stat('self');
  const groups: Record<string, number> = {};
  for (const [group, list] of Object.entries(pids)) groups[group] = list.reduce((sum, pid) => sum + own(stat(pid)), 0);
  groups.postgres = named('postgres');
  groups.mariadb = named('mariadbd');
  groups['load generator'] = reaped(self);
  groups.bench = own(self);
  return { at: performance.now(), busy: machineBusy(), groups };
}

/** Cores used on average between two samples, per group, and by the rest of the machine. */
export function coresUsed(before: CpuSample, after: CpuSample): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => Math.round((ticks / HZ / seconds) * 100) / 100;
  const out: Record<string, number> = {};
  let accounted = 0;
  for (const group of Object.keys(after.groups)) {
    const ticks = after.groups[group]! - (before.groups[group] ?? 0);
    accounted += ticks;
    out[group] = cores(ticks);
  }
  out.other = cores(Math.max(0, after.busy - before.busy - accounted));
  out.machine = cores(after.busy - before.busy);
  return out;
}
