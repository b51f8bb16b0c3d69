// One `collab-desk demo` at a time across test files: two demos measuring baselines side by side disturb each other's
// runs, each re-measures, and both outlast their guards on a 2-core machine.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../src/platform/process-alive';

const SLOT = join(tmpdir(), 'collab-desk-tests-demo-slot');

/** Waits until no other test process runs a demo, then holds the slot; the returned function gives it back. */
export async function takeDemoSlot(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(SLOT);
      writeFileSync(join(SLOT, 'pid'), String(process.pid));
      return () => rmSync(SLOT, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(join(SLOT, 'pid'), 'utf8'));
    } catch {
      /* being written or removed: look again */
    }
    // A test process that died holding it (killed run) left it behind.
    if (holder > 0 && !processAlive(holder)) rmSync(SLOT, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 1000));
  }
}
