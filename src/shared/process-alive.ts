// Whether a process id names a running process, for the lock files that record their holder's pid.

/** EPERM means the process exists but belongs to another user: it still holds its lock. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
