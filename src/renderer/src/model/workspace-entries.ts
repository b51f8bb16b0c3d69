// What a workspace folder lists: entries from disk and from the record (board, results), their order and their version.
import type { FolderListing } from '@shared/api';
import { parseStampedFilename } from '@shared/ids';
import { baseName, CENTRAL, parentPath } from './workspace-location';

export interface WorkspaceEntry {
  /** Relative to its root. */
  path: string;
  name: string;
  type: 'file' | 'dir';
  /** Null where the hub does not say (record files, record folders). */
  bytes: number | null;
  modified: string | null;
  /** Presented from the record (the board, the results) rather than read from disk. */
  record?: boolean;
}

/** Central folders that hold records rather than files: the hub keeps them in SQLite and serves them by API. */
export const RECORD_FOLDERS = ['message_board', 'results'] as const;
export type RecordFolder = (typeof RECORD_FOLDERS)[number];

export function isRecordFolder(root: string, path: string): path is RecordFolder {
  return root === CENTRAL && (RECORD_FOLDERS as readonly string[]).includes(path);
}

/** A record file ("message_board/<stamp>_alice.md"): its folder is a record folder. */
export function isRecordFile(root: string, path: string): boolean {
  return root === CENTRAL && path.includes('/') && isRecordFolder(root, parentPath(path));
}

export function recordEntry(path: string): WorkspaceEntry {
  const name = baseName(path);
  const stamp = parseStampedFilename(name);
  return {
    path,
    name,
    type: 'file',
    bytes: null,
    modified: stamp ? new Date(stamp.ms).toISOString() : null,
    record: true,
  };
}

export function byFolderThenName(a: WorkspaceEntry, b: WorkspaceEntry): number {
  if (a.type !== b.type) return a.type === 'dir' ? -1 : 1;
  return a.name.localeCompare(b.name);
}

/** Record filenames are stamped, and the hub pages them by filename: comparing names is comparing times. */
export function newestFirst(a: WorkspaceEntry, b: WorkspaceEntry): number {
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

export function fromListing(entries: FolderListing['entries']): WorkspaceEntry[] {
  return entries.map((e) => ({
    path: e.path,
    name: baseName(e.path),
    type: e.type,
    bytes: e.type === 'file' ? e.bytes : null,
    modified: e.modified,
  }));
}

/** Central's own folder plus the record folders, which are not on disk but are part of the record. */
export function withRecordFolders(entries: WorkspaceEntry[]): WorkspaceEntry[] {
  const extra = RECORD_FOLDERS.filter((name) => !entries.some((e) => e.path === name)).map((name): WorkspaceEntry => ({
    path: name,
    name,
    type: 'dir',
    bytes: null,
    modified: null,
    record: true,
  }));
  return [...entries, ...extra];
}

/** Changes when the file does (its listing's time or size): the preview re-reads it then. */
export function versionOf(entry: WorkspaceEntry): string {
  return `${entry.modified ?? ''}|${entry.bytes ?? ''}`;
}
