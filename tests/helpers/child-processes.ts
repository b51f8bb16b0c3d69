// The processes a process started, read from Linux's /proc: what tests look at to see that a child runs, and is gone.
import { readdir, readFile } from 'node:fs/promises';

/** The direct children of `pid`, by pid and name (empty where there is no /proc). */
export async function childrenOf(pid: number): Promise<Array<{ pid: number; name: string }>> {
  const found: Array<{ pid: number; name: string }> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: the name may hold spaces, so read after its closing parenthesis
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === pid) found.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return found;
}
