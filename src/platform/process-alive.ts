// Whether a process id names a live process: how lock files tell a held lock from one left by a crash.
import { readFileSync } from 'node:fs';

/** A signal 0 probe: EPERM means it lives under another user, which still holds its lock. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, in clock ticks since boot (Linux: /proc/<pid>/stat, field 22); null where unknown. A pid
 * is reused once its process is gone: the start time tells the process that wrote a lock from a newcomer.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** What a lock file holds: the pid, and its start time where the system says it. */
export function processStamp(pid = process.pid): string {
  const started = processStartTime(pid);
  return started === null ? `${pid}\n` : `${pid} ${started}\n`;
}

/** The pid a lock file names, and whether that very process still lives (not another that got its pid since). */
export function stampHolder(text: string): { pid: number; alive: boolean } {
  const [pidText = '', started] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, alive: false };
  if (!processAlive(pid)) return { pid, alive: false };
  const now = started === undefined ? null : processStartTime(pid);
  return { pid, alive: now === null || now === started };
}
