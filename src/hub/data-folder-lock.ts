// One hub per data folder: a lock file naming the process that holds it, taken over when that process is gone.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dataLayout } from '../platform/data-folder';
import { processStamp, stampHolder } from '../platform/process-alive';

/** The folders this process holds: its own pid in a lock file is stale unless it is in here. */
const heldHere = new Set<string>();

export class DataFolderBusyError extends Error {
  constructor(
    readonly root: string,
    readonly holder: number,
  ) {
    super(
      `the data folder ${root} is in use by another Collab Desk hub (process ${holder}): stop it first (the desktop app, or \`collab-desk hub\`), or use another folder with --data`,
    );
    this.name = 'DataFolderBusyError';
  }
}

/**
 * Takes <root>/hub.lock or throws DataFolderBusyError. Two hubs on one folder would both run the job queue (each
 * failing the other's running job, two owners for one GPU) and two swarms over one record. Returns the release.
 */
export function lockDataFolder(root: string): () => void {
  const file = dataLayout(root).hubLock;
  for (let tries = 0; tries < 3; tries++) {
    try {
      // The pid and its start time: a pid the system gave another process since is not this hub.
      writeFileSync(file, processStamp(), { flag: 'wx' });
      // A URL left by a killed hub names a port that is not ours: gone until this hub listens and writes its own.
      rmSync(dataLayout(root).hubUrl, { force: true });
      heldHere.add(root);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(root);
        // The URL first: a hub.url without its lock is never read, a lock without a URL is a hub starting.
        rmSync(dataLayout(root).hubUrl, { force: true });
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = { pid: 0, alive: false };
    try {
      holder = stampHolder(readFileSync(file, 'utf8'));
    } catch {
      /* gone meanwhile: try again */
    }
    const ours = holder.pid === process.pid;
    if (holder.pid > 0 && (ours ? heldHere.has(root) : holder.alive)) throw new DataFolderBusyError(root, holder.pid);
    // A hub that was killed (or this process before a restart) left it: take it over.
    rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}: another hub keeps taking it`);
}

/**
 * Writes <root>/hub.url once the hub holding the folder listens, so `collab-desk` commands find it from the folder
 * (read only while the lock's process lives); the lock's release removes it.
 */
export function publishHubUrl(root: string, url: string): void {
  if (!heldHere.has(root)) return;
  // Written whole or not at all: a reader never sees half an address.
  const file = dataLayout(root).hubUrl;
  writeFileSync(`${file}.tmp`, `${url}\n`);
  renameSync(`${file}.tmp`, file);
}
