// The held-out sets in the data folder's challenge area: one immutable file per set, readable by the hub's user only.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { HeldOutSet } from '../shared/challenge';
import { HELD_OUT_FOLDER, parseHeldOutSet } from '../shared/held-out-set';
import { BenchError } from './bench-error';

export interface StoredSet {
  /** Relative to the challenge area, as pack.json's `private_set` names it. */
  file: string;
  set: HeldOutSet;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const setName = (pack: string) => new RegExp(`^${escape(pack)}\\.[0-9a-f]{16}\\.json$`);

/**
 * Writes a file only this user can read, whole: written beside, then renamed, so a reader sees the old file or the
 * new one. The mode is set at creation, so the text is never readable by others, not even for a moment.
 */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600); // a tmp file left by a crash keeps its old mode through writeFileSync
  renameSync(tmp, path);
}

/** Creates a folder only this user can enter (and narrows an existing one: the challenge area is the hub's alone). */
export function privateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/**
 * The pack's held-out set installed in `challengeDir`, or null when it has none. `current` is the set the installed
 * pack.json names (when it is this pack): it wins over a newer file an interrupted init may have left. A set that
 * cannot be read is refused, never silently replaced: results were verified on it.
 */
export function findHeldOutSet(challengeDir: string, packId: string, current: string | undefined): StoredSet | null {
  const folder = join(challengeDir, HELD_OUT_FOLDER);
  if (!existsSync(folder)) return null;
  const names = readdirSync(folder).filter((n) => setName(packId).test(n));
  if (current && names.includes(current.slice(HELD_OUT_FOLDER.length + 1)))
    return readHeldOutSet(challengeDir, current, packId);
  const sets = names.map((n) => readHeldOutSet(challengeDir, `${HELD_OUT_FOLDER}/${n}`, packId));
  return sets.sort((a, b) => b.set.drawn_at.localeCompare(a.set.drawn_at))[0] ?? null;
}

function readHeldOutSet(challengeDir: string, file: string, packId: string): StoredSet {
  const fail = (why: string) =>
    new BenchError(
      'INVALID_CONFIG',
      `the installed private prompts of the ${packId} pack (${join(challengeDir, file)}) ${why}; pass --redraw-private to replace them (results verified on them will no longer compare)`,
    );
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(join(challengeDir, file), 'utf8'));
  } catch (err) {
    throw fail(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
  const { set, problem } = parseHeldOutSet(data);
  if (!set) throw fail(`are ${problem}`);
  return { file, set };
}

/**
 * Stores a set under a name made from its content: a set file never changes once written, so pack.json (renamed into
 * place after it) switches the hub from one set to the next in one step. Returns its name for pack.json.
 */
export function writeHeldOutSet(challengeDir: string, set: HeldOutSet): string {
  privateFolder(challengeDir);
  const folder = join(challengeDir, HELD_OUT_FOLDER);
  privateFolder(folder);
  const content = JSON.stringify(set, null, 2) + '\n';
  const name = `${set.pack}.${createHash('sha256').update(content).digest('hex').slice(0, 16)}.json`;
  writePrivateFile(join(folder, name), content);
  return `${HELD_OUT_FOLDER}/${name}`;
}

/** Removes the pack's other sets once pack.json names the new one: a replaced set is not kept around to leak. */
export function removeSuperseded(challengeDir: string, packId: string, keep: string): void {
  const folder = join(challengeDir, HELD_OUT_FOLDER);
  for (const name of readdirSync(folder)) {
    if (`${HELD_OUT_FOLDER}/${name}` !== keep && setName(packId).test(name))
      rmSync(join(folder, name), { force: true });
  }
}
