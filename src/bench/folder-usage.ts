// What a folder takes on disk, measured by an asynchronous walk (the event loop stays free) and remembered a while.
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/** One measurement: every regular file's bytes (a hard-linked file once), and the bytes under each top-level entry. */
export interface FolderSize {
  bytes: number;
  /** Bytes per name directly inside the folder (a file, or everything under a sub-folder). */
  byTop: Map<string, number>;
  measuredAt: number;
}

/**
 * How many file-system calls are out at once: enough to be quick, few enough to leave the thread pool to others.
 * libuv runs fs calls (and dns.lookup) on 4 threads by default; a walk holding them all would queue the hub's other
 * file work behind it.
 */
const CONCURRENCY = 3;

/**
 * Walks `dir` with at most CONCURRENCY calls in flight. Symbolic links are not followed (the HF cache's snapshots
 * link to its blobs, which are counted where they are); folders in `skip` are left out (counted elsewhere).
 */
export async function measureFolder(dir: string, skip: string[] = []): Promise<FolderSize> {
  const root = resolve(dir);
  const skipped = new Set(skip.map((s) => resolve(s)));
  const seen = new Set<string>();
  const byTop = new Map<string, number>();
  let bytes = 0;
  const queue: string[] = [root];
  let active = 0;
  await new Promise<void>((done, fail) => {
    const next = (): void => {
      if (queue.length === 0 && active === 0) return done();
      while (active < CONCURRENCY && queue.length > 0) {
        const path = queue.pop()!;
        active++;
        visit(path).then(
          () => {
            active--;
            next();
          },
          (err: unknown) => fail(err as Error),
        );
      }
    };
    const visit = async (path: string): Promise<void> => {
      const st = await lstat(path).catch(() => null);
      if (!st) return;
      if (st.isDirectory()) {
        if (path !== root && skipped.has(path)) return;
        const entries: Dirent[] = await readdir(path, { withFileTypes: true }).catch(() => []);
        for (const e of entries) queue.push(join(path, e.name));
        return;
      }
      if (!st.isFile()) return;
      const inode = `${st.dev}:${st.ino}`;
      if (st.nlink > 1) {
        if (seen.has(inode)) return;
        seen.add(inode);
      }
      bytes += st.size;
      const top = relative(root, path).split(sep)[0]!;
      byTop.set(top, (byTop.get(top) ?? 0) + st.size);
    };
    next();
  });
  return { bytes, byTop, measuredAt: Date.now() };
}

/** A folder's figure as the list shows it: the latest measurement, or why there is none. */
export interface FolderReading {
  size: FolderSize | null;
  note: string | null;
}

interface Tracked {
  size: FolderSize | null;
  error: string | null;
  pending: Promise<void> | null;
  /** Set by `invalidate`: the next reading measures again whatever the age. */
  dirty: boolean;
}

/**
 * Remembers folder sizes: a reading younger than `maxAgeMs` is answered as it is; an older one starts a walk and
 * waits for it `waitMs` at most, answering the last figure (or "measuring") while a big folder is still walked.
 */
export class FolderUsage {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly o: { maxAgeMs: number; waitMs: number }) {}

  async read(dir: string, skip: string[] = []): Promise<FolderReading> {
    let t = this.tracked.get(dir);
    if (!t) {
      t = { size: null, error: null, pending: null, dirty: true };
      this.tracked.set(dir, t);
    }
    const entry = t;
    const old = entry.size === null || entry.dirty || Date.now() - entry.size.measuredAt >= this.o.maxAgeMs;
    if (old && !entry.pending) {
      entry.dirty = false;
      entry.pending = measureFolder(dir, skip).then(
        (size) => {
          entry.size = size;
          entry.error = null;
          entry.pending = null;
        },
        (err: unknown) => {
          entry.error = (err as Error).message;
          entry.pending = null;
        },
      );
    }
    if (entry.pending) await Promise.race([entry.pending, new Promise((r) => setTimeout(r, this.o.waitMs).unref())]);
    const note = entry.size
      ? null
      : entry.pending
        ? 'still measuring (a big folder takes a moment)'
        : `cannot be measured: ${entry.error ?? 'unknown error'}`;
    return { size: entry.size, note };
  }

  /** Something changed in the folders (a pull ended, a model was deleted): the next reading measures again. */
  invalidate(): void {
    for (const t of this.tracked.values()) t.dirty = true;
  }
}
