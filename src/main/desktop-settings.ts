// The desktop app's own settings (<userData>/desktop.json): which data folder the hub runs on. Written atomically.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export interface DesktopSettings {
  /** The hub's data folder; absent: the app's userData folder. */
  dataDir?: string;
}

export function settingsFile(userData: string): string {
  return join(userData, 'desktop.json');
}

/** A missing or broken file reads as defaults (the app still starts, on the default folder). */
export function readDesktopSettings(userData: string): DesktopSettings {
  try {
    const parsed = JSON.parse(readFileSync(settingsFile(userData), 'utf8')) as DesktopSettings;
    return typeof parsed.dataDir === 'string' && isAbsolute(parsed.dataDir) ? { dataDir: parsed.dataDir } : {};
  } catch {
    return {};
  }
}

export function writeDesktopSettings(userData: string, settings: DesktopSettings): void {
  const file = settingsFile(userData);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(settings, null, 2) + '\n');
  // On disk before the rename: after a power cut the file is the old one or the new one, never empty.
  const fd = openSync(`${file}.tmp`, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
}

/**
 * Why a folder cannot be the data folder, or null when it can: it must be writable, and empty or already a
 * Collab Desk data folder (so a choice never scatters the record into someone's documents).
 */
export function dataFolderProblem(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.collab-desk-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    return `${dir} cannot be written to (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): choose a folder you own`;
  }
  const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  if (entries.length > 0 && !entries.includes('hub.db') && !entries.includes('config.json')) {
    return `${dir} already holds other files and is not a Collab Desk data folder: choose an empty folder or an existing data folder`;
  }
  return null;
}

/** The folder the hub opens: the chosen one, else the app's own. */
export function dataFolderOf(userData: string): string {
  return readDesktopSettings(userData).dataDir ?? userData;
}
