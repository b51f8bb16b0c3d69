// The desktop app's own settings (<userData>/desktop.json): which data folder the hub runs on. Written atomically.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  renameSync(`${file}.tmp`, file);
}

/** The folder the hub opens: the chosen one, else the app's own. */
export function dataFolderOf(userData: string): string {
  return readDesktopSettings(userData).dataDir ?? userData;
}
