// Whether a process id names a live process: how lock files tell a held lock from one left by a crash.

/** A signal 0 probe: EPERM means it lives under another user, which still holds its lock. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
